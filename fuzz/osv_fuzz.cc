// Fuzz target for the OSV 1.x parser (src/advisories/osv/osv.h), which reads advisories
// fetched from outside databases and submitted by participants.
//
// Invariants (a violation aborts):
//  - ParseOsv never crashes and answers the same for the same bytes;
//  - a failure is InvalidArgument with a type and a detail, and its field is empty for
//    input that is not a JSON object ("malformed-json", "not-an-object") and otherwise a
//    JSON Pointer ("/...") that resolves in the document, except for "missing-field", whose
//    parent resolves to an object;
//  - a success yields exactly one Record with a non-empty id equal to the document id, the
//    hex SHA-256 of the input, a modified time, and origins of the form "/affected/N" that
//    every remediation names.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "advisories/osv/osv.h"
#include "common/json.h"
#include "crypto/sha256.h"
#include "fuzz/check.h"

namespace {

namespace bj = boost::json;

void CheckFailure(const aiip::Status& s, std::string_view text) {
  AIIP_FUZZ_CHECK(s.code() == aiip::Code::kInvalidArgument, "a failure is not InvalidArgument");
  AIIP_FUZZ_CHECK(!s.type().empty() && !s.detail().empty(), "a failure has no type or detail");
  if (s.type() == "malformed-json" || s.type() == "not-an-object") {
    AIIP_FUZZ_CHECK(s.field().empty(), "a document-level failure names a field");
    return;
  }
  AIIP_FUZZ_CHECK(s.field().starts_with("/"), "a field failure's field is not a JSON Pointer");
  aiip::Result<bj::value> doc = aiip::json::Parse(text);
  AIIP_FUZZ_CHECK(doc.has_value(), "a field failure for a document that does not parse");
  boost::system::error_code ec;
  std::string_view pointer = s.field();
  if (s.type() == "missing-field") pointer = pointer.substr(0, pointer.rfind('/'));
  const bj::value* target = doc->find_pointer(pointer, ec);
  AIIP_FUZZ_CHECK(target != nullptr, "a failure's pointer does not resolve");
  if (s.type() == "missing-field")
    AIIP_FUZZ_CHECK(target->is_object(), "a missing field's parent is not an object");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  aiip::Result<aiip::advisories::Document> doc = aiip::advisories::ParseOsv(text, "fuzz");
  aiip::Result<aiip::advisories::Document> again = aiip::advisories::ParseOsv(text, "fuzz");
  AIIP_FUZZ_CHECK(doc.has_value() == again.has_value(), "ParseOsv is not deterministic");
  if (!doc) {
    AIIP_FUZZ_CHECK(doc.error() == again.error(), "ParseOsv is not deterministic");
    CheckFailure(doc.error(), text);
    return 0;
  }
  AIIP_FUZZ_CHECK(doc->records.size() == 1, "an OSV document yields one record");
  const aiip::advisories::Record& record = doc->records[0];
  AIIP_FUZZ_CHECK(!record.id.empty() && record.id == doc->id && record.document_id == doc->id,
                  "the record id is empty or not the document id");
  AIIP_FUZZ_CHECK(!record.modified.empty() && doc->modified == record.modified, "no modified time");
  AIIP_FUZZ_CHECK(doc->sha256 == aiip::crypto::DigestHex(aiip::crypto::Sha256(text)), "wrong sha256");
  for (size_t i = 0; i < record.affected.size(); ++i) {
    AIIP_FUZZ_CHECK(record.affected[i].origin.starts_with("/affected/"), "an origin is not /affected/N");
  }
  for (const auto& remediation : record.remediations) {
    AIIP_FUZZ_CHECK(remediation.origins.size() == 1 && !remediation.fixed_version.empty(),
                    "a remediation has no origin or version");
    bool found = false;
    for (const auto& affected : record.affected) found = found || affected.origin == remediation.origins[0];
    AIIP_FUZZ_CHECK(found, "a remediation names an unknown origin");
  }
  for (const auto& severity : record.severities) {
    AIIP_FUZZ_CHECK(severity.base_score == -1 || (severity.base_score >= 0 && severity.base_score <= 10),
                    "a base score is out of range");
  }
  return 0;
}
