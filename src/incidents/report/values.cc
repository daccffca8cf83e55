#include "incidents/report/values.h"

#include <arpa/inet.h>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <cstring>

#include "incidents/stix/pattern.h"

namespace aiip::incidents {
namespace {

Status Invalid(std::string detail) { return InvalidArgument("invalid-value", std::move(detail)); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

// Clears the bits of `n` past its prefix.
void Mask(IpNetwork& n) {
  const int bits = n.v6 ? 128 : 32;
  for (int i = n.prefix; i < bits; ++i) n.bytes[i / 8] &= static_cast<uint8_t>(~(0x80u >> (i % 8)));
}

bool PrefixEqual(const IpNetwork& a, const IpNetwork& b, int prefix) {
  for (int i = 0; i < prefix; ++i) {
    const bool x = (a.bytes[i / 8] >> (7 - i % 8)) & 1;
    const bool y = (b.bytes[i / 8] >> (7 - i % 8)) & 1;
    if (x != y) return false;
  }
  return true;
}

}  // namespace

Result<IpNetwork> ParseIpAddress(std::string_view text) {
  if (text.empty() || text.size() > 45) return Err(Invalid("not an IP address"));
  const std::string s(text);
  IpNetwork n;
  if (s.find(':') != std::string::npos) {
    if (inet_pton(AF_INET6, s.c_str(), n.bytes.data()) != 1) {
      return Err(Invalid("'" + s + "' is not an IPv6 address"));
    }
    n.v6 = true;
    n.prefix = 128;
    return n;
  }
  // glibc's inet_pton accepts exactly four decimal octets without leading zeros.
  if (inet_pton(AF_INET, s.c_str(), n.bytes.data()) != 1) {
    return Err(Invalid("'" + s + "' is not an IPv4 address (four decimal octets, no leading zeros)"));
  }
  n.prefix = 32;
  return n;
}

Result<IpNetwork> ParseIpNetwork(std::string_view text) {
  const size_t slash = text.find('/');
  AIIP_ASSIGN_OR_RETURN(IpNetwork n, ParseIpAddress(text.substr(0, slash)));
  if (slash == std::string_view::npos) return n;
  const std::string_view digits = text.substr(slash + 1);
  const int max = n.v6 ? 128 : 32;
  if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) {
    return Err(Invalid("'" + std::string(text) + "' has a malformed prefix length"));
  }
  int prefix = 0;
  for (char c : digits) {
    if (!IsDigit(c)) return Err(Invalid("'" + std::string(text) + "' has a malformed prefix length"));
    prefix = prefix * 10 + (c - '0');
  }
  if (prefix > max) {
    return Err(Invalid("'" + std::string(text) + "': prefix length above " + std::to_string(max)));
  }
  n.prefix = prefix;
  Mask(n);
  return n;
}

std::string FormatIpNetwork(const IpNetwork& network) {
  char buffer[INET6_ADDRSTRLEN];
  inet_ntop(network.v6 ? AF_INET6 : AF_INET, network.bytes.data(), buffer, sizeof buffer);
  std::string out(buffer);
  if (network.prefix != (network.v6 ? 128 : 32)) out += "/" + std::to_string(network.prefix);
  return out;
}

bool Contains(const IpNetwork& outer, const IpNetwork& inner) {
  return outer.v6 == inner.v6 && outer.prefix <= inner.prefix && PrefixEqual(outer, inner, outer.prefix);
}

bool Overlaps(const IpNetwork& a, const IpNetwork& b) {
  return a.v6 == b.v6 && PrefixEqual(a, b, std::min(a.prefix, b.prefix));
}

Result<std::string> CanonicalDomain(std::string_view text) {
  std::string_view s = text;
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  if (s.empty()) return Err(Invalid("empty domain name"));
  if (s.size() > 253) return Err(Invalid("domain name longer than 253 bytes"));
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return Err(Invalid("'" + std::string(text) +
                         "' is not ASCII: give the IDNA A-label form (xn--...) of the name"));
    }
  }
  std::string out = LowerAscii(s);
  size_t labels = 0;
  size_t start = 0;
  std::string_view last;
  while (true) {
    const size_t dot = out.find('.', start);
    const std::string_view label =
        std::string_view(out).substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (label.empty()) return Err(Invalid("'" + std::string(text) + "' has an empty label"));
    if (label.size() > 63)
      return Err(Invalid("'" + std::string(text) + "' has a label longer than 63 bytes"));
    if (label.front() == '-' || label.back() == '-') {
      return Err(Invalid("'" + std::string(text) + "' has a label that starts or ends with '-'"));
    }
    for (char c : label) {
      if (!IsAlpha(c) && !IsDigit(c) && c != '-' && c != '_') {
        return Err(Invalid("'" + std::string(text) + "' has a character a host name cannot hold"));
      }
    }
    ++labels;
    last = label;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (labels < 2)
    return Err(Invalid("'" + std::string(text) + "' is not a domain name of two or more labels"));
  bool numeric = true;
  for (char c : last) numeric = numeric && IsDigit(c);
  if (numeric)
    return Err(Invalid("'" + std::string(text) + "' ends in a numeric label (an address is not a domain)"));
  return out;
}

Result<std::string> CanonicalEmail(std::string_view text) {
  if (text.size() > 254) return Err(Invalid("e-mail address longer than 254 bytes"));
  const size_t at = text.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == text.size()) {
    return Err(Invalid("'" + std::string(text) + "' is not an e-mail address (local@domain)"));
  }
  const std::string_view local = text.substr(0, at);
  const std::string_view domain = text.substr(at + 1);
  if (local.size() > 64)
    return Err(Invalid("the local part of '" + std::string(text) + "' is longer than 64 bytes"));
  constexpr std::string_view kAtext = "!#$%&'*+-/=?^_`{|}~";
  bool after_dot = true;
  for (char c : local) {
    if (c == '.') {
      if (after_dot)
        return Err(Invalid("'" + std::string(text) + "' has an empty dot-atom in its local part"));
      after_dot = true;
      continue;
    }
    if (!IsAlpha(c) && !IsDigit(c) && kAtext.find(c) == std::string_view::npos) {
      return Err(Invalid("'" + std::string(text) + "' has a character a dot-atom local part cannot hold"));
    }
    after_dot = false;
  }
  if (after_dot) return Err(Invalid("'" + std::string(text) + "' has a local part ending in '.'"));
  std::string out(local);
  out += '@';
  if (domain.front() == '[') {
    if (domain.back() != ']')
      return Err(Invalid("'" + std::string(text) + "' has an unterminated address literal"));
    std::string_view literal = domain.substr(1, domain.size() - 2);
    const bool v6 = literal.size() > 5 && LowerAscii(literal.substr(0, 5)) == "ipv6:";
    if (v6) literal.remove_prefix(5);
    auto address = ParseIpAddress(literal);
    if (!address || address->v6 != v6) {
      return Err(Invalid("'" + std::string(text) + "' has a malformed address literal"));
    }
    out += (v6 ? "[IPv6:" : "[") + FormatIpNetwork(*address) + "]";
    return out;
  }
  auto canonical = CanonicalDomain(domain);
  if (!canonical)
    return Err(Invalid("the domain of '" + std::string(text) + "': " + canonical.error().detail()));
  return out + *canonical;
}

Result<std::string> CanonicalUrl(std::string_view text) {
  if (text.size() > 4096) return Err(Invalid("URL longer than 4096 bytes"));
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed)
    return Err(Invalid("'" + std::string(text) + "' is not an absolute URL: " + parsed.error().message()));
  if (!parsed->has_authority() || parsed->encoded_host().empty()) {
    return Err(Invalid("'" + std::string(text) + "' names no host"));
  }
  try {
    boost::urls::url url(*parsed);
    url.normalize_scheme();
    url.normalize_authority();
    return std::string(url.buffer());
  } catch (const std::exception& e) {
    return Err(Invalid("'" + std::string(text) + "' cannot be normalised: " + e.what()));
  }
}

Result<std::string> CanonicalHex(std::string_view text, size_t hex_digits) {
  if (text.size() != hex_digits) {
    return Err(Invalid("expected " + std::to_string(hex_digits) + " hex digits, got " +
                       std::to_string(text.size()) + " characters"));
  }
  std::string out = LowerAscii(text);
  for (char c : out) {
    if (!IsDigit(c) && !(c >= 'a' && c <= 'f')) return Err(Invalid("'" + std::string(text) + "' is not hex"));
  }
  return out;
}

Result<std::string> CanonicalIndicatorValue(IndicatorType type, std::string_view text) {
  switch (type) {
    case IndicatorType::kIpv4:
    case IndicatorType::kIpv6: {
      AIIP_ASSIGN_OR_RETURN(IpNetwork n, ParseIpNetwork(text));
      if (n.v6 != (type == IndicatorType::kIpv6)) {
        return Err(Invalid("'" + std::string(text) + "' is not an " +
                           (type == IndicatorType::kIpv6 ? "IPv6" : "IPv4") + " address or network"));
      }
      return FormatIpNetwork(n);
    }
    case IndicatorType::kDomain:
      return CanonicalDomain(text);
    case IndicatorType::kUrl:
      return CanonicalUrl(text);
    case IndicatorType::kEmail:
      return CanonicalEmail(text);
    case IndicatorType::kMd5:
      return CanonicalHex(text, 32);
    case IndicatorType::kSha1:
      return CanonicalHex(text, 40);
    case IndicatorType::kSha256:
      return CanonicalHex(text, 64);
    case IndicatorType::kSha512:
      return CanonicalHex(text, 128);
    case IndicatorType::kStixPattern: {
      auto parsed = stix::ParsePattern(text);
      if (!parsed) return Err(Invalid("not a STIX 2.1 pattern: " + parsed.error().detail()));
      return std::string(text);
    }
  }
  return Err(Invalid("unknown indicator type"));
}

}  // namespace aiip::incidents
