#include "advisories/csaf/purl.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace aiip::advisories::purl {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> Decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = HexValue(s[i + 1]);
    const int lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

std::optional<Parts> Parse(std::string_view text, std::string* why) {
  auto fail = [&](std::string reason) -> std::optional<Parts> {
    *why = std::move(reason);
    return std::nullopt;
  };
  if (!text.starts_with("pkg:")) return fail("a purl starts with 'pkg:'");
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) < 0x20) {
      return fail("a purl holds no unencoded whitespace or control characters");
    }
  }
  std::string_view rest = text.substr(4);
  std::string_view subpath;
  std::string_view qualifiers;
  if (size_t hash = rest.find('#'); hash != std::string_view::npos) {
    subpath = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
  }
  if (size_t question = rest.find('?'); question != std::string_view::npos) {
    qualifiers = rest.substr(question + 1);
    rest = rest.substr(0, question);
  }
  while (rest.starts_with('/')) rest.remove_prefix(1);
  while (rest.ends_with('/')) rest.remove_suffix(1);
  const size_t type_end = rest.find('/');
  if (type_end == std::string_view::npos) return fail("a purl has a type and a name separated by '/'");
  Parts parts;
  const std::string_view type = rest.substr(0, type_end);
  if (type.empty() || std::isdigit(static_cast<unsigned char>(type[0]))) {
    return fail("the purl type must start with a letter");
  }
  for (char c : type) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '+' && c != '-') {
      return fail("the purl type holds a character other than letters, digits, '.', '+' and '-'");
    }
  }
  parts.type = Lower(type);
  rest = rest.substr(type_end + 1);
  const size_t last_slash = rest.rfind('/');
  std::string_view name_part = last_slash == std::string_view::npos ? rest : rest.substr(last_slash + 1);
  const std::string_view namespace_part =
      last_slash == std::string_view::npos ? std::string_view() : rest.substr(0, last_slash);
  if (size_t at = name_part.rfind('@'); at != std::string_view::npos) {
    auto version = Decode(name_part.substr(at + 1));
    if (!version) return fail("the purl version has an invalid percent-escape");
    if (version->empty()) return fail("the purl has '@' but no version");
    parts.version = *version;
    name_part = name_part.substr(0, at);
  }
  auto name = Decode(name_part);
  if (!name) return fail("the purl name has an invalid percent-escape");
  if (name->empty()) return fail("the purl has no name");
  parts.name = *name;
  auto ns = Decode(namespace_part);
  if (!ns) return fail("the purl namespace has an invalid percent-escape");
  parts.namespace_ = *ns;
  if (!qualifiers.empty()) {
    std::set<std::string> keys;
    size_t start = 0;
    while (start <= qualifiers.size()) {
      size_t amp = qualifiers.find('&', start);
      std::string_view pair =
          qualifiers.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
      const size_t eq = pair.find('=');
      if (eq == std::string_view::npos || eq == 0 || eq + 1 == pair.size()) {
        return fail("a purl qualifier is a key=value pair with a non-empty key and value");
      }
      const std::string_view key = pair.substr(0, eq);
      if (std::isdigit(static_cast<unsigned char>(key[0])))
        return fail("a purl qualifier key must not start with a digit");
      for (char c : key) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
          return fail("a purl qualifier key holds a character other than letters, digits, '.', '-' and '_'");
        }
      }
      if (!keys.insert(Lower(key)).second) return fail("a purl qualifier key is repeated");
      if (!Decode(pair.substr(eq + 1))) return fail("a purl qualifier value has an invalid percent-escape");
      if (amp == std::string_view::npos) break;
      start = amp + 1;
    }
  }
  if (!Decode(subpath)) return fail("the purl subpath has an invalid percent-escape");
  return parts;
}

}  // namespace aiip::advisories::purl
