// Packet captures of an attack, reduced to what opening an attack case needs: who sent
// (per source address: packets, bytes, first and last time) and at what (the dominant
// target: destination prefix, transport protocol and destination port range).
//
// Files are read with libpcap (pcap and pcapng; timestamps kept to the nanosecond) and each
// frame is decoded by DecodePacket (decode.h). Frames that are not IP are counted; frames
// too short or inconsistent for their headers are counted by kind and skipped; a file that
// ends inside a record keeps everything before it and says so. Bytes are IP bytes (the IP
// header's own length), so the figures do not depend on the link layer.
//
// The dominant target (doc/mitigation.md), for a coverage fraction c (default 0.9):
//   - family: the address family with the most IP packets (IPv4 on a tie);
//   - prefix: the longest prefix holding at least c of that family's packets (the one
//     with the lowest address when two qualify);
//   - protocol: the protocol with the most packets to that prefix (lowest number on a tie);
//   - ports (TCP, UDP, UDP-Lite, SCTP only): the narrowest range of destination ports
//     holding at least c of the packets with a known port to that prefix and protocol
//     (lowest range on a tie).
// Each part carries the share of packets it holds.
//
// CaptureAccumulator is pure (no I/O); the readers are not thread-safe per call but share
// no state, so several captures may be read concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "response/attribution/address.h"
#include "response/capture/decode.h"

namespace aiip::capture {

struct SourceStats {
  attribution::IpAddress address;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  int64_t first_ns = 0;  // capture timestamps, nanoseconds since the Unix epoch
  int64_t last_ns = 0;
};

struct PortRange {
  uint16_t lower = 0;
  uint16_t upper = 0;
  friend bool operator==(const PortRange&, const PortRange&) = default;
};

struct Target {
  attribution::Prefix prefix;
  double prefix_share = 0;  // of the family's IP packets
  uint8_t protocol = 0;
  double protocol_share = 0;       // of the packets to the prefix
  std::optional<PortRange> ports;  // absent for protocols without ports
  double port_share = 0;           // of the packets to prefix and protocol with a known port
};

struct CaptureCounts {
  uint64_t frames = 0;  // every record read
  uint64_t ip = 0;      // decoded IP packets (counted per source)
  uint64_t not_ip = 0;
  uint64_t truncated = 0;            // skipped: too short for the link or IP header
  uint64_t malformed = 0;            // skipped: inconsistent headers
  uint64_t unsupported_link = 0;     // skipped: the link type is not supported
  uint64_t fragments = 0;            // of `ip`: non-first fragments (no port)
  uint64_t transport_truncated = 0;  // of `ip`: transport header cut by the snap length
};

struct CaptureSummary {
  int link_type = -1;
  std::string link_name;  // LinkTypeName(link_type)
  CaptureCounts counts;
  std::vector<SourceStats> sources;  // in address order (IPv4 first)
  std::optional<Target> target;      // absent when there is no IP packet
  int64_t first_ns = 0;              // over IP packets
  int64_t last_ns = 0;
  bool file_truncated = false;  // the file ended inside a record
  std::string read_error;       // libpcap's message when file_truncated
};

struct CaptureOptions {
  double coverage = 0.9;  // in (0, 1]
};

// Accumulates decoded packets. Not thread-safe.
class CaptureAccumulator {
 public:
  explicit CaptureAccumulator(CaptureOptions options = {});

  // Counts one frame with its capture time.
  void Add(const Decoded& decoded, int64_t time_ns);

  // The summary of everything added; the accumulator is left empty.
  CaptureSummary Finish();

 private:
  struct FlowKey {
    attribution::IpAddress destination;
    uint8_t protocol;
    int32_t port;  // -1: unknown
    friend bool operator==(const FlowKey&, const FlowKey&) = default;
  };
  struct FlowHash {
    size_t operator()(const FlowKey& k) const;
  };
  struct AddressHash {
    size_t operator()(const attribution::IpAddress& a) const;
  };

  std::optional<Target> ComputeTarget() const;

  CaptureOptions options_;
  CaptureSummary summary_;
  std::unordered_map<attribution::IpAddress, uint32_t, AddressHash> source_index_;
  std::unordered_map<FlowKey, uint64_t, FlowHash> flows_;
};

// Reads the pcap or pcapng file at `path`. Errors: NotFound if it cannot be opened,
// InvalidArgument("invalid-capture") if libpcap does not recognise it or
// InvalidArgument("unsupported-link-type") naming the link type, or if options.coverage
// is not in (0, 1].
Result<CaptureSummary> ReadCaptureFile(const std::string& path, const CaptureOptions& options = {});

// The same for a capture held in memory (e.g. an uploaded file).
Result<CaptureSummary> ReadCaptureBytes(std::string_view bytes, const CaptureOptions& options = {});

}  // namespace aiip::capture
