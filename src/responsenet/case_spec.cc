#include "responsenet/case_spec.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <set>

#include "common/encoding.h"
#include "common/json.h"
#include "common/time.h"
#include "response/attribution/address_list.h"

namespace aiip::responsenet {

namespace bj = boost::json;
using attribution::IpAddress;
using attribution::Prefix;

namespace {

constexpr size_t kMaxListedErrors = 20;

struct KnownProtocol {
  std::string_view name;
  uint8_t number;
};
constexpr KnownProtocol kProtocols[] = {{"icmp", 1},    {"tcp", 6},    {"udp", 17},
                                        {"gre", 47},    {"esp", 50},   {"ah", 51},
                                        {"icmpv6", 58}, {"sctp", 132}, {"udplite", 136}};

bool ParseUint(std::string_view text, uint64_t max, uint64_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out <= max;
}

// A protocol given as a name or an IANA number (JSON number or digits).
Result<uint8_t> ParseProtocol(const bj::value& value, const std::string& field) {
  if (value.is_int64() || value.is_uint64()) {
    const bool in_range =
        value.is_int64() ? value.get_int64() >= 0 && value.get_int64() <= 255 : value.get_uint64() <= 255;
    if (!in_range) return Err(InvalidArgument("out-of-range", "a protocol number is 0..255", field));
    return static_cast<uint8_t>(value.is_int64() ? value.get_int64()
                                                 : static_cast<int64_t>(value.get_uint64()));
  }
  if (!value.is_string())
    return Err(InvalidArgument("wrong-type", "a protocol is a name or a number", field));
  std::string text(value.get_string());
  std::transform(text.begin(), text.end(), text.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  uint64_t n = 0;
  if (ParseUint(text, 255, n)) return static_cast<uint8_t>(n);
  for (const KnownProtocol& p : kProtocols) {
    if (p.name == text) return p.number;
  }
  return Err(InvalidArgument("invalid-value",
                             "unknown protocol '" + text +
                                 "' (a number 0..255 or icmp, tcp, udp, gre, esp, ah, "
                                 "icmpv6, sctp, udplite)",
                             field));
}

Result<SystemTime> ParseTime(const std::string& text, const std::string& field) {
  Result<SystemTime> t = ParseRfc3339(text);
  if (!t) return Err(InvalidArgument("invalid-timestamp", "not an RFC 3339 time: '" + text + "'", field));
  return *t;
}

// The text of a spec value given as a JSON string or number (query parameters arrive as
// strings, JSON bodies may use numbers).
std::optional<std::string> SpecText(const bj::object& spec, std::string_view key) {
  const bj::value* v = spec.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return std::string();
}

}  // namespace

Result<std::vector<mitigation::PortRange>> ParsePorts(std::string_view text, const std::string& field) {
  std::vector<mitigation::PortRange> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = text.substr(start, end - start);
    size_t dash = item.find('-');
    uint64_t lower = 0;
    uint64_t upper = 0;
    bool ok = dash == std::string_view::npos ? ParseUint(item, 65535, lower)
                                             : ParseUint(item.substr(0, dash), 65535, lower) &&
                                                   ParseUint(item.substr(dash + 1), 65535, upper);
    if (dash == std::string_view::npos) upper = lower;
    if (!ok || lower > upper) {
      return Err(InvalidArgument("invalid-value",
                                 "ports are a comma-separated list of PORT or LOWER-UPPER (0..65535), not '" +
                                     std::string(item) + "'",
                                 field));
    }
    out.push_back({static_cast<uint16_t>(lower), static_cast<uint16_t>(upper)});
    start = end + 1;
  }
  return out;
}

std::string PortsText(const std::vector<mitigation::PortRange>& ports) {
  std::string out;
  for (const auto& p : ports) {
    if (!out.empty()) out += ',';
    out += std::to_string(p.lower);
    if (p.upper != p.lower) out += "-" + std::to_string(p.upper);
  }
  return out;
}

std::string_view ProtocolName(int number) {
  for (const KnownProtocol& p : kProtocols) {
    if (p.number == number) return p.name;
  }
  return "";
}

Result<SourceBatch> ReadSources(const bj::object& spec, std::optional<RawSources> raw, size_t max_sources) {
  SourceBatch set;
  if (raw && raw->pcap) {
    set.input = "pcap";
    AIIP_ASSIGN_OR_RETURN(capture::CaptureSummary summary, capture::ReadCaptureBytes(raw->bytes));
    set.addresses.reserve(summary.sources.size());
    for (const capture::SourceStats& s : summary.sources) set.addresses.push_back(s.address);
    set.capture = std::move(summary);
  } else if (raw) {
    set.input = "list";
    attribution::AddressList list = attribution::ParseAddressList(raw->bytes);
    set.addresses.reserve(list.addresses.size());
    for (const attribution::ListedAddress& a : list.addresses) set.addresses.push_back(a.address);
    set.rejected_lines = list.errors.size();
    for (const attribution::ListError& e : list.errors) {
      if (set.errors.size() == kMaxListedErrors) break;
      set.errors.push_back(bj::object{{"line", e.line}, {"message", e.message}});
    }
  } else if (spec.contains("sources_text") || spec.contains("capture")) {
    // The same list or capture inside a JSON body (clients that only send JSON).
    const int given = spec.contains("sources") + spec.contains("sources_text") + spec.contains("capture");
    if (given != 1) {
      return Err(InvalidArgument("invalid-value",
                                 "give exactly one of 'sources', 'sources_text' or 'capture'", "/sources"));
    }
    const bool pcap = spec.contains("capture");
    const bj::value& value = spec.at(pcap ? "capture" : "sources_text");
    const std::string field = pcap ? "/capture" : "/sources_text";
    if (!value.is_string()) return Err(InvalidArgument("wrong-type", "a string is expected", field));
    std::string bytes(value.get_string());
    if (pcap) {
      std::optional<std::string> decoded = Base64Decode(bytes);
      if (!decoded) return Err(InvalidArgument("invalid-value", "the capture is base64 (RFC 4648)", field));
      bytes = std::move(*decoded);
    }
    Result<SourceBatch> inner = ReadSources(spec, RawSources{pcap, bytes}, max_sources);
    if (!inner)
      return Err(inner.error().field().empty() ? inner.error().WithFieldPrefix(field) : inner.error());
    return inner;
  } else {
    set.input = "json";
    const bj::value* sources = spec.if_contains("sources");
    if (sources == nullptr || !sources->is_array()) {
      return Err(InvalidArgument(sources == nullptr ? "missing-field" : "wrong-type",
                                 "'sources' is an array of addresses (or send a text/CSV or pcap body)",
                                 "/sources"));
    }
    const bj::array& items = sources->get_array();
    set.addresses.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      const std::string field = "/sources/" + std::to_string(i);
      if (!items[i].is_string()) return Err(InvalidArgument("wrong-type", "an address is a string", field));
      Result<IpAddress> a = IpAddress::Parse(std::string(items[i].get_string()));
      if (!a) return Err(InvalidArgument("invalid-address", "not an IP address", field));
      set.addresses.push_back(*a);
    }
  }
  if (set.addresses.empty()) {
    return Err(InvalidArgument("no-sources",
                               set.rejected_lines > 0 ? "no line of the list is an address (" +
                                                            std::to_string(set.rejected_lines) + " rejected)"
                                                      : "the case needs at least one source address",
                               raw ? "" : "/sources"));
  }
  if (set.addresses.size() > max_sources) {
    return Err(InvalidArgument("out-of-range",
                               "at most " + std::to_string(max_sources) + " sources per batch", "/sources"));
  }
  return set;
}

Result<CaseSpec> ReadCaseSpec(const bj::object& spec, bool allow_sources,
                              const capture::CaptureSummary* capture) {
  CaseSpec out;
  static const std::set<std::string, std::less<>> kKnown = {"victim", "target", "ports",       "protocol",
                                                            "from",   "to",     "attack_time", "lifetime"};
  for (const auto& [key, value] : spec) {
    if (!kKnown.contains(key) &&
        !(allow_sources && (key == "sources" || key == "sources_text" || key == "capture"))) {
      return Err(InvalidArgument("unknown-field", "unknown field '" + std::string(key) + "'",
                                 "/" + json::PointerEscape(key)));
    }
  }
  auto text = [&](std::string_view key) -> Result<std::optional<std::string>> {
    std::optional<std::string> t = SpecText(spec, key);
    if (t && t->empty()) {
      return Err(InvalidArgument("wrong-type", "'" + std::string(key) + "' must be a non-empty string",
                                 "/" + std::string(key)));
    }
    return t;
  };
  AIIP_ASSIGN_OR_RETURN(out.victim, text("victim"));
  AIIP_ASSIGN_OR_RETURN(std::optional<std::string> target_text, text("target"));
  if (target_text) {
    Result<Prefix> parsed = Prefix::Parse(*target_text);
    if (!parsed) return Err(InvalidArgument("invalid-prefix", parsed.error().detail(), "/target"));
    out.target = *parsed;
  } else if (capture != nullptr && capture->target) {
    out.target = capture->target->prefix;
  } else {
    return Err(InvalidArgument("missing-field", "'target' (the attacked prefix) is required", "/target"));
  }
  AIIP_ASSIGN_OR_RETURN(std::optional<std::string> ports_text, text("ports"));
  if (ports_text) {
    AIIP_ASSIGN_OR_RETURN(out.ports, ParsePorts(*ports_text, "/ports"));
  } else if (capture != nullptr && capture->target && capture->target->ports && !target_text) {
    out.ports = {{capture->target->ports->lower, capture->target->ports->upper}};
  }
  if (const bj::value* p = spec.if_contains("protocol"); p != nullptr && !p->is_null()) {
    AIIP_ASSIGN_OR_RETURN(out.protocol, ParseProtocol(*p, "/protocol"));
  } else if (capture != nullptr && capture->target && !target_text) {
    out.protocol = capture->target->protocol;
  }
  auto time = [&](std::string_view key,
                  std::optional<int64_t> capture_ns) -> Result<std::optional<SystemTime>> {
    AIIP_ASSIGN_OR_RETURN(std::optional<std::string> t, text(key));
    if (t) {
      AIIP_ASSIGN_OR_RETURN(SystemTime parsed, ParseTime(*t, "/" + std::string(key)));
      return std::optional<SystemTime>(parsed);
    }
    if (capture_ns) {
      return std::optional<SystemTime>(SystemTime(std::chrono::milliseconds(*capture_ns / 1'000'000)));
    }
    return std::optional<SystemTime>();
  };
  const bool has_packets = capture != nullptr && capture->counts.ip > 0;
  AIIP_ASSIGN_OR_RETURN(std::optional<SystemTime> f,
                        time("from", has_packets ? std::optional(capture->first_ns) : std::nullopt));
  AIIP_ASSIGN_OR_RETURN(std::optional<SystemTime> t,
                        time("to", has_packets ? std::optional(capture->last_ns) : std::nullopt));
  if (!f)
    return Err(InvalidArgument("missing-field", "'from' (when the attack started) is required", "/from"));
  if (!t)
    return Err(InvalidArgument("missing-field", "'to' (the end of the observed window) is required", "/to"));
  if (*t < *f) return Err(InvalidArgument("invalid-value", "'to' is before 'from'", "/to"));
  out.from = *f;
  out.to = *t;
  AIIP_ASSIGN_OR_RETURN(std::optional<SystemTime> at, time("attack_time", std::nullopt));
  out.attack_time = at.value_or(out.from);
  if (std::optional<std::string> l = SpecText(spec, "lifetime")) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(l->data(), l->data() + l->size(), value);
    if (ec != std::errc() || end != l->data() + l->size() ||
        (value != -1 && (value < 1 || value > 31'536'000))) {
      return Err(InvalidArgument("out-of-range", "'lifetime' is 1..31536000 seconds, or -1 (until withdrawn)",
                                 "/lifetime"));
    }
    out.lifetime = value;
  }
  return out;
}

}  // namespace aiip::responsenet
