#include "advisories/inventory/purl.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace aiip::advisories {
namespace {

constexpr size_t kMaxShown = 200;

Status PurlError(std::string_view part, std::string_view problem, std::string_view text) {
  std::string shown(text.substr(0, kMaxShown));
  if (text.size() > kMaxShown) shown += "...";
  return InvalidArgument("purl-invalid",
                         std::string(part) + ": " + std::string(problem) + " in purl '" + shown + "'");
}

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
char ToLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ToLower(c);
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0u) != 0x80u) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;
    }
    i += len;
  }
  return true;
}

// Percent-decodes `s` into `out`; false on a malformed escape or a result that is not UTF-8.
bool Decode(std::string_view s, std::string& out) {
  out.clear();
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return false;
    const int hi = HexValue(s[i + 1]);
    const int lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return IsUtf8(out);
}

// Characters a canonical purl writes literally inside a component.
bool IsUnreserved(char c) {
  return IsAsciiAlpha(c) || IsAsciiDigit(c) || c == '.' || c == '-' || c == '_' || c == '~' || c == ':';
}

void Encode(std::string_view s, std::string& out, bool keep_slash = false) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : s) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out += c;
    } else {
      const auto b = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0x0F];
    }
  }
}

// Raw characters that cannot appear in a purl at all, encoded or not: spaces and controls
// must be percent-encoded.
bool HasForbiddenRaw(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b <= 0x20 || b == 0x7F;
  });
}

bool LowersNamespace(std::string_view type) {
  static constexpr std::string_view kTypes[] = {"alpm",   "apk", "bitbucket", "composer", "deb",  "github",
                                                "gitlab", "hex", "luarocks",  "npm",      "qpkg", "rpm"};
  return std::find(std::begin(kTypes), std::end(kTypes), type) != std::end(kTypes);
}

bool LowersName(std::string_view type) {
  static constexpr std::string_view kTypes[] = {"alpm", "apk",    "bitbucket", "bitnami", "composer",
                                                "deb",  "github", "gitlab",    "hex",     "luarocks",
                                                "npm",  "oci",    "pub",       "pypi"};
  return std::find(std::begin(kTypes), std::end(kTypes), type) != std::end(kTypes);
}

void Normalize(Purl& p) {
  if (LowersNamespace(p.type)) p.namespace_ = Lower(p.namespace_);
  if (LowersName(p.type)) p.name = Lower(p.name);
  if (p.type == "pypi") std::replace(p.name.begin(), p.name.end(), '_', '-');
  if (p.type == "huggingface") p.version = Lower(p.version);
}

bool ValidType(std::string_view type) {
  if (type.empty() || !IsAsciiAlpha(type[0])) return false;
  return std::all_of(type.begin(), type.end(),
                     [](char c) { return IsAsciiAlpha(c) || IsAsciiDigit(c) || c == '.' || c == '-'; });
}

bool ValidQualifierKey(std::string_view key) {
  if (key.empty() || !IsAsciiAlpha(key[0])) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || IsAsciiDigit(c) || c == '.' || c == '-' || c == '_';
  });
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

Status CheckTypeRules(const Purl& p, std::string_view text) {
  if (p.type == "maven" && p.namespace_.empty()) {
    return PurlError("namespace", "a maven purl needs a namespace (the groupId)", text);
  }
  if (p.type == "swift") {
    if (p.namespace_.empty()) return PurlError("namespace", "a swift purl needs a namespace", text);
    if (p.version.empty()) return PurlError("version", "a swift purl needs a version", text);
  }
  if (p.type == "cran" && p.version.empty()) return PurlError("version", "a cran purl needs a version", text);
  if (p.type == "conan") {
    const bool has_channel = p.qualifiers.contains("channel");
    if (!p.namespace_.empty() && !has_channel) {
      return PurlError("qualifiers", "a conan purl with a namespace needs a channel qualifier", text);
    }
    if (p.namespace_.empty() && has_channel) {
      return PurlError("namespace", "a conan purl with a channel qualifier needs a namespace", text);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Purl> ParsePurl(std::string_view text) {
  Purl p;
  if (HasForbiddenRaw(text))
    return Err(PurlError("purl", "spaces and control characters must be percent-encoded", text));
  std::string_view rest = text;
  std::string decoded;

  // Subpath: after the last '#'.
  if (const size_t hash = rest.rfind('#'); hash != std::string_view::npos) {
    std::string subpath;
    for (std::string_view seg : Split(rest.substr(hash + 1), '/')) {
      if (!Decode(seg, decoded)) return Err(PurlError("subpath", "bad percent-encoding or UTF-8", text));
      if (decoded.empty() || decoded == "." || decoded == "..") continue;
      if (decoded.find('/') != std::string::npos) {
        return Err(PurlError("subpath", "a segment contains an encoded '/'", text));
      }
      if (!subpath.empty()) subpath += '/';
      subpath += decoded;
    }
    p.subpath = std::move(subpath);
    rest = rest.substr(0, hash);
  }

  // Qualifiers: after the last '?'.
  if (const size_t q = rest.rfind('?'); q != std::string_view::npos) {
    const std::string_view qualifiers = rest.substr(q + 1);
    rest = rest.substr(0, q);
    if (!qualifiers.empty()) {
      for (std::string_view pair : Split(qualifiers, '&')) {
        if (pair.empty()) continue;
        const size_t eq = pair.find('=');
        if (eq == std::string_view::npos) {
          return Err(PurlError("qualifiers", "'" + std::string(pair.substr(0, 64)) + "' has no '='", text));
        }
        std::string key = Lower(pair.substr(0, eq));
        if (!ValidQualifierKey(key)) {
          return Err(PurlError("qualifiers",
                               "key '" + std::string(pair.substr(0, std::min<size_t>(eq, 64))) +
                                   "' must be ASCII letters, digits, '.', '-' or '_' and start with a letter",
                               text));
        }
        if (!Decode(pair.substr(eq + 1), decoded)) {
          return Err(
              PurlError("qualifiers", "bad percent-encoding or UTF-8 in the value of '" + key + "'", text));
        }
        if (decoded.empty()) continue;
        if (p.qualifiers.contains(key))
          return Err(PurlError("qualifiers", "key '" + key + "' is repeated", text));
        p.qualifiers.emplace(std::move(key), decoded);
      }
    }
  }

  // Scheme.
  const size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return Err(PurlError("scheme", "missing 'pkg:'", text));
  if (Lower(rest.substr(0, colon)) != "pkg") return Err(PurlError("scheme", "must be 'pkg'", text));
  rest = rest.substr(colon + 1);
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);

  // Type.
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return Err(PurlError("type", "missing (no '/' after the type)", text));
  p.type = Lower(rest.substr(0, slash));
  if (!ValidType(p.type)) {
    return Err(PurlError("type", "must be ASCII letters, digits, '.' or '-' and start with a letter", text));
  }
  rest = rest.substr(slash + 1);

  // Version: after the last '@', unless what follows holds a '/' (then the '@' opens a
  // namespace segment, as in an unencoded npm scope "pkg:npm/@babel/core").
  if (const size_t at = rest.rfind('@');
      at != std::string_view::npos && rest.find('/', at) == std::string_view::npos) {
    if (!Decode(rest.substr(at + 1), decoded))
      return Err(PurlError("version", "bad percent-encoding or UTF-8", text));
    if (decoded.empty()) return Err(PurlError("version", "is empty after '@'", text));
    if (at == 0 || rest[at - 1] == '/')
      return Err(PurlError("name", "is required (nothing before '@')", text));
    p.version = decoded;
    rest = rest.substr(0, at);
  }

  // Name: the last segment.
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const size_t last = rest.rfind('/');
  const std::string_view raw_name = last == std::string_view::npos ? rest : rest.substr(last + 1);
  if (!Decode(raw_name, decoded)) return Err(PurlError("name", "bad percent-encoding or UTF-8", text));
  if (decoded.empty()) return Err(PurlError("name", "is required", text));
  p.name = decoded;
  rest = last == std::string_view::npos ? std::string_view() : rest.substr(0, last);

  // Namespace: the segments before.
  std::string ns;
  for (std::string_view seg : Split(rest, '/')) {
    if (seg.empty()) continue;
    if (!Decode(seg, decoded)) return Err(PurlError("namespace", "bad percent-encoding or UTF-8", text));
    if (decoded.empty()) continue;
    if (decoded.find('/') != std::string::npos) {
      return Err(PurlError("namespace", "a segment contains an encoded '/'", text));
    }
    if (!ns.empty()) ns += '/';
    ns += decoded;
  }
  p.namespace_ = std::move(ns);

  Normalize(p);
  AIIP_RETURN_IF_ERROR(CheckTypeRules(p, text));
  return p;
}

std::string FormatPurl(const Purl& purl) {
  std::string out = PackageKey(purl);
  if (!purl.version.empty()) {
    out += '@';
    Encode(purl.version, out);
  }
  bool first = true;
  for (const auto& [key, value] : purl.qualifiers) {
    if (value.empty()) continue;
    out += first ? '?' : '&';
    first = false;
    out += key;
    out += '=';
    Encode(value, out, /*keep_slash=*/true);
  }
  if (!purl.subpath.empty()) {
    std::string subpath;
    for (std::string_view seg : Split(purl.subpath, '/')) {
      if (seg.empty() || seg == "." || seg == "..") continue;
      subpath += subpath.empty() ? "" : "/";
      Encode(seg, subpath);
    }
    if (!subpath.empty()) out += '#' + subpath;
  }
  return out;
}

std::string PackageKey(const Purl& purl) {
  std::string out = "pkg:";
  out += Lower(purl.type);
  out += '/';
  for (std::string_view seg : Split(purl.namespace_, '/')) {
    if (seg.empty()) continue;
    Encode(seg, out);
    out += '/';
  }
  Encode(purl.name, out);
  return out;
}

}  // namespace aiip::advisories
