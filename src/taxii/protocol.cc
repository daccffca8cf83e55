#include "taxii/protocol.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>

#include "common/encoding.h"
#include "common/json.h"
#include "crypto/hmac.h"

namespace aiip::taxii {

namespace bj = boost::json;

namespace {

bool Digits(std::string_view s, size_t pos, size_t len, int& out) {
  if (pos + len > s.size()) return false;
  for (size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return std::from_chars(s.data() + pos, s.data() + pos + len, out).ec == std::errc();
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      out.push_back(text.substr(start));
      return out;
    }
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

// A media type and its parameters (names lower-cased, values unquoted).
struct MediaType {
  std::string type;
  std::map<std::string, std::string> parameters;
};

MediaType ParseMediaType(std::string_view text) {
  MediaType out;
  std::vector<std::string_view> parts = Split(text, ';');
  out.type = Lower(Trim(parts[0]));
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string_view p = Trim(parts[i]);
    size_t eq = p.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view value = Trim(p.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    out.parameters[Lower(Trim(p.substr(0, eq)))] = std::string(value);
  }
  return out;
}

// STIX type names: 3-250 of a-z, 0-9 and '-' (STIX 2.1 §2.9, custom types included).
bool IsStixType(std::string_view type) {
  if (type.size() < 3 || type.size() > 250) return false;
  return std::all_of(type.begin(), type.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

// STIX identifiers: "<type>--<UUID>" (STIX 2.1 §2.9).
bool IsStixId(std::string_view id) {
  size_t sep = id.find("--");
  if (sep == std::string_view::npos || !IsStixType(id.substr(0, sep))) return false;
  std::string_view uuid = id.substr(sep + 2);
  if (uuid.size() != 36) return false;
  for (size_t i = 0; i < uuid.size(); ++i) {
    const char c = uuid[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

bool IsSpecVersion(std::string_view v) {
  size_t dot = v.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot + 1 == v.size() || v.size() > 8) return false;
  return std::all_of(v.begin(), v.end(), [](char c) { return c == '.' || (c >= '0' && c <= '9'); }) &&
         v.find('.', dot + 1) == std::string_view::npos;
}

Status BadParameter(std::string_view name, std::string detail, std::string type = "invalid-value") {
  return InvalidArgument(std::move(type), std::move(detail), std::string(name));
}

std::string_view ReasonPhrase(int http_status) {
  switch (http_status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 406:
      return "Not Acceptable";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 503:
      return "Service Unavailable";
    default:
      return "Internal Server Error";
  }
}

constexpr std::string_view kCursorVersion = "1";
constexpr size_t kCursorMacBytes = 16;

std::string CursorMac(std::string_view payload, std::string_view scope, std::string_view key) {
  const crypto::Sha256Digest mac =
      crypto::HmacSha256(key, "aiip-taxii-cursor\n" + std::string(scope) + "\n" + std::string(payload));
  return std::string(reinterpret_cast<const char*>(mac.data()), kCursorMacBytes);
}

}  // namespace

std::string FormatTimestamp(Timestamp t) {
  using namespace std::chrono;
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss<microseconds> hms{t - day};
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:06d}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                     hms.subseconds().count());
}

Result<Timestamp> ParseTimestamp(std::string_view s) {
  using namespace std::chrono;
  auto bad = [&](std::string_view why) {
    return Err(
        InvalidArgument("invalid-timestamp",
                        "'" + std::string(s.substr(0, 64)) +
                            "' is not a TAXII timestamp (YYYY-MM-DDTHH:MM:SS[.s+]Z): " + std::string(why)));
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() < 20 || !Digits(s, 0, 4, y) || s[4] != '-' || !Digits(s, 5, 2, mo) || s[7] != '-' ||
      !Digits(s, 8, 2, d) || s[10] != 'T' || !Digits(s, 11, 2, h) || s[13] != ':' || !Digits(s, 14, 2, mi) ||
      s[16] != ':' || !Digits(s, 17, 2, sec)) {
    return bad("malformed date or time");
  }
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return bad("no such calendar date");
  if (h > 23 || mi > 59 || sec > 60) return bad("time of day out of range");
  if (sec == 60) sec = 59;
  size_t pos = 19;
  int64_t micros = 0;
  if (s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad("empty fraction of a second");
    for (int i = digits; i < 6; ++i) micros *= 10;
  }
  if (pos + 1 != s.size() || s[pos] != 'Z') return bad("a TAXII timestamp is UTC and ends with 'Z'");
  return Timestamp{sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + microseconds{micros}};
}

bool AcceptsTaxii(std::optional<std::string_view> accept) {
  if (!accept) return true;
  for (std::string_view range : Split(*accept, ',')) {
    if (Trim(range).empty()) continue;
    MediaType m = ParseMediaType(range);
    if (auto q = m.parameters.find("q"); q != m.parameters.end()) {
      double value = 1;
      auto [end, ec] = std::from_chars(q->second.data(), q->second.data() + q->second.size(), value);
      if (ec != std::errc() || end != q->second.data() + q->second.size() || value <= 0) continue;
    }
    if (m.type == "*/*" || m.type == "application/*") return true;
    if (m.type != "application/taxii+json") continue;
    auto version = m.parameters.find("version");
    if (version == m.parameters.end() || version->second == "2.1") return true;
  }
  return false;
}

bool IsTaxiiContentType(std::optional<std::string_view> content_type) {
  if (!content_type) return false;
  MediaType m = ParseMediaType(*content_type);
  auto version = m.parameters.find("version");
  return m.type == "application/taxii+json" && version != m.parameters.end() && version->second == "2.1";
}

Result<Query> ParseQuery(const std::multimap<std::string, std::string>& params, Endpoint endpoint) {
  Query q;
  const bool filters = endpoint == Endpoint::kObjects || endpoint == Endpoint::kManifest;
  auto takes = [&](std::string_view name) {
    if (name == "added_after" || name == "limit" || name == "next" || name == "match[spec_version]")
      return true;
    if (name == "match[version]") return endpoint != Endpoint::kVersions;
    if (name == "match[id]" || name == "match[type]") return filters;
    return false;
  };
  // One value per parameter; a list is comma-separated (TAXII 2.1 §3.4.1).
  auto single = [&](std::string_view name) -> Result<std::optional<std::string_view>> {
    auto [from, to] = params.equal_range(std::string(name));
    if (from == to || !takes(name)) return std::optional<std::string_view>();
    if (std::next(from) != to) {
      return Err(BadParameter(name, "give '" + std::string(name) + "' once (a list is comma-separated)"));
    }
    return std::optional<std::string_view>(from->second);
  };
  auto list = [&](std::string_view name) -> Result<std::vector<std::string>> {
    AIIP_ASSIGN_OR_RETURN(auto text, single(name));
    std::vector<std::string> out;
    if (!text) return out;
    for (std::string_view item : Split(*text, ',')) {
      if (item.empty()) return Err(BadParameter(name, "'" + std::string(name) + "' holds an empty item"));
      out.emplace_back(item);
    }
    if (out.size() > 100) return Err(BadParameter(name, "at most 100 values", "out-of-range"));
    return out;
  };

  AIIP_ASSIGN_OR_RETURN(auto added_after, single("added_after"));
  if (added_after) {
    auto t = ParseTimestamp(*added_after);
    if (!t) return Err(BadParameter("added_after", t.error().detail(), "invalid-timestamp"));
    q.added_after = *t;
  }
  AIIP_ASSIGN_OR_RETURN(auto limit, single("limit"));
  if (limit) {
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), value);
    if (limit->empty() || ec == std::errc::result_out_of_range) {
      if (ec == std::errc::result_out_of_range && end == limit->data() + limit->size()) {
        value = kMaxLimit;  // all digits, just very large: serve the maximum
      } else {
        return Err(BadParameter("limit", "'limit' is a positive integer", "wrong-type"));
      }
    } else if (ec != std::errc() || end != limit->data() + limit->size()) {
      return Err(BadParameter("limit", "'limit' is a positive integer", "wrong-type"));
    }
    if (value == 0) return Err(BadParameter("limit", "'limit' is a positive integer", "out-of-range"));
    q.limit = static_cast<size_t>(std::min<uint64_t>(value, kMaxLimit));
  }
  AIIP_ASSIGN_OR_RETURN(auto next, single("next"));
  if (next) {
    if (next->empty() || next->size() > 1024) {
      return Err(BadParameter("next", "'next' is not a value this server issued", "invalid-cursor"));
    }
    q.next = std::string(*next);
  }
  AIIP_ASSIGN_OR_RETURN(q.ids, list("match[id]"));
  for (const std::string& id : q.ids) {
    if (!IsStixId(id)) {
      return Err(
          BadParameter("match[id]", "'" + id.substr(0, 100) + "' is not a STIX identifier (type--UUID)"));
    }
  }
  AIIP_ASSIGN_OR_RETURN(q.types, list("match[type]"));
  for (const std::string& type : q.types) {
    if (!IsStixType(type)) {
      return Err(BadParameter(
          "match[type]", "'" + type.substr(0, 100) + "' is not a STIX type name (3-250 of a-z, 0-9, '-')"));
    }
  }
  AIIP_ASSIGN_OR_RETURN(std::vector<std::string> versions, list("match[version]"));
  if (versions.empty()) q.versions.last = true;
  for (const std::string& v : versions) {
    if (v == "last") {
      q.versions.last = true;
    } else if (v == "first") {
      q.versions.first = true;
    } else if (v == "all") {
      q.versions.all = true;
    } else {
      auto t = ParseTimestamp(v);
      if (!t) {
        return Err(
            BadParameter("match[version]",
                         "'" + v.substr(0, 64) + "' is not 'last', 'first', 'all' or a TAXII timestamp"));
      }
      q.versions.at.push_back(*t);
    }
  }
  AIIP_ASSIGN_OR_RETURN(q.spec_versions, list("match[spec_version]"));
  for (const std::string& v : q.spec_versions) {
    if (!IsSpecVersion(v)) {
      return Err(
          BadParameter("match[spec_version]", "'" + v.substr(0, 16) + "' is not a STIX version such as 2.1"));
    }
  }
  return q;
}

std::string EncodeCursor(const Position& position, std::string_view scope, std::string_view key) {
  const std::string payload = std::string(kCursorVersion) + "\n" + FormatTimestamp(position.date_added) +
                              "\n" + position.object_id + "\n" + FormatTimestamp(position.version);
  return Base64UrlEncode(payload) + "." + Base64UrlEncode(CursorMac(payload, scope, key));
}

Result<Position> DecodeCursor(std::string_view next, std::string_view scope, std::string_view key) {
  auto bad = [] {
    return Err(
        InvalidArgument("invalid-cursor",
                        "'next' is not a value this server issued for this request (malformed, altered, "
                        "or from another collection or endpoint)",
                        "next"));
  };
  const size_t dot = next.find('.');
  if (dot == std::string_view::npos) return bad();
  auto payload = Base64UrlDecode(next.substr(0, dot));
  auto mac = Base64UrlDecode(next.substr(dot + 1));
  if (!payload || !mac || mac->size() != kCursorMacBytes) return bad();
  const std::string expected = CursorMac(*payload, scope, key);
  // Constant time: the MAC is the only thing standing between a client and a forged cursor.
  unsigned char diff = 0;
  for (size_t i = 0; i < kCursorMacBytes; ++i) {
    diff |= static_cast<unsigned char>((*mac)[i] ^ expected[i]);
  }
  if (diff != 0) return bad();
  std::vector<std::string_view> fields = Split(*payload, '\n');
  if (fields.size() != 4 || fields[0] != kCursorVersion) return bad();
  auto date_added = ParseTimestamp(fields[1]);
  auto version = ParseTimestamp(fields[3]);
  if (!date_added || !version || !IsStixId(fields[2])) return bad();
  Position position{*date_added, std::string(fields[2]), *version};
  // One text per cursor: another spelling of the same bytes (padding, fraction digits) is
  // not a value this server issued.
  if (EncodeCursor(position, scope, key) != next) return bad();
  return position;
}

Result<bj::array> ParseEnvelope(std::string_view body) {
  AIIP_ASSIGN_OR_RETURN(bj::object envelope, json::ParseObject(body));
  for (const auto& [name, value] : envelope) {
    if (name != "objects" && name != "more" && name != "next") {
      return Err(InvalidArgument("unknown-field", "an envelope has 'objects', 'more' and 'next' only",
                                 "/" + json::PointerEscape(name)));
    }
  }
  bj::value* objects = envelope.if_contains("objects");
  if (objects == nullptr)
    return Err(InvalidArgument("missing-field", "the envelope holds no 'objects'", "/objects"));
  if (!objects->is_array()) return Err(InvalidArgument("wrong-type", "'objects' is an array", "/objects"));
  bj::array& items = objects->as_array();
  if (items.empty()) return Err(InvalidArgument("out-of-range", "'objects' is empty", "/objects"));
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string at = "/objects/" + std::to_string(i);
    if (!items[i].is_object())
      return Err(InvalidArgument("wrong-type", "a STIX object is a JSON object", at));
    const bj::object& o = items[i].as_object();
    for (const char* member : {"type", "id"}) {
      const bj::value* v = o.if_contains(member);
      if (v == nullptr)
        return Err(InvalidArgument("missing-field", "a STIX object has a '" + std::string(member) + "'",
                                   at + "/" + member));
      if (!v->is_string())
        return Err(
            InvalidArgument("wrong-type", "'" + std::string(member) + "' is a string", at + "/" + member));
    }
  }
  return std::move(items);
}

bj::object ErrorResource(const Status& status, int http_status) {
  bj::object out{{"title", ReasonPhrase(http_status)},
                 {"description", status.detail()},
                 {"http_status", std::to_string(http_status)},
                 {"error_code", status.type()}};
  if (!status.field().empty()) out["details"] = bj::object{{"field", status.field()}};
  return out;
}

}  // namespace aiip::taxii
