// Fuzz target for aiip::capture (src/response/capture/): the per-packet decoder that reads
// attacker-controlled frames from uploaded captures, and the capture reader over libpcap.
//
// The first input byte picks the link type (from the supported ones plus one unsupported),
// the rest is one frame. Then the whole input is also read as a capture file.
//
// Invariants (a violation aborts):
//  - the decoder never reads past the frame (ASan) and always gives one verdict; an IP
//    verdict has both addresses of one family, a port only for TCP/UDP/UDP-Lite/SCTP and
//    never for a non-first fragment, and an IP length of at least the fixed header;
//  - decoding is deterministic;
//  - a capture read either fails with a named problem or counts every frame exactly once
//    (ip + not-ip + truncated + malformed + unsupported == frames), the per-source packet
//    counts add up to the IP packets, sources are sorted and unique, and a target exists
//    exactly when there is an IP packet, with shares in (0, 1].
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "fuzz/check.h"
#include "response/capture/capture.h"
#include "response/capture/decode.h"

namespace {

using aiip::capture::Decoded;
using aiip::capture::Verdict;

constexpr int kLinks[] = {
    aiip::capture::kLinkEthernet, aiip::capture::kLinkLinuxSll, aiip::capture::kLinkLinuxSll2,
    aiip::capture::kLinkRaw,      aiip::capture::kLinkIpv4,     aiip::capture::kLinkIpv6,
    aiip::capture::kLinkNull,     aiip::capture::kLinkLoop,     105};

void CheckDecoded(const Decoded& d) {
  if (d.verdict != Verdict::kIp) {
    AIIP_FUZZ_CHECK(
        d.verdict == Verdict::kNotIp || !d.reason.empty() || d.verdict == Verdict::kUnsupportedLink,
        "a failure without a reason");
    return;
  }
  const auto& p = d.packet;
  AIIP_FUZZ_CHECK(p.source.family() == p.destination.family(), "addresses of two families");
  AIIP_FUZZ_CHECK(p.ip_bytes >= (p.source.is_v4() ? 20u : 40u), "IP length below the fixed header");
  const bool ported = p.protocol == 6 || p.protocol == 17 || p.protocol == 132 || p.protocol == 136;
  AIIP_FUZZ_CHECK(!p.destination_port || ported, "a port for a protocol without ports");
  AIIP_FUZZ_CHECK(!p.destination_port || !p.fragment, "a port for a non-first fragment");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int link = kLinks[data[0] % std::size(kLinks)];
  const std::span<const uint8_t> frame(data + 1, size - 1);
  const Decoded d = aiip::capture::DecodePacket(link, frame);
  CheckDecoded(d);
  const Decoded again = aiip::capture::DecodePacket(link, frame);
  AIIP_FUZZ_CHECK(again.verdict == d.verdict && again.packet.source == d.packet.source &&
                      again.packet.destination_port == d.packet.destination_port,
                  "decoding is not deterministic");

  auto summary = aiip::capture::ReadCaptureBytes(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!summary) {
    AIIP_FUZZ_CHECK(!summary.error().type().empty() && !summary.error().detail().empty(),
                    "an unnamed failure");
    return 0;
  }
  const auto& c = summary->counts;
  AIIP_FUZZ_CHECK(c.ip + c.not_ip + c.truncated + c.malformed + c.unsupported_link == c.frames,
                  "a frame counted twice or never");
  uint64_t packets = 0;
  for (size_t i = 0; i < summary->sources.size(); ++i) {
    packets += summary->sources[i].packets;
    AIIP_FUZZ_CHECK(summary->sources[i].first_ns <= summary->sources[i].last_ns, "first after last");
    if (i > 0)
      AIIP_FUZZ_CHECK(summary->sources[i - 1].address < summary->sources[i].address, "sources unsorted");
  }
  AIIP_FUZZ_CHECK(packets == c.ip, "per-source packets do not add up");
  AIIP_FUZZ_CHECK(summary->target.has_value() == (c.ip > 0),
                  "target without packets or packets without target");
  if (summary->target) {
    const auto& t = *summary->target;
    AIIP_FUZZ_CHECK(t.prefix_share > 0 && t.prefix_share <= 1, "prefix share out of range");
    AIIP_FUZZ_CHECK(t.protocol_share > 0 && t.protocol_share <= 1, "protocol share out of range");
    AIIP_FUZZ_CHECK(!t.ports || (t.ports->lower <= t.ports->upper && t.port_share > 0 && t.port_share <= 1),
                    "bad port range");
  }
  return 0;
}
