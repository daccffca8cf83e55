// Decoding one captured frame down to what an attack case needs: source and destination
// address, transport protocol and destination port, and the IP packet's length.
//
// Link layers (libpcap DLT_ values): Ethernet (with any number of 802.1Q/802.1ad VLAN tags
// up to 8), Linux cooked capture v1 (SLL) and v2 (SLL2), raw IP (DLT_RAW, and the
// LINKTYPE_IPV4/IPV6 types), BSD loopback (DLT_NULL, DLT_LOOP). Network layer: IPv4 (with
// options) and IPv6 with its extension headers (hop-by-hop, routing, fragment, destination
// options, AH, mobility, HIP, shim6). Transport: the destination port of TCP, UDP,
// UDP-Lite and SCTP; ICMP and others have none.
//
// Pure and thread-safe: the decoder reads only the bytes it is given and never allocates.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "response/attribution/address.h"

namespace aiip::capture {

// The link types DecodePacket understands (values of pcap_datalink()).
inline constexpr int kLinkNull = 0;         // DLT_NULL: 4-byte address family, host order
inline constexpr int kLinkEthernet = 1;     // DLT_EN10MB
inline constexpr int kLinkRaw = 12;         // DLT_RAW on Linux (LINKTYPE_RAW 101 in files)
inline constexpr int kLinkRawBsd = 14;      // DLT_RAW on OpenBSD
inline constexpr int kLinkRawFile = 101;    // LINKTYPE_RAW, if a reader does not map it
inline constexpr int kLinkLoop = 108;       // DLT_LOOP: 4-byte address family, network order
inline constexpr int kLinkLinuxSll = 113;   // DLT_LINUX_SLL
inline constexpr int kLinkIpv4 = 228;       // DLT_IPV4
inline constexpr int kLinkIpv6 = 229;       // DLT_IPV6
inline constexpr int kLinkLinuxSll2 = 276;  // DLT_LINUX_SLL2

// The name of a supported link type ("ethernet", "linux-sll", ...) or "" if unsupported.
std::string_view LinkTypeName(int link_type);

enum class Verdict : uint8_t {
  kIp,               // an IPv4 or IPv6 packet: `packet` is filled in
  kNotIp,            // a well-formed frame carrying something else (ARP, LLDP, ...)
  kUnsupportedLink,  // the link type is not one listed above
  kTruncated,        // the capture holds too few bytes for the link or IP header
  kMalformed,        // a header contradicts itself (bad version, lengths, loops)
};

// "ip", "not-ip", "unsupported-link", "truncated", "malformed".
std::string_view VerdictName(Verdict verdict);

struct Packet {
  attribution::IpAddress source;
  attribution::IpAddress destination;
  // The transport protocol (IP protocol number) after IPv6 extension headers; when the
  // capture ends inside an extension header, the number of that header.
  uint8_t protocol = 0;
  std::optional<uint16_t> destination_port;  // TCP, UDP, UDP-Lite, SCTP, first fragments
  // The IP packet's length by its own header (IPv4 total length, IPv6 40 + payload length;
  // what was captured when the header says 0, as for TSO or jumbograms).
  uint32_t ip_bytes = 0;
  bool fragment = false;             // a non-first fragment: no transport header
  bool transport_truncated = false;  // the transport header (or an extension header) is cut
};

struct Decoded {
  Verdict verdict = Verdict::kMalformed;
  Packet packet;            // meaningful when verdict == kIp
  std::string_view reason;  // for kTruncated/kMalformed: which header, a static string
};

// Decodes one frame of `link_type` from its captured bytes.
Decoded DecodePacket(int link_type, std::span<const uint8_t> frame);

}  // namespace aiip::capture
