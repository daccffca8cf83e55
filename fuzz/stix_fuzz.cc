// Fuzz target for STIX 2.1 input (src/incidents/stix/stix.h) and the pattern grammar.
//
// The input is a bundle submitted as a report. Invariants (a violation aborts):
//  - ValidateBundle and BundleToReport agree: a bundle ValidateBundle refuses is refused by
//    BundleToReport with the same error; refusals are InvalidArgument with a type, a detail
//    and (past the JSON level) a field that is a JSON Pointer;
//  - an imported report is valid (ValidateReport), and exporting it gives a bundle that
//    passes ValidateBundle and imports back as the same report;
//  - every indicator pattern of type "stix" in an accepted bundle parses, and quoting each
//    string literal it compares and parsing `[x:y = <quoted>]` gives the literal back.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/json.h"
#include "fuzz/check.h"
#include "incidents/report/report_json.h"
#include "incidents/stix/pattern.h"
#include "incidents/stix/stix.h"

namespace {
namespace bj = boost::json;
namespace stix = aiip::incidents::stix;

void CheckRefusal(const aiip::Status& s) {
  AIIP_FUZZ_CHECK(!s.ok() && s.code() == aiip::Code::kInvalidArgument, "a refusal is not InvalidArgument");
  AIIP_FUZZ_CHECK(!s.type().empty() && !s.detail().empty(), "a refusal has no type or detail");
  if (s.type() != "malformed-json" && s.type() != "not-an-object") {
    AIIP_FUZZ_CHECK(s.field().starts_with("/"), "a refusal does not name a JSON Pointer");
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  aiip::Result<bj::object> bundle = stix::ValidateBundle(text);
  aiip::Result<stix::Import> import = stix::BundleToReport(text);
  if (!bundle) {
    CheckRefusal(bundle.error());
    AIIP_FUZZ_CHECK(!import && import.error() == bundle.error(),
                    "BundleToReport disagrees with ValidateBundle");
    // The pattern grammar gets the raw input too.
    if (auto pattern = stix::ParsePattern(text); !pattern) {
      AIIP_FUZZ_CHECK(pattern.error().type() == "invalid-pattern", "a pattern refusal has another type");
    }
    return 0;
  }
  if (const bj::value* objects = bundle->if_contains("objects")) {
    for (const bj::value& o : objects->get_array()) {
      if (o.get_object().at("type") != "indicator" || o.get_object().at("pattern_type") != "stix") continue;
      auto pattern = stix::ParsePattern(o.get_object().at("pattern").get_string());
      AIIP_FUZZ_CHECK(pattern.has_value(), "an accepted indicator's pattern does not parse");
      for (const auto& c : pattern->comparisons) {
        for (const std::string& literal : c.strings) {
          auto again = stix::ParsePattern("[x:y = " + stix::QuotePatternString(literal) + "]");
          AIIP_FUZZ_CHECK(again.has_value() && again->comparisons.at(0).strings.at(0) == literal,
                          "a quoted literal does not read back");
        }
      }
    }
  }
  if (!import) {
    CheckRefusal(import.error());
    return 0;
  }
  AIIP_FUZZ_CHECK(aiip::incidents::ValidateReport(import->report).ok(), "an imported report is not valid");
  const bj::object out = stix::ReportToBundle(import->report, {"fuzz", aiip::SystemTime{}});
  AIIP_FUZZ_CHECK(stix::ValidateBundleObject(out).ok(), "an exported bundle fails validation");
  auto back = stix::BundleToReport(bj::serialize(out));
  AIIP_FUZZ_CHECK(back.has_value(), "an exported bundle does not import");
  AIIP_FUZZ_CHECK(
      aiip::incidents::SerializeReport(back->report) == aiip::incidents::SerializeReport(import->report),
      "an exported bundle imports as another report");
  return 0;
}
