// Fuzz target for aiip::ParseRfc3339 (src/common/time.h), which reads the timestamps callers
// send (token expiry, audit queries) and the ones the CLI reads back from a node.
//
// Invariants (a violation aborts):
//  - a failure is InvalidArgument "invalid-timestamp" with a detail and no field (callers
//    add the field);
//  - a time that parses can be written back: FormatRfc3339 gives AIIP's own form
//    "YYYY-MM-DDTHH:MM:SS.mmmZ", which parses to the same time and formats identically;
//  - text already in that form (apart from leap seconds, which are clamped) is a fixed
//    point: it formats back to itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"
#include "fuzz/check.h"

namespace {

// "YYYY-MM-DDTHH:MM:SS.mmmZ" with digits where the pattern has letters.
bool IsAiipForm(std::string_view s) {
  constexpr std::string_view kPattern = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (s.size() != kPattern.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool ok = kPattern[i] == 'd' ? s[i] >= '0' && s[i] <= '9' : s[i] == kPattern[i];
    if (!ok) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  aiip::Result<aiip::SystemTime> parsed = aiip::ParseRfc3339(text);
  if (!parsed) {
    const aiip::Status& s = parsed.error();
    AIIP_FUZZ_CHECK(s.code() == aiip::Code::kInvalidArgument, "a failure is not InvalidArgument");
    AIIP_FUZZ_CHECK(s.type() == "invalid-timestamp", "a failure has another type");
    AIIP_FUZZ_CHECK(!s.detail().empty(), "a failure has no detail");
    AIIP_FUZZ_CHECK(s.field().empty(), "a failure names a field");
    return 0;
  }
  const std::string formatted = aiip::FormatRfc3339(*parsed);
  AIIP_FUZZ_CHECK(IsAiipForm(formatted),
                  "a parsed time formats to something else than YYYY-MM-DDTHH:MM:SS.mmmZ");
  aiip::Result<aiip::SystemTime> again = aiip::ParseRfc3339(formatted);
  AIIP_FUZZ_CHECK(again.has_value(), "a formatted time does not parse");
  AIIP_FUZZ_CHECK(*again == *parsed, "a formatted time parses to another time");
  AIIP_FUZZ_CHECK(aiip::FormatRfc3339(*again) == formatted, "formatting is not stable");
  if (IsAiipForm(text) && text.substr(17, 2) != "60") {
    AIIP_FUZZ_CHECK(formatted == text, "a time in AIIP's own form does not format back to itself");
  }
  return 0;
}
