// Fuzz target for the indicator canonicaliser of src/incidents/correlation (Canonicalise), which
// reads indicator types and values straight out of incident reports that outsiders submit, and
// for the index that interns what it returns.
//
// The input is "<type>\n<value>". Invariants (a violation aborts):
//  - a failure is InvalidArgument naming "/type" or "/value";
//  - a canonical value is non-empty, at most 8192 bytes, and a fixed point: canonicalising it
//    again (under the type's own name) gives the same indicator;
//  - interned in two reports, the value correlates each with the other as the same value,
//    and a search by it finds both.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "fuzz/check.h"
#include "incidents/correlation/correlation.h"

namespace c = aiip::incidents::correlation;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string_view type = input.substr(0, newline);
  const std::string_view value =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  auto indicator = c::Canonicalise(type, value);
  if (!indicator.has_value()) {
    const aiip::Status& s = indicator.error();
    AIIP_FUZZ_CHECK(s.code() == aiip::Code::kInvalidArgument, "a refusal is not InvalidArgument");
    AIIP_FUZZ_CHECK(s.field() == "/type" || s.field() == "/value", "a refusal names no field");
    return 0;
  }
  AIIP_FUZZ_CHECK(!indicator->value.empty() && indicator->value.size() <= 8192,
                  "a canonical value is empty or long");
  auto again = c::Canonicalise(c::TypeName(indicator->type), indicator->value);
  AIIP_FUZZ_CHECK(again.has_value(), "a canonical value is refused");
  AIIP_FUZZ_CHECK(*again == *indicator, "a canonical value is not a fixed point");

  c::Index index;
  const std::vector<c::Indicator> values = {*indicator};
  index.Put("a", values);
  index.Put("b", values);
  const c::Visible all = [](std::string_view) { return true; };
  auto correlated = index.Correlate("a", all);
  AIIP_FUZZ_CHECK(correlated.has_value() && correlated->reports == std::vector<std::string>{"b"},
                  "a value shared by two reports does not correlate them");
  AIIP_FUZZ_CHECK(correlated->by_indicator.size() == 1 && correlated->by_indicator[0].matches.size() == 1 &&
                      correlated->by_indicator[0].matches[0].relation == c::Relation::kSame,
                  "a shared value is not matched as the same value");
  AIIP_FUZZ_CHECK(index.Search(*indicator, all).matches.size() == 2, "a search does not find both holders");
  return 0;
}
