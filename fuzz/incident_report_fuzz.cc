// Fuzz target for the native incident report parser (src/incidents/report/report_json.h).
//
// The input is a report submission body. Invariants (a violation aborts):
//  - a refusal is InvalidArgument with a type, a detail and, unless the JSON itself is
//    malformed or not an object, a field that is a JSON Pointer resolving in the body (or,
//    for "missing-field", naming a member absent from an object of the body);
//  - an accepted report is valid and canonical (ValidateReport), and its canonical JSON
//    parses back to an equal report that serialises to the same text.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/json.h"
#include "fuzz/check.h"
#include "incidents/report/report_json.h"

namespace {

namespace bj = boost::json;

void CheckRefusal(const aiip::Status& s, std::string_view text) {
  AIIP_FUZZ_CHECK(!s.ok() && s.code() == aiip::Code::kInvalidArgument, "a refusal is not InvalidArgument");
  AIIP_FUZZ_CHECK(!s.type().empty() && !s.detail().empty(), "a refusal has no type or detail");
  if (s.type() == "malformed-json" || s.type() == "not-an-object") {
    AIIP_FUZZ_CHECK(s.field().empty(), "a JSON-level refusal names a field");
    return;
  }
  AIIP_FUZZ_CHECK(s.field().starts_with("/"), "a refusal does not name its field as a JSON Pointer");
  const bj::value body = *aiip::json::Parse(text);
  boost::system::error_code ec;
  if (s.type() == "missing-field") {
    const size_t slash = s.field().rfind('/');
    const bj::value* parent =
        slash == 0 ? &body : body.find_pointer(std::string_view(s.field()).substr(0, slash), ec);
    AIIP_FUZZ_CHECK(parent != nullptr && parent->is_object(), "a missing field's parent does not resolve");
    return;
  }
  AIIP_FUZZ_CHECK(body.find_pointer(s.field(), ec) != nullptr, "a refusal points at nothing");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  aiip::Result<aiip::incidents::Report> report = aiip::incidents::ParseReport(text);
  if (!report) {
    CheckRefusal(report.error(), text);
    return 0;
  }
  AIIP_FUZZ_CHECK(aiip::incidents::ValidateReport(*report).ok(),
                  "an accepted report is not valid and canonical");
  const std::string json = aiip::incidents::SerializeReport(*report);
  aiip::Result<aiip::incidents::Report> again = aiip::incidents::ParseReport(json);
  AIIP_FUZZ_CHECK(again.has_value(), "the canonical JSON of an accepted report does not parse");
  AIIP_FUZZ_CHECK(*again == *report, "the canonical JSON parses to another report");
  AIIP_FUZZ_CHECK(aiip::incidents::SerializeReport(*again) == json, "serialisation is not stable");
  return 0;
}
