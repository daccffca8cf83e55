#include "response/capture/capture.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <span>
#include <utility>

namespace aiip::capture {

using attribution::Family;
using attribution::IpAddress;
using attribution::Prefix;
using attribution::Uint128;

namespace {

uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

size_t HashAddress(const IpAddress& a) {
  const Uint128 b = a.bits();
  return static_cast<size_t>(Mix(static_cast<uint64_t>(b) ^ Mix(static_cast<uint64_t>(b >> 64)) ^
                                 static_cast<uint64_t>(a.family())));
}

bool HasPorts(uint8_t protocol) {
  return protocol == 6 || protocol == 17 || protocol == 132 || protocol == 136;
}

Uint128 Mask(Family family, int length) {
  const int bits = attribution::BitsOf(family);
  if (length <= 0) return 0;
  const Uint128 all = bits == 32 ? Uint128{0xffffffffu} : ~Uint128{0};
  if (length >= bits) return all;
  return all & ~((Uint128{1} << (bits - length)) - 1);
}

// Packets a share of `coverage` of `total` needs: ceil(total * coverage), where a product
// within rounding error of an integer counts as that integer (0.9 * 200 is 180, not 180.00..4).
uint64_t Needed(uint64_t total, double coverage) {
  const long double exact = static_cast<long double>(total) * coverage;
  const auto n = static_cast<uint64_t>(std::ceil(exact - 1e-6L));
  return std::clamp<uint64_t>(n, 1, total);
}

}  // namespace

size_t CaptureAccumulator::AddressHash::operator()(const IpAddress& a) const { return HashAddress(a); }

size_t CaptureAccumulator::FlowHash::operator()(const FlowKey& k) const {
  return HashAddress(k.destination) ^ Mix((uint64_t{k.protocol} << 32) | static_cast<uint32_t>(k.port));
}

CaptureAccumulator::CaptureAccumulator(CaptureOptions options) : options_(options) {}

void CaptureAccumulator::Add(const Decoded& decoded, int64_t time_ns) {
  CaptureCounts& c = summary_.counts;
  ++c.frames;
  switch (decoded.verdict) {
    case Verdict::kIp:
      break;
    case Verdict::kNotIp:
      ++c.not_ip;
      return;
    case Verdict::kUnsupportedLink:
      ++c.unsupported_link;
      return;
    case Verdict::kTruncated:
      ++c.truncated;
      return;
    case Verdict::kMalformed:
      ++c.malformed;
      return;
  }
  const Packet& p = decoded.packet;
  ++c.ip;
  c.fragments += p.fragment;
  c.transport_truncated += p.transport_truncated;
  if (c.ip == 1) {
    summary_.first_ns = summary_.last_ns = time_ns;
  } else {
    summary_.first_ns = std::min(summary_.first_ns, time_ns);
    summary_.last_ns = std::max(summary_.last_ns, time_ns);
  }
  auto [it, inserted] = source_index_.try_emplace(p.source, static_cast<uint32_t>(summary_.sources.size()));
  if (inserted) summary_.sources.push_back(SourceStats{p.source, 0, 0, time_ns, time_ns});
  SourceStats& s = summary_.sources[it->second];
  ++s.packets;
  s.bytes += p.ip_bytes;
  s.first_ns = std::min(s.first_ns, time_ns);
  s.last_ns = std::max(s.last_ns, time_ns);
  ++flows_[FlowKey{p.destination, p.protocol, p.destination_port ? int32_t{*p.destination_port} : -1}];
}

std::optional<Target> CaptureAccumulator::ComputeTarget() const {
  if (flows_.empty()) return std::nullopt;
  uint64_t v4 = 0;
  uint64_t v6 = 0;
  for (const auto& [key, count] : flows_) (key.destination.is_v4() ? v4 : v6) += count;
  const Family family = v4 >= v6 ? Family::kV4 : Family::kV6;
  const uint64_t family_total = family == Family::kV4 ? v4 : v6;
  const int bits = attribution::BitsOf(family);

  // Packets per destination of the family, in address order.
  std::map<Uint128, uint64_t> destinations;
  for (const auto& [key, count] : flows_) {
    if (key.destination.family() == family) destinations[key.destination.bits()] += count;
  }
  const uint64_t need = Needed(family_total, options_.coverage);
  Target target;
  for (int length = bits; length >= 0; --length) {
    const Uint128 mask = Mask(family, length);
    uint64_t best = 0;
    Uint128 best_prefix = 0;
    uint64_t run = 0;
    Uint128 run_prefix = 0;
    bool started = false;
    for (const auto& [address, count] : destinations) {
      const Uint128 prefix = address & mask;
      if (!started || prefix != run_prefix) {
        run = 0;
        run_prefix = prefix;
        started = true;
      }
      run += count;
      if (run > best) {  // strictly greater: the lowest prefix wins a tie
        best = run;
        best_prefix = run_prefix;
      }
    }
    if (best >= need) {
      target.prefix = *Prefix::Of(family == Family::kV4 ? IpAddress::V4(static_cast<uint32_t>(best_prefix))
                                                        : IpAddress::V6(best_prefix),
                                  length);
      target.prefix_share = static_cast<double>(best) / static_cast<double>(family_total);
      break;
    }
  }

  uint64_t in_prefix = 0;
  std::map<uint8_t, uint64_t> protocols;
  for (const auto& [key, count] : flows_) {
    if (target.prefix.Contains(key.destination)) {
      protocols[key.protocol] += count;
      in_prefix += count;
    }
  }
  uint64_t best_protocol_count = 0;
  for (const auto& [protocol, count] : protocols) {
    if (count > best_protocol_count) {
      best_protocol_count = count;
      target.protocol = protocol;
    }
  }
  target.protocol_share = static_cast<double>(best_protocol_count) / static_cast<double>(in_prefix);
  if (!HasPorts(target.protocol)) return target;

  std::map<uint16_t, uint64_t> ports;
  uint64_t with_port = 0;
  for (const auto& [key, count] : flows_) {
    if (key.protocol == target.protocol && key.port >= 0 && target.prefix.Contains(key.destination)) {
      ports[static_cast<uint16_t>(key.port)] += count;
      with_port += count;
    }
  }
  if (with_port == 0) return target;
  // Narrowest window of ports holding `port_need` packets: two pointers over the ports seen.
  const uint64_t port_need = Needed(with_port, options_.coverage);
  std::vector<std::pair<uint16_t, uint64_t>> seen(ports.begin(), ports.end());
  size_t left = 0;
  uint64_t sum = 0;
  std::optional<PortRange> best;
  uint64_t best_sum = 0;
  for (size_t right = 0; right < seen.size(); ++right) {
    sum += seen[right].second;
    while (left < right && sum - seen[left].second >= port_need) {
      sum -= seen[left].second;
      ++left;
    }
    if (sum >= port_need) {
      const PortRange candidate{seen[left].first, seen[right].first};
      if (!best || candidate.upper - candidate.lower < best->upper - best->lower) {
        best = candidate;
        best_sum = sum;
      }
    }
  }
  target.ports = best;
  target.port_share = static_cast<double>(best_sum) / static_cast<double>(with_port);
  return target;
}

CaptureSummary CaptureAccumulator::Finish() {
  summary_.target = ComputeTarget();
  std::sort(summary_.sources.begin(), summary_.sources.end(),
            [](const SourceStats& a, const SourceStats& b) { return a.address < b.address; });
  CaptureSummary out = std::move(summary_);
  summary_ = CaptureSummary();
  source_index_.clear();
  flows_.clear();
  return out;
}

namespace {

Result<CaptureSummary> ReadPcap(pcap_t* pcap, const CaptureOptions& options) {
  const int link = pcap_datalink(pcap);
  if (LinkTypeName(link).empty()) {
    const char* name = pcap_datalink_val_to_name(link);
    return Err(InvalidArgument("unsupported-link-type", "capture link type " + std::to_string(link) + " (" +
                                                            (name ? name : "unknown") +
                                                            ") is not supported"));
  }
  CaptureAccumulator accumulator(options);
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  bool truncated = false;
  std::string error;
  while (true) {
    const int rc = pcap_next_ex(pcap, &header, &data);
    if (rc == PCAP_ERROR_BREAK) break;  // end of file
    if (rc != 1) {
      truncated = true;
      error = pcap_geterr(pcap);
      break;
    }
    const int64_t time_ns = int64_t{header->ts.tv_sec} * 1000000000 + int64_t{header->ts.tv_usec};
    accumulator.Add(DecodePacket(link, std::span<const uint8_t>(data, header->caplen)), time_ns);
  }
  CaptureSummary summary = accumulator.Finish();
  summary.link_type = link;
  summary.link_name = std::string(LinkTypeName(link));
  summary.file_truncated = truncated;
  summary.read_error = std::move(error);
  return summary;
}

Status CheckOptions(const CaptureOptions& options) {
  if (!(options.coverage > 0 && options.coverage <= 1)) {
    return InvalidArgument("out-of-range", "coverage must be in (0, 1]", "/coverage");
  }
  return Status::Ok();
}

}  // namespace

Result<CaptureSummary> ReadCaptureFile(const std::string& path, const CaptureOptions& options) {
  AIIP_RETURN_IF_ERROR(CheckOptions(options));
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return Err(NotFound("cannot open capture " + path));
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  // On success pcap_close closes the FILE; on failure it is still ours.
  pcap_t* pcap = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (pcap == nullptr) {
    std::fclose(file);
    return Err(InvalidArgument("invalid-capture", path + " is not a pcap or pcapng capture: " + errbuf));
  }
  auto result = ReadPcap(pcap, options);
  pcap_close(pcap);
  return result;
}

Result<CaptureSummary> ReadCaptureBytes(std::string_view bytes, const CaptureOptions& options) {
  AIIP_RETURN_IF_ERROR(CheckOptions(options));
  if (bytes.empty()) return Err(InvalidArgument("invalid-capture", "the capture is empty"));
  std::FILE* file = fmemopen(const_cast<char*>(bytes.data()), bytes.size(), "rb");
  if (file == nullptr) return Err(Internal("fmemopen failed"));
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* pcap = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (pcap == nullptr) {
    std::fclose(file);
    return Err(InvalidArgument("invalid-capture", std::string("not a pcap or pcapng capture: ") + errbuf));
  }
  auto result = ReadPcap(pcap, options);
  pcap_close(pcap);
  return result;
}

}  // namespace aiip::capture
