// Canonical text of indicator values (the contract is in correlation.h).
#include <arpa/inet.h>

#include <algorithm>
#include <boost/url.hpp>
#include <cctype>

#include "incidents/correlation/correlation.h"
#include "incidents/correlation/ip_key.h"

namespace aiip::incidents::correlation {
namespace {

constexpr size_t kMaxValueLength = 8192;

Status BadValue(std::string detail) { return InvalidArgument("invalid-value", std::move(detail), "/value"); }

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string ToLower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), Lower);
  return out;
}

Result<std::string> CanonicalIp(std::string_view text, IndicatorType type) {
  auto key = ParseIpKey(text, type == IndicatorType::kIpv4 ? 4 : 6);
  if (!key.has_value()) return Err(BadValue(key.error()));
  return FormatIpKey(*key);
}

Result<std::string> CanonicalDomain(std::string_view text) {
  std::string name = ToLower(text);
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name.empty()) return Err(BadValue("a domain name is empty"));
  if (name.size() > 253) return Err(BadValue("a domain name has at most 253 characters"));
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return Err(BadValue("a domain name has an empty label"));
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) {
      return Err(BadValue(
          "a domain name has only letters, digits, '-' and '_' (internationalised names as A-labels)"));
    }
    if (++label > 63) return Err(BadValue("a domain label has at most 63 characters"));
  }
  if (label == 0) return Err(BadValue("a domain name has an empty label"));
  return name;
}

Result<std::string> CanonicalEmail(std::string_view text) {
  const size_t at = text.rfind('@');
  if (at == std::string_view::npos || at == 0) return Err(BadValue("an e-mail address is local@domain"));
  const std::string_view local = text.substr(0, at);
  if (local.size() > 64)
    return Err(BadValue("the local part of an e-mail address has at most 64 characters"));
  for (char c : local) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '@' || c == '"' || c == '\\' || c == '(' || c == ')' || c == ',' ||
        c == ':' || c == ';' || c == '<' || c == '>' || c == '[' || c == ']') {
      return Err(BadValue("the local part of an e-mail address has a character outside the dot-atom form"));
    }
  }
  AIIP_ASSIGN_OR_RETURN(std::string domain, CanonicalDomain(text.substr(at + 1)));
  return ToLower(local) + "@" + domain;
}

Result<std::string> CanonicalUrl(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return Err(BadValue("not an absolute URL (RFC 3986): " + parsed.error().message()));
  boost::urls::url url(*parsed);
  if (!url.has_authority() || url.host().empty()) return Err(BadValue("a URL indicator has a host"));
  // RFC 3986 §3.3: after an authority the path is empty or starts with "/". Boost.URL 1.81
  // accepts "http://host:x.y" as host "host", empty port and path "x.y".
  if (!url.encoded_path().empty() && !url.encoded_path().starts_with("/")) {
    return Err(BadValue("after the host, a URL's path starts with '/'"));
  }
  const std::string port = url.port();
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Err(BadValue("the port of a URL is a decimal number"));
  }
  url.normalize();
  const std::string scheme = url.scheme();
  if (url.has_port() && (port.empty() || (scheme == "http" && port == "80") ||
                         (scheme == "https" && port == "443") || (scheme == "ftp" && port == "21"))) {
    url.remove_port();
  }
  std::string out(url.buffer());
  if (url.encoded_path().empty() && (scheme == "http" || scheme == "https")) {
    // RFC 3986 §6.2.3: an empty http(s) path is "/". Inserted by hand: Boost.URL 1.81's
    // set_path("/") on an empty path yields "/./".
    out.insert(scheme.size() + 3 + url.encoded_authority().size(), "/");
  }
  return out;
}

Result<std::string> CanonicalHash(std::string_view text, size_t digits, std::string_view name) {
  if (text.size() != digits) {
    return Err(BadValue(std::string(name) + " is " + std::to_string(digits) + " hexadecimal digits"));
  }
  if (!std::all_of(text.begin(), text.end(),
                   [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
    return Err(BadValue(std::string(name) + " is hexadecimal"));
  }
  return ToLower(text);
}

}  // namespace

std::string_view TypeName(IndicatorType type) {
  switch (type) {
    case IndicatorType::kIpv4:
      return "ipv4";
    case IndicatorType::kIpv6:
      return "ipv6";
    case IndicatorType::kDomain:
      return "domain";
    case IndicatorType::kUrl:
      return "url";
    case IndicatorType::kEmail:
      return "email";
    case IndicatorType::kMd5:
      return "md5";
    case IndicatorType::kSha1:
      return "sha1";
    case IndicatorType::kSha256:
      return "sha256";
    case IndicatorType::kSha512:
      return "sha512";
    case IndicatorType::kStixPattern:
      return "stix-pattern";
  }
  return "stix-pattern";
}

Result<IndicatorType> ParseType(std::string_view name) {
  static constexpr std::pair<std::string_view, IndicatorType> kAliases[] = {
      {"ipv4-addr", IndicatorType::kIpv4},     {"ipv6-addr", IndicatorType::kIpv6},
      {"domain-name", IndicatorType::kDomain}, {"email-addr", IndicatorType::kEmail},
      {"sha-1", IndicatorType::kSha1},         {"sha-256", IndicatorType::kSha256},
      {"sha-512", IndicatorType::kSha512},
  };
  for (int t = 0; t <= static_cast<int>(IndicatorType::kStixPattern); ++t) {
    if (name == TypeName(static_cast<IndicatorType>(t))) return static_cast<IndicatorType>(t);
  }
  for (const auto& [alias, type] : kAliases) {
    if (name == alias) return type;
  }
  return Err(InvalidArgument("invalid-value", "unknown indicator type '" + std::string(name) + "'", "/type"));
}

Result<Indicator> Canonicalise(std::string_view type_name, std::string_view value) {
  AIIP_ASSIGN_OR_RETURN(IndicatorType type, ParseType(type_name));
  if (value.size() > kMaxValueLength) {
    return Err(InvalidArgument("out-of-range", "an indicator value has at most 8192 bytes", "/value"));
  }
  Result<std::string> text;
  switch (type) {
    case IndicatorType::kIpv4:
    case IndicatorType::kIpv6:
      text = CanonicalIp(value, type);
      break;
    case IndicatorType::kDomain:
      text = CanonicalDomain(value);
      break;
    case IndicatorType::kUrl:
      text = CanonicalUrl(value);
      break;
    case IndicatorType::kEmail:
      text = CanonicalEmail(value);
      break;
    case IndicatorType::kMd5:
      text = CanonicalHash(value, 32, "an MD5 hash");
      break;
    case IndicatorType::kSha1:
      text = CanonicalHash(value, 40, "a SHA-1 hash");
      break;
    case IndicatorType::kSha256:
      text = CanonicalHash(value, 64, "a SHA-256 hash");
      break;
    case IndicatorType::kSha512:
      text = CanonicalHash(value, 128, "a SHA-512 hash");
      break;
    case IndicatorType::kStixPattern: {
      const size_t first = value.find_first_not_of(" \t\r\n");
      if (first == std::string_view::npos) return Err(BadValue("a STIX pattern is empty"));
      const size_t last = value.find_last_not_of(" \t\r\n");
      text = std::string(value.substr(first, last - first + 1));
      break;
    }
  }
  if (!text.has_value()) return Err(text.error());
  return Indicator{type, std::move(*text)};
}

}  // namespace aiip::incidents::correlation
