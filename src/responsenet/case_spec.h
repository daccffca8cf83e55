// The request that opens an attack case or adds sources to it, as it arrives from outside:
// the case fields (a JSON body, or query parameters given as strings when the body is the
// source list) and the sources (a JSON array of addresses, a text/CSV list, or a pcap or
// pcapng capture; raw as the body, or inside a JSON body as "sources_text" or base64
// "capture"). Reading them is separate from the service so that it can be fuzzed: no
// store, no clock. Every error is InvalidArgument (capture errors as capture.h says) and
// names the field as a JSON Pointer ("/target", "/sources/3", "/capture"), except errors in
// a raw body, which have no field. Rules: doc/response.md, "Opening a case".
// Pure functions; thread-safe.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "response/attribution/address.h"
#include "response/capture/capture.h"
#include "response/mitigation/dots.h"

namespace aiip::responsenet {

// Sources given as a request body rather than inside the JSON spec.
struct RawSources {
  bool pcap = false;       // a pcap/pcapng capture; else a text/CSV address list
  std::string_view bytes;  // must outlive the call
};

// One batch of sources as read.
struct SourceBatch {
  std::vector<attribution::IpAddress> addresses;  // in input order, duplicates kept
  std::string input;                              // "json", "list", "pcap"
  size_t rejected_lines = 0;                      // list lines that hold no address
  boost::json::array errors;                      // the first 20: {"line", "message"}
  std::optional<capture::CaptureSummary> capture;
};

// Reads the sources of `raw` when given; else the spec's "sources" (array of address
// strings), "sources_text" (a list) or "capture" (base64), exactly one of them. Errors:
// "missing-field", "wrong-type", "invalid-address", "invalid-value" at the field;
// "no-sources" when no address was found; "out-of-range" beyond `max_sources` addresses
// (duplicates counted).
Result<SourceBatch> ReadSources(const boost::json::object& spec, std::optional<RawSources> raw,
                                size_t max_sources);

// The case fields.
struct CaseSpec {
  std::optional<std::string> victim;
  attribution::Prefix target;
  std::vector<mitigation::PortRange> ports;
  std::optional<uint8_t> protocol;
  SystemTime from{};
  SystemTime to{};
  SystemTime attack_time{};  // default: from
  int64_t lifetime = 3600;   // seconds, 1..31536000, or -1 (until withdrawn)
  friend bool operator==(const CaseSpec&, const CaseSpec&) = default;
};

// Reads "victim", "target", "ports", "protocol", "from", "to", "attack_time" and "lifetime"
// (strings or, where numeric, JSON numbers). With `allow_sources` the keys ReadSources takes
// may be present too; any other key is "unknown-field". A `capture` (may be null) supplies
// the defaults: its dominant target, ports and protocol (unless "target" is given) and its
// first and last packet for the window. Errors: "missing-field" (target, from, to),
// "invalid-prefix", "invalid-value" (ports, protocol, to before from), "invalid-timestamp",
// "out-of-range" (lifetime, protocol number), "wrong-type".
Result<CaseSpec> ReadCaseSpec(const boost::json::object& spec, bool allow_sources,
                              const capture::CaptureSummary* capture);

// "53", "1-1024,8080" to port ranges (InvalidArgument at `field` otherwise), and back.
Result<std::vector<mitigation::PortRange>> ParsePorts(std::string_view text, const std::string& field);
std::string PortsText(const std::vector<mitigation::PortRange>& ports);

// The name ReadCaseSpec knows an IANA protocol number by ("udp"), or "" for others.
std::string_view ProtocolName(int number);

}  // namespace aiip::responsenet
