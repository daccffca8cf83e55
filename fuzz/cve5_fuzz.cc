// Fuzz target for the CVE JSON 5 parser (src/advisories/cve5/cve5.h), which reads records
// of the CVE List and records submitted by participants.
//
// Invariants (a violation aborts):
//  - ParseCve5 never crashes and answers the same for the same bytes;
//  - a failure is InvalidArgument with a type and a detail, and its field is empty for
//    input that is not a JSON object ("malformed-json", "not-an-object") and otherwise a
//    JSON Pointer ("/...") that resolves in the document, except for "missing-field", whose
//    parent resolves to an object;
//  - a success yields exactly one Record with a non-empty id equal to the document id, the
//    hex SHA-256 of the input, the document's modified time (empty only when the record has
//    no date at all), and origins that are JSON Pointers into /containers, which every
//    remediation names.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "advisories/cve5/cve5.h"
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
  aiip::Result<aiip::advisories::Document> doc = aiip::advisories::ParseCve5(text, "fuzz");
  aiip::Result<aiip::advisories::Document> again = aiip::advisories::ParseCve5(text, "fuzz");
  AIIP_FUZZ_CHECK(doc.has_value() == again.has_value(), "ParseCve5 is not deterministic");
  if (!doc) {
    AIIP_FUZZ_CHECK(doc.error() == again.error(), "ParseCve5 is not deterministic");
    CheckFailure(doc.error(), text);
    return 0;
  }
  AIIP_FUZZ_CHECK(doc->records.size() == 1, "a CVE record yields one record");
  const aiip::advisories::Record& record = doc->records[0];
  AIIP_FUZZ_CHECK(!record.id.empty() && record.id == doc->id && record.document_id == doc->id,
                  "the record id is empty or not the document id");
  AIIP_FUZZ_CHECK(doc->modified == record.modified, "the document and record modified times differ");
  AIIP_FUZZ_CHECK(doc->sha256 == aiip::crypto::DigestHex(aiip::crypto::Sha256(text)), "wrong sha256");
  for (size_t i = 0; i < record.affected.size(); ++i) {
    AIIP_FUZZ_CHECK(record.affected[i].origin.starts_with("/containers/"),
                    "an origin is not a pointer into /containers");
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
