#include "response/capture/decode.h"

namespace aiip::capture {

using attribution::IpAddress;
using attribution::Uint128;

namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinQ = 0x88a8;
constexpr uint16_t kEtherQinQOld = 0x9100;
constexpr int kMaxVlanTags = 8;
constexpr int kMaxExtensionHeaders = 16;

uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t Be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
uint32_t Le32(const uint8_t* p) {
  return (uint32_t{p[3]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[1]} << 8) | uint32_t{p[0]};
}
Uint128 Be128(const uint8_t* p) {
  Uint128 v = 0;
  for (int i = 0; i < 16; ++i) v = (v << 8) | p[i];
  return v;
}

Decoded Fail(Verdict verdict, std::string_view reason) {
  Decoded d;
  d.verdict = verdict;
  d.reason = reason;
  return d;
}

bool HasPorts(uint8_t protocol) {
  return protocol == 6 || protocol == 17 || protocol == 132 || protocol == 136;
}

void Transport(std::span<const uint8_t> l4, Packet& packet) {
  if (!HasPorts(packet.protocol)) return;
  if (l4.size() < 4) {
    packet.transport_truncated = true;
    return;
  }
  packet.destination_port = Be16(l4.data() + 2);
}

Decoded Ipv4(std::span<const uint8_t> b) {
  if (b.size() < 20) return Fail(Verdict::kTruncated, "ipv4 header");
  if ((b[0] >> 4) != 4) return Fail(Verdict::kMalformed, "ipv4 version");
  const size_t header = size_t{b[0] & 0x0fu} * 4;
  if (header < 20) return Fail(Verdict::kMalformed, "ipv4 header length");
  if (b.size() < header) return Fail(Verdict::kTruncated, "ipv4 options");
  const uint16_t total = Be16(b.data() + 2);
  if (total != 0 && total < header) return Fail(Verdict::kMalformed, "ipv4 total length");
  Decoded d;
  d.verdict = Verdict::kIp;
  Packet& p = d.packet;
  p.source = IpAddress::V4(Be32(b.data() + 12));
  p.destination = IpAddress::V4(Be32(b.data() + 16));
  p.protocol = b[9];
  p.ip_bytes = total != 0 ? total : static_cast<uint32_t>(b.size());
  const uint16_t fragment_offset = Be16(b.data() + 6) & 0x1fff;
  if (fragment_offset != 0) {
    p.fragment = true;
    return d;
  }
  // Bytes past the IP total length are link padding, not transport.
  size_t end = b.size();
  if (total != 0 && total < end) end = total;
  Transport(b.subspan(header, end - header), p);
  return d;
}

Decoded Ipv6(std::span<const uint8_t> b) {
  if (b.size() < 40) return Fail(Verdict::kTruncated, "ipv6 header");
  if ((b[0] >> 4) != 6) return Fail(Verdict::kMalformed, "ipv6 version");
  const uint16_t payload = Be16(b.data() + 4);
  Decoded d;
  d.verdict = Verdict::kIp;
  Packet& p = d.packet;
  p.source = IpAddress::V6(Be128(b.data() + 8));
  p.destination = IpAddress::V6(Be128(b.data() + 24));
  p.ip_bytes = payload != 0 ? 40u + payload : static_cast<uint32_t>(b.size());
  size_t end = b.size();
  if (payload != 0 && 40u + payload < end) end = 40u + payload;
  uint8_t next = b[6];
  size_t offset = 40;
  for (int i = 0;; ++i) {
    if (i > kMaxExtensionHeaders) return Fail(Verdict::kMalformed, "ipv6 extension header chain");
    size_t length = 0;
    switch (next) {
      case 0:    // hop-by-hop options
      case 43:   // routing
      case 60:   // destination options
      case 135:  // mobility
      case 139:  // HIP
      case 140:  // shim6
        if (end < offset + 2) {
          p.protocol = next;
          p.transport_truncated = true;
          return d;
        }
        length = (size_t{b[offset + 1]} + 1) * 8;
        break;
      case 44:  // fragment
        if (end < offset + 8) {
          p.protocol = next;
          p.transport_truncated = true;
          return d;
        }
        if ((Be16(b.data() + offset + 2) >> 3) != 0) {
          p.protocol = b[offset];
          p.fragment = true;
          return d;
        }
        length = 8;
        break;
      case 51:  // authentication header
        if (end < offset + 2) {
          p.protocol = next;
          p.transport_truncated = true;
          return d;
        }
        length = (size_t{b[offset + 1]} + 2) * 4;
        break;
      default:
        p.protocol = next;
        Transport(b.subspan(offset, end - offset), p);
        return d;
    }
    if (end < offset + length) {
      p.protocol = next;
      p.transport_truncated = true;
      return d;
    }
    next = b[offset];
    offset += length;
  }
}

Decoded Ip(std::span<const uint8_t> b) {
  if (b.empty()) return Fail(Verdict::kTruncated, "ip header");
  switch (b[0] >> 4) {
    case 4:
      return Ipv4(b);
    case 6:
      return Ipv6(b);
    default:
      return Fail(Verdict::kMalformed, "ip version");
  }
}

// An Ethernet type, after any VLAN tags, at the start of `b` (the type field itself).
Decoded EtherType(std::span<const uint8_t> b) {
  for (int tags = 0;; ++tags) {
    if (b.size() < 2) return Fail(Verdict::kTruncated, "ethernet type");
    const uint16_t type = Be16(b.data());
    if (type == kEtherVlan || type == kEtherQinQ || type == kEtherQinQOld) {
      if (tags >= kMaxVlanTags) return Fail(Verdict::kMalformed, "vlan tag stack");
      if (b.size() < 6) return Fail(Verdict::kTruncated, "vlan tag");
      b = b.subspan(4);  // TCI (2 bytes), then the next type field
      continue;
    }
    if (type == kEtherIpv4) return Ipv4(b.subspan(2));
    if (type == kEtherIpv6) return Ipv6(b.subspan(2));
    Decoded d;
    d.verdict = Verdict::kNotIp;
    return d;
  }
}

Decoded Loopback(std::span<const uint8_t> b, bool network_order) {
  if (b.size() < 4) return Fail(Verdict::kTruncated, "loopback header");
  uint32_t family = network_order ? Be32(b.data()) : Le32(b.data());
  if (!network_order && family > 0xffff) family = Be32(b.data());  // written on a big-endian host
  const auto rest = b.subspan(4);
  switch (family) {
    case 2:  // AF_INET everywhere
      return Ipv4(rest);
    case 10:  // AF_INET6 on Linux
    case 24:  // NetBSD, OpenBSD
    case 28:  // FreeBSD
    case 30:  // macOS
      return Ipv6(rest);
    default: {
      Decoded d;
      d.verdict = Verdict::kNotIp;
      return d;
    }
  }
}

}  // namespace

std::string_view LinkTypeName(int link_type) {
  switch (link_type) {
    case kLinkNull:
      return "null";
    case kLinkEthernet:
      return "ethernet";
    case kLinkRaw:
    case kLinkRawBsd:
    case kLinkRawFile:
      return "raw";
    case kLinkLoop:
      return "loop";
    case kLinkLinuxSll:
      return "linux-sll";
    case kLinkIpv4:
      return "ipv4";
    case kLinkIpv6:
      return "ipv6";
    case kLinkLinuxSll2:
      return "linux-sll2";
    default:
      return "";
  }
}

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kIp:
      return "ip";
    case Verdict::kNotIp:
      return "not-ip";
    case Verdict::kUnsupportedLink:
      return "unsupported-link";
    case Verdict::kTruncated:
      return "truncated";
    case Verdict::kMalformed:
      return "malformed";
  }
  return "unknown";
}

Decoded DecodePacket(int link_type, std::span<const uint8_t> frame) {
  switch (link_type) {
    case kLinkEthernet:
      if (frame.size() < 14) return Fail(Verdict::kTruncated, "ethernet header");
      // A type/length field of 1500 or less is an 802.3 length (LLC), not IP.
      if (Be16(frame.data() + 12) <= 1500) {
        Decoded d;
        d.verdict = Verdict::kNotIp;
        return d;
      }
      return EtherType(frame.subspan(12));
    case kLinkLinuxSll:
      if (frame.size() < 16) return Fail(Verdict::kTruncated, "linux sll header");
      return EtherType(frame.subspan(14));
    case kLinkLinuxSll2: {
      if (frame.size() < 20) return Fail(Verdict::kTruncated, "linux sll2 header");
      const uint16_t type = Be16(frame.data());
      if (type == kEtherIpv4) return Ipv4(frame.subspan(20));
      if (type == kEtherIpv6) return Ipv6(frame.subspan(20));
      if (type == kEtherVlan || type == kEtherQinQ || type == kEtherQinQOld) {
        // The payload starts with the tag's TCI; the inner type follows it.
        if (frame.size() < 24) return Fail(Verdict::kTruncated, "vlan tag");
        return EtherType(frame.subspan(22));
      }
      Decoded d;
      d.verdict = Verdict::kNotIp;
      return d;
    }
    case kLinkRaw:
    case kLinkRawBsd:
    case kLinkRawFile:
      return Ip(frame);
    case kLinkIpv4:
      return Ipv4(frame);
    case kLinkIpv6:
      return Ipv6(frame);
    case kLinkNull:
      return Loopback(frame, false);
    case kLinkLoop:
      return Loopback(frame, true);
    default:
      return Fail(Verdict::kUnsupportedLink, "link type");
  }
}

}  // namespace aiip::capture
