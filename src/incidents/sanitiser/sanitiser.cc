#include "incidents/sanitiser/sanitiser.h"

#include <algorithm>
#include <set>

#include "common/encoding.h"
#include "common/json.h"
#include "crypto/hmac.h"
#include "incidents/report/report_json.h"
#include "incidents/report/values.h"
#include "incidents/stix/pattern.h"

namespace aiip::incidents::sanitiser {
namespace bj = boost::json;

namespace {

// IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890, updated by RFC 8190 and
// later assignments), plus multicast and the deprecated site-local block, which are never
// an attacker's host either.
struct SpecialBlock {
  std::string_view network;
  std::string_view name;
};
constexpr SpecialBlock kSpecialBlocks[] = {
    {"0.0.0.0/8", "this network (RFC 791)"},
    {"10.0.0.0/8", "private use (RFC 1918)"},
    {"100.64.0.0/10", "shared address space (RFC 6598)"},
    {"127.0.0.0/8", "loopback (RFC 1122)"},
    {"169.254.0.0/16", "link-local (RFC 3927)"},
    {"172.16.0.0/12", "private use (RFC 1918)"},
    {"192.0.0.0/24", "IETF protocol assignments (RFC 6890)"},
    {"192.0.2.0/24", "documentation TEST-NET-1 (RFC 5737)"},
    {"192.31.196.0/24", "AS112-v4 (RFC 7535)"},
    {"192.52.193.0/24", "AMT (RFC 7450)"},
    {"192.88.99.0/24", "deprecated 6to4 relay anycast (RFC 7526)"},
    {"192.168.0.0/16", "private use (RFC 1918)"},
    {"192.175.48.0/24", "direct delegation AS112 service (RFC 7534)"},
    {"198.18.0.0/15", "benchmarking (RFC 2544)"},
    {"198.51.100.0/24", "documentation TEST-NET-2 (RFC 5737)"},
    {"203.0.113.0/24", "documentation TEST-NET-3 (RFC 5737)"},
    {"224.0.0.0/4", "multicast (RFC 5771)"},
    {"240.0.0.0/4", "reserved (RFC 1112)"},
    {"255.255.255.255/32", "limited broadcast (RFC 919)"},
    {"::/128", "unspecified address (RFC 4291)"},
    {"::1/128", "loopback (RFC 4291)"},
    {"64:ff9b:1::/48", "local-use IPv4/IPv6 translation (RFC 8215)"},
    {"100::/64", "discard-only (RFC 6666)"},
    {"2001::/23", "IETF protocol assignments (RFC 2928)"},
    {"2001:db8::/32", "documentation (RFC 3849)"},
    {"2002::/16", "6to4 (RFC 3056)"},
    {"2620:4f:8000::/48", "direct delegation AS112 service (RFC 7534)"},
    {"3fff::/20", "documentation (RFC 9637)"},
    {"5f00::/16", "segment routing SIDs (RFC 9602)"},
    {"fc00::/7", "unique local (RFC 4193)"},
    {"fe80::/10", "link-local unicast (RFC 4291)"},
    {"fec0::/10", "deprecated site-local (RFC 3879)"},
    {"ff00::/8", "multicast (RFC 4291)"},
};

const std::vector<std::pair<IpNetwork, std::string_view>>& SpecialNetworks() {
  static const auto* blocks = [] {
    auto* out = new std::vector<std::pair<IpNetwork, std::string_view>>;
    for (const SpecialBlock& b : kSpecialBlocks) out->emplace_back(*ParseIpNetwork(b.network), b.name);
    return out;
  }();
  return *blocks;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsHostChar(char c) { return IsAlnum(c) || c == '.' || c == '-' || c == '_'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// ---- What is sensitive in one report ------------------------------------------------------

struct Finding {
  size_t begin;
  size_t end;
  std::string rule;
  std::string replacement;
};

enum class Mode {
  kFreeText,    // title, narrative, names: every detector, e-mail addresses unless allowed
  kStructured,  // indicator values and identifiers: no phone numbers; e-mail addresses only
                // when they are the reporter's or internal
};

class Context {
 public:
  Context(const Report& report, const Rules& rules) : rules_(rules) {
    if (rules.remove_reporter_networks) {
      protected_ = report.reporter_networks;
      protected_.insert(protected_.end(), rules.internal_networks.begin(), rules.internal_networks.end());
    }
    for (const auto& d : report.reporter_domains) own_domains_.push_back(d);
    for (const auto& d : rules.internal_domains) {
      if (auto c = CanonicalDomain(d)) own_domains_.push_back(*c);
    }
    for (const auto& s : rules.internal_suffixes) suffixes_.push_back(LowerAscii(s));
    for (const auto& t : rules.private_terms) AddTerm(t);
    if (report.reporter) {
      AddTerm(report.reporter->organisation);
      AddTerm(report.reporter->contact_name);
      if (!report.reporter->email.empty()) reporter_emails_.insert(LowerAscii(report.reporter->email));
    }
    if (rules.band_losses && report.estimated_loss && report.estimated_loss->amount) {
      loss_ = *report.estimated_loss->amount;
      loss_label_ =
          "[loss " + std::string(LossBandName(BandOf(*loss_))) + " " + report.estimated_loss->currency + "]";
    }
  }

  void AllowEmail(std::string_view email) { allowed_emails_.insert(LowerAscii(email)); }

  // The rule an address or network breaks, or "".
  std::string AddressRule(const IpNetwork& n) const {
    for (const IpNetwork& p : protected_) {
      if (Overlaps(p, n)) return "reporter-network";
    }
    if (rules_.remove_special_purpose && IsSpecialPurpose(n)) return "special-purpose-address";
    return "";
  }

  // The rule a host name breaks, or "".
  std::string HostRule(std::string_view host) const {
    const std::string h = LowerAscii(host);
    for (const std::string& d : own_domains_) {
      if (h == d || (h.size() > d.size() && h.ends_with(d) && h[h.size() - d.size() - 1] == '.')) {
        return "reporter-domain";
      }
    }
    if (h.find('.') == std::string::npos) return "";
    for (const std::string& s : suffixes_) {
      const std::string_view bare = std::string_view(s).substr(s.starts_with('.') ? 1 : 0);
      if (h.size() > bare.size() && h.ends_with(bare) && h[h.size() - bare.size() - 1] == '.')
        return "internal-host";
    }
    return "";
  }

  // The rule an e-mail address breaks in `mode`, or "".
  std::string EmailRule(std::string_view email, Mode mode) const {
    const std::string e = LowerAscii(email);
    const size_t at = e.rfind('@');
    std::string_view domain = std::string_view(e).substr(at + 1);
    if (domain.starts_with('[')) {
      domain = domain.substr(1, domain.size() - 2);
      if (domain.starts_with("ipv6:")) domain.remove_prefix(5);
      if (auto ip = ParseIpAddress(domain)) {
        if (std::string r = AddressRule(*ip); !r.empty()) return r;
      }
    } else if (std::string r = HostRule(domain); !r.empty()) {
      return r;
    }
    if (!rules_.redact_personal_data) return "";
    if (reporter_emails_.contains(e)) return "email-address";
    if (mode == Mode::kFreeText && !allowed_emails_.contains(e)) return "email-address";
    return "";
  }

  std::vector<Finding> Scan(std::string_view text, Mode mode) const {
    std::vector<Finding> f;
    Emails(text, mode, f);
    Ipv4(text, f);
    Ipv6(text, f);
    Hosts(text, f);
    Terms(text, f);
    if (mode == Mode::kFreeText) {
      if (rules_.redact_personal_data) Phones(text, f);
      if (loss_) Amounts(text, f);
    }
    return Merge(std::move(f));
  }

 private:
  void AddTerm(std::string_view term) {
    if (term.size() >= 3) terms_.push_back(LowerAscii(term));
  }

  static std::vector<Finding> Merge(std::vector<Finding> f) {
    std::sort(f.begin(), f.end(), [](const Finding& a, const Finding& b) {
      return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
    });
    std::vector<Finding> out;
    for (Finding& x : f) {
      if (!out.empty() && x.begin < out.back().end) {
        out.back().end = std::max(out.back().end, x.end);
      } else {
        out.push_back(std::move(x));
      }
    }
    return out;
  }

  void Emails(std::string_view t, Mode mode, std::vector<Finding>& f) const {
    constexpr std::string_view kAtext = "!#$%&'*+-/=?^_`{|}~.";
    for (size_t at = t.find('@'); at != std::string_view::npos; at = t.find('@', at + 1)) {
      size_t b = at;
      while (b > 0 && (IsAlnum(t[b - 1]) || kAtext.find(t[b - 1]) != std::string_view::npos)) --b;
      while (b < at && t[b] == '.') ++b;
      size_t e = at + 1;
      if (e < t.size() && t[e] == '[') {
        const size_t close = t.find(']', e);
        e = close == std::string_view::npos ? e : close + 1;
      } else {
        while (e < t.size() && IsHostChar(t[e])) ++e;
        while (e > at + 1 && (t[e - 1] == '.' || t[e - 1] == '-')) --e;
      }
      if (b == at || e == at + 1) continue;
      auto email = CanonicalEmail(t.substr(b, e - b));
      if (!email) continue;
      std::string rule = EmailRule(*email, mode);
      if (!rule.empty()) f.push_back({b, e, rule, "[email]"});
    }
  }

  void AddressFinding(std::string_view t, size_t b, size_t e, const IpNetwork& n,
                      std::vector<Finding>& f) const {
    // A prefix length after the address goes with it.
    IpNetwork net = n;
    if (e < t.size() && t[e] == '/') {
      size_t k = e + 1;
      while (k < t.size() && k < e + 4 && IsDigit(t[k])) ++k;
      if (k > e + 1) {
        if (auto parsed = ParseIpNetwork(std::string(t.substr(b, k - b)))) {
          net = *parsed;
          e = k;
        }
      }
    }
    std::string rule = AddressRule(n);
    if (rule.empty()) rule = AddressRule(net);
    if (!rule.empty()) f.push_back({b, e, rule, "[address]"});
  }

  // Dotted quads starting wherever a digit follows a non-digit. Octets are read as decimal
  // even with leading zeros, and the last octet may end inside a longer digit run, so
  // anything that reads as a protected address is caught.
  void Ipv4(std::string_view t, std::vector<Finding>& f) const {
    for (size_t i = 0; i < t.size(); ++i) {
      if (!IsDigit(t[i]) || (i > 0 && IsDigit(t[i - 1]))) continue;
      std::array<uint8_t, 4> octets{};
      size_t k = i;
      bool ok = true;
      for (int g = 0; g < 4 && ok; ++g) {
        if (g > 0) {
          if (k >= t.size() || t[k] != '.') {
            ok = false;
            break;
          }
          ++k;
        }
        size_t len = 0;
        int value = 0;
        while (len < 3 && k + len < t.size() && IsDigit(t[k + len]))
          value = value * 10 + (t[k + len++] - '0');
        if (len == 3 && value > 255 && g == 3) {
          value /= 10;
          len = 2;
        }
        if (len == 0 || value > 255) ok = false;
        octets[g] = static_cast<uint8_t>(value);
        k += len;
      }
      if (!ok) continue;
      IpNetwork n;
      std::copy(octets.begin(), octets.end(), n.bytes.begin());
      n.prefix = 32;
      AddressFinding(t, i, k, n, f);
    }
  }

  // Maximal runs of hex digits, ':' and '.' with at least two colons.
  void Ipv6(std::string_view t, std::vector<Finding>& f) const {
    size_t i = 0;
    while (i < t.size()) {
      if (!(IsHex(t[i]) || t[i] == ':')) {
        ++i;
        continue;
      }
      size_t e = i;
      while (e < t.size() && (IsHex(t[e]) || t[e] == ':' || t[e] == '.')) ++e;
      std::string_view run = t.substr(i, e - i);
      if (std::count(run.begin(), run.end(), ':') >= 2) {
        size_t end = e;
        while (end > i) {
          if (auto ip = ParseIpAddress(t.substr(i, end - i)); ip && ip->v6) {
            AddressFinding(t, i, end, *ip, f);
            break;
          }
          if (t[end - 1] != '.' && t[end - 1] != ':') break;
          --end;
        }
      }
      i = e;
    }
  }

  void Hosts(std::string_view t, std::vector<Finding>& f) const {
    // The reporter's domains wherever they appear (also inside longer tokens such as file
    // names), with the host labels written before them.
    const std::string lower = LowerAscii(t);
    for (const std::string& d : own_domains_) {
      for (size_t at = lower.find(d); at != std::string::npos; at = lower.find(d, at + 1)) {
        size_t b = at;
        while (b > 0 && IsHostChar(t[b - 1])) --b;
        f.push_back({b, at + d.size(), "reporter-domain", "[host]"});
      }
    }
    size_t i = 0;
    while (i < t.size()) {
      if (!IsHostChar(t[i])) {
        ++i;
        continue;
      }
      size_t e = i;
      while (e < t.size() && IsHostChar(t[e])) ++e;
      size_t b = i;
      size_t end = e;
      while (b < end && (t[b] == '.' || t[b] == '-')) ++b;
      while (end > b && (t[end - 1] == '.' || t[end - 1] == '-')) --end;
      if (end > b) {
        std::string rule = HostRule(t.substr(b, end - b));
        if (!rule.empty()) f.push_back({b, end, rule, "[host]"});
      }
      i = e;
    }
  }

  void Terms(std::string_view t, std::vector<Finding>& f) const {
    if (terms_.empty()) return;
    const std::string lower = LowerAscii(t);
    for (const std::string& term : terms_) {
      for (size_t at = lower.find(term); at != std::string::npos; at = lower.find(term, at + 1)) {
        f.push_back({at, at + term.size(), "private-term", "[name]"});
      }
    }
  }

  // Phone numbers: "+" and 8-15 digits, "00" and 10-17 digits, or a national number of
  // 7-15 digits that starts with a trunk "0" or "(", or is written 3-3-4 (NANP), with single
  // separators (space - . / and parentheses) between digit groups.
  void Phones(std::string_view t, std::vector<Finding>& f) const {
    for (size_t i = 0; i < t.size(); ++i) {
      const char c = t[i];
      if (!(IsDigit(c) || c == '+' || c == '(')) continue;
      if (c == '(') {
        // An area code: "(" 1-5 digits ")".
        size_t k = i + 1;
        while (k < t.size() && k < i + 6 && IsDigit(t[k])) ++k;
        if (k == i + 1 || k >= t.size() || t[k] != ')') continue;
      }
      if (i > 0 &&
          (IsAlnum(t[i - 1]) || std::string_view(".:/-_@+").find(t[i - 1]) != std::string_view::npos))
        continue;
      size_t k = i + (c == '+' ? 1 : 0);
      std::vector<size_t> groups;
      size_t digits = 0;
      bool separated = false;
      size_t last_digit_end = k;
      while (k < t.size()) {
        if (IsDigit(t[k])) {
          size_t g = 0;
          while (k < t.size() && IsDigit(t[k])) ++k, ++g;
          groups.push_back(g);
          digits += g;
          last_digit_end = k;
          continue;
        }
        // One separator (or "(", ")", ") ") between groups.
        size_t s = k;
        while (s < t.size() && s < k + 2 && std::string_view(" -./()").find(t[s]) != std::string_view::npos)
          ++s;
        if (s == k || s >= t.size() || !IsDigit(t[s])) break;
        const std::string_view sep = t.substr(k, s - k);
        if (sep.size() == 2 && sep != ") " && sep != ")-" && sep != " (") break;
        separated = true;
        k = s;
      }
      if (groups.empty()) continue;
      const size_t end = last_digit_end;
      if (end < t.size() && (IsAlnum(t[end]) || t[end] == '@')) continue;
      const std::string_view cand = t.substr(i, end - i);
      bool phone = false;
      if (c == '+') {
        phone = digits >= 8 && digits <= 15;
      } else if (cand.starts_with("00")) {
        phone = digits >= 10 && digits <= 17;
      } else if (digits >= 7 && digits <= 15 && (c == '(' || (c == '0' && (separated || digits >= 9)))) {
        phone = true;
      } else if (groups.size() == 3 && groups[0] == 3 && groups[1] == 3 && groups[2] == 4 && separated) {
        phone = true;
      }
      // Dotted quads, dates and times are not phone numbers.
      const bool dotted = cand.find('.') != std::string_view::npos && groups.size() == 4 &&
                          std::all_of(groups.begin(), groups.end(), [](size_t g) { return g <= 3; });
      const bool date = groups.size() == 3 && ((groups[0] == 4 && groups[1] == 2 && groups[2] == 2) ||
                                               (groups[0] == 2 && groups[1] == 2 && groups[2] == 4));
      if (phone && !dotted && !date) {
        f.push_back({i, end, "phone-number", "[phone]"});
        i = end;
      }
    }
  }

  // The exact loss written as a number: digits with optional thousands separators
  // (, . ' or space) and an optional two-digit fraction.
  void Amounts(std::string_view t, std::vector<Finding>& f) const {
    for (size_t i = 0; i < t.size(); ++i) {
      if (!IsDigit(t[i]) || (i > 0 && (IsDigit(t[i - 1]) || t[i - 1] == '.' || t[i - 1] == ','))) continue;
      for (char sep : {'\0', ',', '.', '\'', ' '}) {
        size_t k = i;
        int64_t value = 0;
        bool overflow = false;
        size_t first = 0;
        while (k < t.size() && IsDigit(t[k]) && first < 18) value = value * 10 + (t[k++] - '0'), ++first;
        if (sep != '\0') {
          if (first > 3) continue;
          while (k + 3 < t.size() + 0 && t[k] == sep && IsDigit(t[k + 1]) && IsDigit(t[k + 2]) &&
                 IsDigit(t[k + 3]) && (k + 4 >= t.size() || !IsDigit(t[k + 4]))) {
            if (value > INT64_MAX / 1000) {
              overflow = true;
              break;
            }
            value = value * 1000 + (t[k + 1] - '0') * 100 + (t[k + 2] - '0') * 10 + (t[k + 3] - '0');
            k += 4;
          }
        }
        if (overflow || (k < t.size() && IsDigit(t[k]))) continue;
        size_t end = k;
        if (end + 2 < t.size() + 0 && (t[end] == '.' || t[end] == ',') && t[end] != sep &&
            IsDigit(t[end + 1]) && IsDigit(t[end + 2]) && (end + 3 >= t.size() || !IsDigit(t[end + 3]))) {
          end += 3;
        }
        if (value == *loss_) {
          f.push_back({i, end, "loss-band", loss_label_});
          break;
        }
      }
    }
  }

  const Rules& rules_;
  std::vector<IpNetwork> protected_;
  std::vector<std::string> own_domains_;
  std::vector<std::string> suffixes_;
  std::vector<std::string> terms_;
  std::set<std::string> reporter_emails_;
  std::set<std::string> allowed_emails_;
  std::optional<int64_t> loss_;
  std::string loss_label_;
};

// ---- The sanitiser ------------------------------------------------------------------------

class Sanitiser {
 public:
  Sanitiser(const Report& original, const Rules& rules, std::string_view salt)
      : original_(original), rules_(rules), salt_(salt), context_(original, rules) {}

  Sanitised Run() {
    Report out = original_;
    FilterIndicators(out);
    out.title = Text("/title", original_.title, kMaxTitleBytes);
    out.narrative = Text("/narrative", original_.narrative, kMaxNarrativeBytes);
    Products(out);
    Attachments(out);
    Loss(out);
    ReplaceReporter(out);
    for (size_t i = 0; i < original_.reporter_networks.size(); ++i) {
      Record("reporter-metadata", "/reporter_networks/" + std::to_string(i),
             FormatIpNetwork(original_.reporter_networks[i]), std::nullopt, std::nullopt);
    }
    out.reporter_networks.clear();
    for (size_t i = 0; i < original_.reporter_domains.size(); ++i) {
      Record("reporter-metadata", "/reporter_domains/" + std::to_string(i), original_.reporter_domains[i],
             std::nullopt, std::nullopt);
    }
    out.reporter_domains.clear();
    return {std::move(out), std::move(log_)};
  }

 private:
  void Record(std::string rule, std::string field, std::string_view original, std::optional<size_t> offset,
              std::optional<std::string> replacement) {
    log_.push_back({std::move(rule), std::move(field), offset,
                    crypto::DigestHex(crypto::HmacSha256(salt_, original)), std::move(replacement)});
  }

  // Free text with its findings replaced; each finding recorded.
  std::string Text(const std::string& field, std::string_view text, size_t max_bytes) {
    std::string out;
    size_t pos = 0;
    for (const Finding& f : context_.Scan(text, Mode::kFreeText)) {
      out.append(text.substr(pos, f.begin - pos));
      out += f.replacement;
      Record(f.rule, field, text.substr(f.begin, f.end - f.begin), f.begin, f.replacement);
      pos = f.end;
    }
    out.append(text.substr(pos));
    if (out.size() > max_bytes) {
      size_t cut = max_bytes;
      while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xc0) == 0x80) --cut;
      out.resize(cut);
    }
    return out;
  }

  // The first rule a structured value breaks, or "".
  std::string StructuredRule(std::string_view value) const {
    auto findings = context_.Scan(value, Mode::kStructured);
    return findings.empty() ? "" : findings.front().rule;
  }

  std::string IndicatorRule(const Indicator& i) const {
    switch (i.type) {
      case IndicatorType::kIpv4:
      case IndicatorType::kIpv6:
        return context_.AddressRule(*ParseIpNetwork(i.value));
      case IndicatorType::kDomain: {
        std::string r = context_.HostRule(i.value);
        return r.empty() ? StructuredRule(i.value) : r;
      }
      case IndicatorType::kEmail: {
        std::string r = context_.EmailRule(i.value, Mode::kStructured);
        return r.empty() ? StructuredRule(i.value) : r;
      }
      case IndicatorType::kUrl:
      case IndicatorType::kStixPattern:
        return StructuredRule(i.value);
      default:
        return "";
    }
  }

  void FilterIndicators(Report& out) {
    out.indicators.clear();
    for (size_t i = 0; i < original_.indicators.size(); ++i) {
      const Indicator& ind = original_.indicators[i];
      const std::string rule = IndicatorRule(ind);
      if (rule.empty()) {
        out.indicators.push_back(ind);
        if (ind.type == IndicatorType::kEmail) context_.AllowEmail(ind.value);
      } else {
        Record(rule, "/indicators/" + std::to_string(i) + "/value", ind.value, std::nullopt, std::nullopt);
      }
    }
  }

  void Products(Report& out) {
    out.affected_products.clear();
    for (size_t i = 0; i < original_.affected_products.size(); ++i) {
      const AffectedProduct& p = original_.affected_products[i];
      const std::string field = "/affected_products/" + std::to_string(i);
      if (p.kind == AffectedProduct::Kind::kText) {
        out.affected_products.push_back({p.kind, Text(field, p.value, 1024)});
      } else if (std::string rule = StructuredRule(p.value); !rule.empty()) {
        Record(rule, field, p.value, std::nullopt, std::nullopt);
      } else {
        out.affected_products.push_back(p);
      }
    }
  }

  void Attachments(Report& out) {
    for (size_t i = 0; i < out.attachments.size(); ++i) {
      Attachment& a = out.attachments[i];
      const std::string base = "/attachments/" + std::to_string(i);
      a.name = Text(base + "/name", original_.attachments[i].name, 255);
      if (std::string rule = StructuredRule(a.media_type); !rule.empty()) {
        Record(rule, base + "/media_type", a.media_type, std::nullopt, std::nullopt);
        a.media_type.clear();
      }
    }
  }

  void Loss(Report& out) {
    if (!rules_.band_losses || !original_.estimated_loss || !original_.estimated_loss->amount) return;
    const int64_t amount = *original_.estimated_loss->amount;
    const std::string band(LossBandName(BandOf(amount)));
    Record("loss-band", "/estimated_loss/amount", std::to_string(amount), std::nullopt, band);
    out.estimated_loss->amount.reset();
    out.estimated_loss->band = BandOf(amount);
  }

  void ReplaceReporter(Report& out) {
    if (!original_.reporter) return;
    const incidents::Reporter& r = *original_.reporter;
    if (!rules_.replace_reporter_identity) {
      // Without identity replacement the contact's personal data still goes.
      if (rules_.redact_personal_data) {
        if (!r.contact_name.empty())
          Record("private-term", "/reporter/contact_name", r.contact_name, std::nullopt, std::nullopt);
        if (!r.email.empty()) Record("email-address", "/reporter/email", r.email, std::nullopt, std::nullopt);
        if (!r.phone.empty()) Record("phone-number", "/reporter/phone", r.phone, std::nullopt, std::nullopt);
        out.reporter->contact_name.clear();
        out.reporter->email.clear();
        out.reporter->phone.clear();
      }
      return;
    }
    std::string generic = "organisation in sector " + std::string(SectorCode(original_.sector));
    if (original_.region) generic += ", " + original_.region->country;
    Record("reporter-identity", "/reporter/organisation", r.organisation, std::nullopt, generic);
    const std::pair<std::string_view, const std::string*> others[] = {{"organisation_id", &r.organisation_id},
                                                                      {"contact_name", &r.contact_name},
                                                                      {"email", &r.email},
                                                                      {"phone", &r.phone}};
    for (const auto& [name, value] : others) {
      if (!value->empty())
        Record("reporter-identity", "/reporter/" + std::string(name), *value, std::nullopt, std::nullopt);
    }
    out.reporter = incidents::Reporter{generic, "", "", "", ""};
  }

  const Report& original_;
  const Rules& rules_;
  std::string_view salt_;
  Context context_;
  std::vector<Redaction> log_;
};

std::vector<std::string> Union(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out = a;
  for (const auto& x : b) {
    if (std::find(out.begin(), out.end(), x) == out.end()) out.push_back(x);
  }
  return out;
}

}  // namespace

bool IsSpecialPurpose(const IpNetwork& network, std::string* name) {
  IpNetwork n = network;
  // IPv4-mapped (::ffff:0:0/96) and IPv4/IPv6 translation (64:ff9b::/96) addresses are judged
  // by the IPv4 address they carry.
  static const IpNetwork kMapped = *ParseIpNetwork("::ffff:0:0/96");
  static const IpNetwork kNat64 = *ParseIpNetwork("64:ff9b::/96");
  if (n.v6 && n.prefix >= 96 && (Contains(kMapped, n) || Contains(kNat64, n))) {
    IpNetwork v4;
    std::copy_n(n.bytes.begin() + 12, 4, v4.bytes.begin());
    v4.prefix = n.prefix - 96;
    n = v4;
  }
  for (const auto& [block, block_name] : SpecialNetworks()) {
    if (Overlaps(block, n)) {
      if (name != nullptr) *name = block_name;
      return true;
    }
  }
  return false;
}

Rules NoRules() {
  Rules none;
  none.replace_reporter_identity = false;
  none.remove_reporter_networks = false;
  none.remove_special_purpose = false;
  none.internal_suffixes.clear();
  none.redact_personal_data = false;
  none.band_losses = false;
  return none;
}

Result<Rules> ParseRulesObject(const bj::object& object, const std::string& pointer, const Rules& base) {
  json::ObjectReader r(object, pointer);
  Rules rules = base;
  const auto flag = [&](std::string_view key, bool& field) {
    if (auto v = r.OptionalBool(key)) field = *v;
  };
  flag("replace_reporter_identity", rules.replace_reporter_identity);
  flag("remove_reporter_networks", rules.remove_reporter_networks);
  flag("remove_special_purpose", rules.remove_special_purpose);
  flag("redact_personal_data", rules.redact_personal_data);
  flag("band_losses", rules.band_losses);
  if (auto suffixes = r.OptionalStringArray("internal_suffixes", 256, 253)) {
    for (size_t i = 0; i < suffixes->size() && r.ok(); ++i) {
      const std::string& s = (*suffixes)[i];
      const std::string bare = s.starts_with('.') ? s.substr(1) : s;
      bool ok = !bare.empty();
      for (char c : bare) ok = ok && (IsHostChar(c));
      if (!ok) {
        r.Fail(InvalidArgument("invalid-value", "'" + s + "' is not a DNS suffix",
                               r.PointerOf("internal_suffixes") + "/" + std::to_string(i)));
      }
    }
    if (r.ok()) rules.internal_suffixes = *suffixes;
  }
  if (auto domains = r.OptionalStringArray("internal_domains", 1024, 253)) {
    for (size_t i = 0; i < domains->size() && r.ok(); ++i) {
      auto d = CanonicalDomain((*domains)[i]);
      if (!d) {
        r.Fail(d.error().WithFieldPrefix(r.PointerOf("internal_domains") + "/" + std::to_string(i)));
      } else {
        if (i == 0) rules.internal_domains.clear();
        rules.internal_domains.push_back(*d);
      }
    }
  }
  if (auto networks = r.OptionalStringArray("internal_networks", 4096, 64)) {
    for (size_t i = 0; i < networks->size() && r.ok(); ++i) {
      auto n = ParseIpNetwork((*networks)[i]);
      if (!n) {
        r.Fail(n.error().WithFieldPrefix(r.PointerOf("internal_networks") + "/" + std::to_string(i)));
      } else {
        if (i == 0) rules.internal_networks.clear();
        rules.internal_networks.push_back(*n);
      }
    }
  }
  if (auto terms = r.OptionalStringArray("private_terms", 1024, 256)) rules.private_terms = *terms;
  AIIP_RETURN_IF_ERROR(r.Finish());
  return rules;
}

Result<Rules> ParseRules(std::string_view json_text, const Rules& base) {
  AIIP_ASSIGN_OR_RETURN(bj::object object, json::ParseObject(json_text));
  return ParseRulesObject(object, "", base);
}

bj::object RulesToJson(const Rules& rules) {
  bj::array suffixes, domains, networks, terms;
  for (const auto& s : rules.internal_suffixes) suffixes.emplace_back(s);
  for (const auto& d : rules.internal_domains) domains.emplace_back(d);
  for (const auto& n : rules.internal_networks) networks.emplace_back(FormatIpNetwork(n));
  for (const auto& t : rules.private_terms) terms.emplace_back(t);
  return {{"replace_reporter_identity", rules.replace_reporter_identity},
          {"remove_reporter_networks", rules.remove_reporter_networks},
          {"remove_special_purpose", rules.remove_special_purpose},
          {"redact_personal_data", rules.redact_personal_data},
          {"band_losses", rules.band_losses},
          {"internal_suffixes", std::move(suffixes)},
          {"internal_domains", std::move(domains)},
          {"internal_networks", std::move(networks)},
          {"private_terms", std::move(terms)}};
}

Rules MergeRules(const Rules& node, const Rules& report) {
  Rules out;
  out.replace_reporter_identity = node.replace_reporter_identity || report.replace_reporter_identity;
  out.remove_reporter_networks = node.remove_reporter_networks || report.remove_reporter_networks;
  out.remove_special_purpose = node.remove_special_purpose || report.remove_special_purpose;
  out.redact_personal_data = node.redact_personal_data || report.redact_personal_data;
  out.band_losses = node.band_losses || report.band_losses;
  out.internal_suffixes = Union(node.internal_suffixes, report.internal_suffixes);
  out.internal_domains = Union(node.internal_domains, report.internal_domains);
  out.private_terms = Union(node.private_terms, report.private_terms);
  out.internal_networks = node.internal_networks;
  for (const auto& n : report.internal_networks) {
    if (std::find(out.internal_networks.begin(), out.internal_networks.end(), n) ==
        out.internal_networks.end()) {
      out.internal_networks.push_back(n);
    }
  }
  return out;
}

Sanitised Sanitise(const Report& original, const Rules& rules, std::string_view salt) {
  return Sanitiser(original, rules, salt).Run();
}

bj::object RedactionLogToJson(const std::vector<Redaction>& redactions, std::string_view salt) {
  bj::array items;
  for (const Redaction& r : redactions) {
    bj::object o{{"rule", r.rule}, {"field", r.field}, {"original_hmac", r.original_hmac}};
    if (r.offset) o["offset"] = *r.offset;
    o["replacement"] = r.replacement ? bj::value(*r.replacement) : bj::value(nullptr);
    items.emplace_back(std::move(o));
  }
  return {{"salt", HexEncode(salt)}, {"redactions", std::move(items)}};
}

}  // namespace aiip::incidents::sanitiser
