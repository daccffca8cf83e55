#include "advisories/inventory/cpe.h"

#include <algorithm>
#include <vector>

namespace aiip::advisories {
namespace {

constexpr std::string_view kAttributeNames[kCpeAttributeCount] = {
    "part",     "vendor",     "product",   "version",   "update", "edition",
    "language", "sw_edition", "target_sw", "target_hw", "other"};

constexpr size_t kMaxShown = 200;

Status CpeError(std::string_view where, std::string_view problem, std::string_view text) {
  std::string shown(text.substr(0, kMaxShown));
  if (text.size() > kMaxShown) shown += "...";
  return InvalidArgument("cpe-invalid",
                         std::string(where) + ": " + std::string(problem) + " in CPE '" + shown + "'");
}

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool IsPrintable(char c) { return c >= 0x21 && c <= 0x7E; }
char ToLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Builds a value from a sequence of (character, quoted) pairs: unquoted '*' and '?' are
// wildcards and must sit at either end (7695 section 5.3.2); everything else is literal.
// `where` names the attribute for errors.
struct Piece {
  char c;
  bool quoted;
};

Result<CpeValue> ValueFromPieces(const std::vector<Piece>& pieces, std::string_view where,
                                 std::string_view text) {
  CpeValue v;
  v.kind = CpeValue::Kind::kValue;
  size_t begin = 0;
  size_t end = pieces.size();
  auto wild = [&](size_t i, char c) { return !pieces[i].quoted && pieces[i].c == c; };
  if (begin < end && wild(begin, '*')) {
    v.prefix = -1;
    ++begin;
  } else {
    while (begin < end && wild(begin, '?')) {
      ++v.prefix;
      ++begin;
    }
  }
  if (end > begin && wild(end - 1, '*')) {
    v.suffix = -1;
    --end;
  } else {
    while (end > begin && wild(end - 1, '?')) {
      ++v.suffix;
      --end;
    }
  }
  for (size_t i = begin; i < end; ++i) {
    if (!pieces[i].quoted && (pieces[i].c == '*' || pieces[i].c == '?')) {
      return Err(
          CpeError(where, "an unquoted '*' or '?' may only stand at the start or end of a value", text));
    }
    v.text += pieces[i].c;
  }
  if (v.text.empty() && v.prefix == -1 && v.suffix == 0) {
    // A lone '*' is ANY (and "**" would be two '*' with nothing between: the 7695 grammar
    // allows one at each end only).
    v = CpeValue{};
  } else if (v.text.empty() && v.prefix != 0 && v.suffix != 0) {
    return Err(CpeError(where, "a value of wildcards only may not mix '*' and '?'", text));
  }
  return v;
}

// 2.3 formatted string: one attribute's raw text (between unescaped colons).
Result<CpeValue> UnbindFs(std::string_view raw, std::string_view where, std::string_view text) {
  if (raw == "*") return CpeValue{};
  if (raw == "-") return CpeValue{CpeValue::Kind::kNa, "", 0, 0};
  if (raw.empty()) return Err(CpeError(where, "is empty (use '*' for ANY)", text));
  std::vector<Piece> pieces;
  pieces.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (!IsPrintable(c)) return Err(CpeError(where, "holds a character that is not printable ASCII", text));
    if (c == '\\') {
      if (i + 1 >= raw.size()) return Err(CpeError(where, "ends with a lone '\\'", text));
      const char next = raw[++i];
      if (!IsPrintable(next))
        return Err(CpeError(where, "escapes a character that is not printable ASCII", text));
      pieces.push_back({next, true});
    } else if (IsAlnum(c) || c == '_' || c == '.' || c == '-' || c == '*' || c == '?') {
      pieces.push_back({c, false});
    } else {
      return Err(CpeError(where, std::string("'") + c + "' must be escaped with '\\'", text));
    }
  }
  return ValueFromPieces(pieces, where, text);
}

// 2.2 URI: one component's raw text.
Result<CpeValue> UnbindUri(std::string_view raw, std::string_view where, std::string_view text) {
  if (raw.empty()) return CpeValue{};
  if (raw == "-") return CpeValue{CpeValue::Kind::kNa, "", 0, 0};
  std::vector<Piece> pieces;
  pieces.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (!IsPrintable(c)) return Err(CpeError(where, "holds a character that is not printable ASCII", text));
    if (c != '%') {
      pieces.push_back({ToLower(c), !(IsAlnum(c) || c == '_' || c == '.' || c == '-')});
      continue;
    }
    auto hex = [](char h) {
      if (h >= '0' && h <= '9') return h - '0';
      if (h >= 'a' && h <= 'f') return h - 'a' + 10;
      if (h >= 'A' && h <= 'F') return h - 'A' + 10;
      return -1;
    };
    if (i + 2 >= raw.size() || hex(raw[i + 1]) < 0 || hex(raw[i + 2]) < 0) {
      return Err(CpeError(where, "bad percent-encoding", text));
    }
    const char d = static_cast<char>(hex(raw[i + 1]) * 16 + hex(raw[i + 2]));
    i += 2;
    if (d == 0x01) {
      pieces.push_back({'?', false});
    } else if (d == 0x02) {
      pieces.push_back({'*', false});
    } else if (IsPrintable(d)) {
      pieces.push_back({ToLower(d), true});
    } else {
      return Err(CpeError(where, "percent-encodes a character that is not printable ASCII", text));
    }
  }
  return ValueFromPieces(pieces, where, text);
}

Status CheckPart(const CpeValue& part, std::string_view text) {
  if (part.kind != CpeValue::Kind::kValue) return Status::Ok();
  if (part.has_wildcards() || part.text.size() != 1 ||
      std::string_view("aohAOH").find(part.text[0]) == std::string_view::npos) {
    return CpeError("part", "must be 'a', 'o', 'h' or ANY", text);
  }
  return Status::Ok();
}

Result<Cpe> ParseFs(std::string_view text) {
  // Split on unescaped ':'.
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == ':') {
      fields.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  fields.push_back(text.substr(start));
  if (fields.size() != 2 + kCpeAttributeCount) {
    return Err(CpeError(
        "binding",
        "a CPE 2.3 formatted string has 13 colon-separated fields, this has " + std::to_string(fields.size()),
        text));
  }
  Cpe cpe;
  for (size_t i = 0; i < kCpeAttributeCount; ++i) {
    AIIP_ASSIGN_OR_RETURN(cpe.attributes[i], UnbindFs(fields[i + 2], kAttributeNames[i], text));
  }
  AIIP_RETURN_IF_ERROR(CheckPart(cpe.part(), text));
  return cpe;
}

Result<Cpe> ParseUri(std::string_view text) {
  std::string_view rest = text.substr(5);  // after "cpe:/"
  std::vector<std::string_view> comps;
  size_t start = 0;
  for (size_t i = 0; i <= rest.size(); ++i) {
    if (i == rest.size() || rest[i] == ':') {
      comps.push_back(rest.substr(start, i - start));
      start = i + 1;
    }
  }
  if (comps.size() > 7) {
    return Err(CpeError(
        "binding", "a CPE 2.2 URI has at most 7 components, this has " + std::to_string(comps.size()), text));
  }
  Cpe cpe;
  static constexpr CpeAttribute kUriOrder[7] = {
      CpeAttribute::kPart,   CpeAttribute::kVendor,  CpeAttribute::kProduct, CpeAttribute::kVersion,
      CpeAttribute::kUpdate, CpeAttribute::kEdition, CpeAttribute::kLanguage};
  for (size_t i = 0; i < comps.size(); ++i) {
    const CpeAttribute attr = kUriOrder[i];
    std::string_view raw = comps[i];
    if (attr == CpeAttribute::kEdition && !raw.empty() && raw.front() == '~') {
      // Packed: ~edition~sw_edition~target_sw~target_hw~other.
      std::vector<std::string_view> packed;
      size_t s = 1;
      for (size_t k = 1; k <= raw.size(); ++k) {
        if (k == raw.size() || raw[k] == '~') {
          packed.push_back(raw.substr(s, k - s));
          s = k + 1;
        }
      }
      if (packed.size() != 5) {
        return Err(CpeError("edition", "a packed edition has 5 '~'-separated parts", text));
      }
      static constexpr CpeAttribute kPacked[5] = {CpeAttribute::kEdition, CpeAttribute::kSwEdition,
                                                  CpeAttribute::kTargetSw, CpeAttribute::kTargetHw,
                                                  CpeAttribute::kOther};
      for (size_t k = 0; k < 5; ++k) {
        AIIP_ASSIGN_OR_RETURN(cpe.at(kPacked[k]),
                              UnbindUri(packed[k], kAttributeNames[static_cast<size_t>(kPacked[k])], text));
      }
      continue;
    }
    AIIP_ASSIGN_OR_RETURN(cpe.at(attr), UnbindUri(raw, kAttributeNames[static_cast<size_t>(attr)], text));
  }
  AIIP_RETURN_IF_ERROR(CheckPart(cpe.part(), text));
  return cpe;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ToLower(x) == ToLower(y); });
}

// NISTIR 7696 compare_strings for a source holding wildcards: whether some occurrence of
// the literal body in `target` leaves before and after it what the wildcards allow ('*':
// anything; n '?': at most n characters).
bool WildcardMatch(const CpeValue& source, std::string_view target) {
  const std::string_view body = source.text;
  if (body.size() > target.size()) return false;
  for (size_t pos = 0; pos + body.size() <= target.size(); ++pos) {
    if (source.prefix >= 0 && pos > static_cast<size_t>(source.prefix)) return false;
    if (!EqualsIgnoreCase(target.substr(pos, body.size()), body)) continue;
    const size_t leftover = target.size() - pos - body.size();
    if (source.suffix >= 0 && leftover > static_cast<size_t>(source.suffix)) continue;
    return true;
  }
  return false;
}

// Whether comparing `source` to `target` gives SUPERSET or EQUAL.
bool AttributeCovers(const CpeValue& source, const CpeValue& target) {
  using Kind = CpeValue::Kind;
  switch (source.kind) {
    case Kind::kAny:
      return true;
    case Kind::kNa:
      return target.kind == Kind::kNa;
    case Kind::kValue:
      if (target.kind != Kind::kValue || target.has_wildcards()) return false;
      if (!source.has_wildcards()) return EqualsIgnoreCase(source.text, target.text);
      return WildcardMatch(source, target.text);
  }
  return false;
}

void BindFs(const CpeValue& v, std::string& out) {
  switch (v.kind) {
    case CpeValue::Kind::kAny:
      out += '*';
      return;
    case CpeValue::Kind::kNa:
      out += '-';
      return;
    case CpeValue::Kind::kValue:
      break;
  }
  auto wildcards = [&](int n) {
    if (n < 0) out += '*';
    for (int i = 0; i < n; ++i) out += '?';
  };
  wildcards(v.prefix);
  for (char c : v.text) {
    // A literal "-" alone would read as NA, so it is quoted like other punctuation.
    const bool plain =
        IsAlnum(c) || c == '_' || c == '.' || (c == '-' && !(v.text.size() == 1 && !v.has_wildcards()));
    if (!plain) out += '\\';
    out += c;
  }
  wildcards(v.suffix);
}

}  // namespace

Result<Cpe> ParseCpe(std::string_view text) {
  auto starts_with_ci = [&](std::string_view prefix) {
    return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
  };
  if (starts_with_ci("cpe:2.3:")) return ParseFs(text);
  if (starts_with_ci("cpe:/")) return ParseUri(text);
  return Err(CpeError("binding", "must start with 'cpe:2.3:' or 'cpe:/'", text));
}

std::string FormatCpe(const Cpe& cpe) {
  std::string out = "cpe:2.3";
  for (const CpeValue& v : cpe.attributes) {
    out += ':';
    BindFs(v, out);
  }
  return out;
}

bool CpeMatches(const Cpe& pattern, const Cpe& name) {
  for (size_t i = 0; i < kCpeAttributeCount; ++i) {
    if (!AttributeCovers(pattern.attributes[i], name.attributes[i])) return false;
  }
  return true;
}

}  // namespace aiip::advisories
