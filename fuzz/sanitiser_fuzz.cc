// Fuzz target for the sanitiser (src/incidents/sanitiser/sanitiser.h).
//
// The input is a report submission body; reports the parser refuses are skipped. Each
// accepted report is sanitised under the default rules. Invariants (a violation aborts):
//  - no private address survives: scanning every string of the sanitised report's JSON for
//    dotted quads (four 1-3 digit decimal octets <= 255, starting where a digit follows a
//    non-digit -- written independently of the sanitiser's scanner) finds none inside
//    10/8, 172.16/12, 192.168/16 or the input's IPv4 reporter_networks, and no IPv6 address
//    (a maximal run of hex digits, ':' and '.' that parses) inside its IPv6 reporter_networks;
//  - the sanitised report is valid and canonical; the reporter networks and domains and the
//    exact loss are gone; the original report is unchanged;
//  - every redaction names a field that resolves in the original report's JSON, and its
//    HMAC has 64 hex digits.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/check.h"
#include "incidents/report/report_json.h"
#include "incidents/report/values.h"
#include "incidents/sanitiser/sanitiser.h"

namespace {

namespace bj = boost::json;
using aiip::incidents::IpNetwork;

bool Digit(char c) { return c >= '0' && c <= '9'; }
bool Hex(char c) { return Digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool Forbidden(const IpNetwork& address, const std::vector<IpNetwork>& reporter) {
  static const IpNetwork kRfc1918[] = {*aiip::incidents::ParseIpNetwork("10.0.0.0/8"),
                                       *aiip::incidents::ParseIpNetwork("172.16.0.0/12"),
                                       *aiip::incidents::ParseIpNetwork("192.168.0.0/16")};
  for (const IpNetwork& n : kRfc1918) {
    if (aiip::incidents::Contains(n, address)) return true;
  }
  for (const IpNetwork& n : reporter) {
    if (aiip::incidents::Contains(n, address)) return true;
  }
  return false;
}

void CheckString(std::string_view s, const std::vector<IpNetwork>& reporter) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (!Digit(s[i]) || (i > 0 && Digit(s[i - 1]))) continue;
    size_t k = i;
    IpNetwork a;
    a.prefix = 32;
    bool ok = true;
    for (int g = 0; g < 4 && ok; ++g) {
      if (g > 0) ok = k < s.size() && s[k++] == '.';
      int value = 0;
      size_t len = 0;
      while (ok && len < 3 && k < s.size() && Digit(s[k])) value = value * 10 + (s[k++] - '0'), ++len;
      ok = ok && len > 0 && value <= 255;
      a.bytes[g] = static_cast<uint8_t>(value);
    }
    AIIP_FUZZ_CHECK(!ok || !Forbidden(a, reporter),
                    "a private or reporter IPv4 address survived sanitisation");
  }
  size_t i = 0;
  while (i < s.size()) {
    if (!Hex(s[i]) && s[i] != ':') {
      ++i;
      continue;
    }
    size_t e = i;
    while (e < s.size() && (Hex(s[e]) || s[e] == ':' || s[e] == '.')) ++e;
    if (auto a = aiip::incidents::ParseIpAddress(s.substr(i, e - i)); a && a->v6) {
      AIIP_FUZZ_CHECK(!Forbidden(*a, reporter), "a reporter IPv6 address survived sanitisation");
    }
    i = e;
  }
}

void CheckValue(const bj::value& v, const std::vector<IpNetwork>& reporter) {
  if (v.is_string()) {
    CheckString(v.get_string(), reporter);
  } else if (v.is_array()) {
    for (const bj::value& x : v.get_array()) CheckValue(x, reporter);
  } else if (v.is_object()) {
    for (const auto& m : v.get_object()) {
      CheckString(m.key(), reporter);
      CheckValue(m.value(), reporter);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto report = aiip::incidents::ParseReport(text);
  if (!report) return 0;
  const aiip::incidents::Report before = *report;
  const auto s = aiip::incidents::sanitiser::Sanitise(*report, aiip::incidents::sanitiser::Rules{},
                                                      "fuzz salt, thirty-two bytes...");
  AIIP_FUZZ_CHECK(*report == before, "the original report changed");
  AIIP_FUZZ_CHECK(aiip::incidents::ValidateReport(s.report).ok(), "the sanitised report is not valid");
  AIIP_FUZZ_CHECK(s.report.reporter_networks.empty() && s.report.reporter_domains.empty(),
                  "reporter networks or domains survived");
  AIIP_FUZZ_CHECK(!s.report.estimated_loss || !s.report.estimated_loss->amount, "an exact loss survived");
  std::vector<IpNetwork> reporter = report->reporter_networks;
  CheckValue(aiip::incidents::ReportToJson(s.report), reporter);
  const bj::value original = aiip::incidents::ReportToJson(*report);
  for (const auto& r : s.redactions) {
    boost::system::error_code ec;
    AIIP_FUZZ_CHECK(original.find_pointer(r.field, ec) != nullptr,
                    "a redaction names a field that does not exist");
    AIIP_FUZZ_CHECK(r.original_hmac.size() == 64, "a redaction has no HMAC");
  }
  return 0;
}
