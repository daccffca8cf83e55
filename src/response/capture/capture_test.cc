#include "response/capture/capture.h"

#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "response/capture/decode.h"

namespace aiip::capture {
namespace {

namespace fs = std::filesystem;
using attribution::IpAddress;
using attribution::Prefix;
using Bytes = std::vector<uint8_t>;

void Put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void PutAddress(Bytes& b, const IpAddress& a) {
  const int n = a.is_v4() ? 4 : 16;
  for (int i = n - 1; i >= 0; --i) b.push_back(static_cast<uint8_t>(a.bits() >> (8 * i)));
}
IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

// A transport header: ports for TCP/UDP, type/code for ICMP, padded to `size` bytes.
Bytes Transport(uint8_t protocol, uint16_t port, size_t size = 20) {
  Bytes b;
  if (protocol == 6 || protocol == 17) {
    Put16(b, 40000);
    Put16(b, port);
  } else {
    b = {8, 0, 0, 0};
  }
  b.resize(std::max(size, b.size()), 0);
  return b;
}

struct Spec {
  IpAddress source;
  IpAddress destination;
  uint8_t protocol = 17;
  uint16_t port = 53;
  size_t payload = 20;
  bool ipv6_extensions = false;  // hop-by-hop, destination options and a first fragment
  bool ipv4_options = false;
};

Bytes IpPacket(const Spec& s) {
  Bytes l4 = Transport(s.protocol, s.port, s.payload);
  Bytes b;
  if (s.source.is_v4()) {
    const uint8_t ihl = s.ipv4_options ? 6 : 5;
    b = {static_cast<uint8_t>(0x40 | ihl), 0};
    Put16(b, static_cast<uint16_t>(ihl * 4 + l4.size()));
    b.insert(b.end(), {0, 1, 0x40, 0, 64, s.protocol, 0, 0});
    PutAddress(b, s.source);
    PutAddress(b, s.destination);
    if (s.ipv4_options) b.insert(b.end(), {1, 1, 1, 0});  // NOP, NOP, NOP, end of options
  } else {
    Bytes ext;
    uint8_t first = s.protocol;
    if (s.ipv6_extensions) {
      // hop-by-hop (8 bytes) -> destination options (16 bytes) -> fragment (offset 0) -> l4
      ext = {60, 0, 1, 4, 0, 0, 0, 0, 44,         1, 1, 12, 0, 0, 0, 0,
             0,  0, 0, 0, 0, 0, 0, 0, s.protocol, 0, 0, 1,  0, 0, 0, 7};
      first = 0;
    }
    b = {0x60, 0, 0, 0};
    Put16(b, static_cast<uint16_t>(ext.size() + l4.size()));
    b.push_back(first);
    b.push_back(64);
    PutAddress(b, s.source);
    PutAddress(b, s.destination);
    b.insert(b.end(), ext.begin(), ext.end());
  }
  b.insert(b.end(), l4.begin(), l4.end());
  return b;
}

uint16_t EtherTypeOf(const Spec& s) { return s.source.is_v4() ? 0x0800 : 0x86dd; }

Bytes Frame(int link, const Spec& s, int vlans = 0) {
  const Bytes ip = IpPacket(s);
  Bytes b;
  switch (link) {
    case kLinkEthernet:
      b = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
      for (int i = 0; i < vlans; ++i) {
        Put16(b, i == 0 && vlans > 1 ? 0x88a8 : 0x8100);
        Put16(b, static_cast<uint16_t>(100 + i));
      }
      Put16(b, EtherTypeOf(s));
      break;
    case kLinkLinuxSll:
      b = {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 2, 0, 0};
      Put16(b, EtherTypeOf(s));
      break;
    case kLinkLinuxSll2:
      Put16(b, EtherTypeOf(s));
      b.insert(b.end(), {0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 2, 0, 0, 0, 0, 2, 0, 0});
      break;
    default:  // raw
      break;
  }
  b.insert(b.end(), ip.begin(), ip.end());
  if (link == kLinkEthernet && b.size() < 60) b.resize(60, 0);  // Ethernet minimum frame
  return b;
}

struct Record {
  int64_t time_ns;
  Bytes bytes;
};

fs::path TempPath(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("capture_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

// Writes `records` with libpcap's own writer (nanosecond timestamps).
void WritePcap(const fs::path& path, int link, const std::vector<Record>& records, uint32_t snaplen = 65535) {
  pcap_t* dead =
      pcap_open_dead_with_tstamp_precision(link, static_cast<int>(snaplen), PCAP_TSTAMP_PRECISION_NANO);
  ASSERT_NE(dead, nullptr);
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  ASSERT_NE(dumper, nullptr) << pcap_geterr(dead);
  for (const Record& r : records) {
    pcap_pkthdr header{};
    header.ts.tv_sec = r.time_ns / 1000000000;
    header.ts.tv_usec = r.time_ns % 1000000000;
    header.len = static_cast<uint32_t>(r.bytes.size());
    header.caplen = std::min<uint32_t>(header.len, snaplen);
    pcap_dump(reinterpret_cast<u_char*>(dumper), &header, r.bytes.data());
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
}

constexpr int64_t kT0 = 1767225600LL * 1000000000;  // 2026-01-01T00:00:00Z

// The attack used by several tests: 5 sources in three IPv4 networks and 2 in one IPv6
// network, 95 % of the packets UDP to 203.0.113.10 port 53.
std::vector<Spec> AttackPackets() {
  std::vector<Spec> specs;
  const char* v4[] = {"192.0.2.1", "192.0.2.2", "198.51.100.7", "100.64.3.4", "100.64.3.5"};
  const char* v6[] = {"2001:db8:1::1", "2001:db8:2::1"};
  for (int i = 0; i < 100; ++i) {
    Spec s;
    s.source = Ip(v4[i % 5]);
    s.destination = Ip("203.0.113.10");
    s.payload = 20 + static_cast<size_t>(i % 3) * 100;
    if (i % 20 == 7) s.destination = Ip("203.0.113.11");
    if (i % 20 == 13) {
      s.protocol = 6;
      s.port = 443;
    }
    specs.push_back(s);
  }
  for (int i = 0; i < 10; ++i) {
    Spec s;
    s.source = Ip(v6[i % 2]);
    s.destination = Ip("2001:db8:ffff::10");
    s.protocol = i % 2 ? 58 : 17;
    s.ipv6_extensions = i % 3 == 0;
    specs.push_back(s);
  }
  return specs;
}

std::vector<Record> Records(int link, const std::vector<Spec>& specs, int vlans = 0) {
  std::vector<Record> records;
  int64_t t = kT0;
  for (const Spec& s : specs) {
    records.push_back({t, Frame(link, s, vlans)});
    t += 1000;  // one microsecond apart
  }
  return records;
}

TEST(Decode, Ipv4OverEthernetWithTwoVlanTags) {
  Spec s{Ip("192.0.2.1"), Ip("203.0.113.10"), 6, 80, 20, false, true};
  const Bytes frame = Frame(kLinkEthernet, s, 2);
  const Decoded d = DecodePacket(kLinkEthernet, frame);
  ASSERT_EQ(d.verdict, Verdict::kIp) << d.reason;
  EXPECT_EQ(d.packet.source, s.source);
  EXPECT_EQ(d.packet.destination, s.destination);
  EXPECT_EQ(d.packet.protocol, 6);
  EXPECT_EQ(d.packet.destination_port, 80);
  EXPECT_EQ(d.packet.ip_bytes, 24u + 20u);
}

TEST(Decode, Ipv6ExtensionHeadersOnEveryLinkType) {
  Spec s{Ip("2001:db8::1"), Ip("2001:db8::2"), 17, 123, 20, true, false};
  for (int link : {kLinkEthernet, kLinkLinuxSll, kLinkLinuxSll2, kLinkRaw, kLinkIpv6}) {
    const Decoded d = DecodePacket(link, Frame(link, s));
    ASSERT_EQ(d.verdict, Verdict::kIp) << link << " " << d.reason;
    EXPECT_EQ(d.packet.protocol, 17);
    EXPECT_EQ(d.packet.destination_port, 123) << link;
    EXPECT_FALSE(d.packet.fragment);
  }
}

TEST(Decode, NonFirstFragmentsHaveNoPort) {
  Spec s{Ip("2001:db8::1"), Ip("2001:db8::2"), 17, 123, 20, true, false};
  Bytes ip = IpPacket(s);
  ip[40 + 8 + 16 + 3] = 0x08;  // fragment offset 1 (in 8-byte units)
  Decoded d = DecodePacket(kLinkRaw, ip);
  ASSERT_EQ(d.verdict, Verdict::kIp);
  EXPECT_TRUE(d.packet.fragment);
  EXPECT_EQ(d.packet.protocol, 17);
  EXPECT_FALSE(d.packet.destination_port.has_value());

  Bytes v4 = IpPacket(Spec{Ip("192.0.2.1"), Ip("192.0.2.2"), 17, 53});
  v4[6] = 0x20;  // more fragments, offset 0: the first fragment keeps its ports
  EXPECT_EQ(DecodePacket(kLinkRaw, v4).packet.destination_port, 53);
  v4[7] = 0x10;  // offset 16
  d = DecodePacket(kLinkRaw, v4);
  EXPECT_TRUE(d.packet.fragment);
  EXPECT_FALSE(d.packet.destination_port.has_value());
}

TEST(Decode, ShortAndInconsistentFrames) {
  const Bytes good = Frame(kLinkEthernet, Spec{Ip("192.0.2.1"), Ip("192.0.2.2"), 17, 53});
  EXPECT_EQ(DecodePacket(kLinkEthernet, std::span(good).first(10)).verdict, Verdict::kTruncated);
  EXPECT_EQ(DecodePacket(kLinkEthernet, std::span(good).first(14 + 19)).verdict, Verdict::kTruncated);
  // Cut inside the UDP header by the snap length: the source still counts, the port is unknown.
  const Decoded cut = DecodePacket(kLinkEthernet, std::span(good).first(14 + 20 + 3));
  ASSERT_EQ(cut.verdict, Verdict::kIp);
  EXPECT_TRUE(cut.packet.transport_truncated);
  EXPECT_FALSE(cut.packet.destination_port.has_value());
  EXPECT_EQ(cut.packet.ip_bytes, 40u);  // from the header, not the capture

  Bytes bad = good;
  bad[14] = 0x43;  // header length 12 bytes
  EXPECT_EQ(DecodePacket(kLinkEthernet, bad).verdict, Verdict::kMalformed);
  bad = good;
  bad[14 + 3] = 10;  // total length shorter than the header
  EXPECT_EQ(DecodePacket(kLinkEthernet, bad).verdict, Verdict::kMalformed);
  bad = good;
  bad[14] = 0x55;  // IPv5 under the IPv4 ethertype
  EXPECT_EQ(DecodePacket(kLinkEthernet, bad).verdict, Verdict::kMalformed);
  Bytes arp = good;
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_EQ(DecodePacket(kLinkEthernet, arp).verdict, Verdict::kNotIp);
  EXPECT_EQ(DecodePacket(105, good).verdict, Verdict::kUnsupportedLink);
  // Padding after the IP packet (Ethernet minimum size) is not read as transport.
  EXPECT_EQ(DecodePacket(kLinkEthernet, good).packet.ip_bytes, 40u);
}

TEST(Capture, SourcesAndDominantTargetFromEthernetCapture) {
  std::vector<Record> records = Records(kLinkEthernet, AttackPackets(), 1);
  // Noise: an ARP frame, a frame cut inside the IP header, an IPv4 header of 12 bytes.
  Bytes arp = records[0].bytes;
  arp[16] = 0x08;
  arp[17] = 0x06;
  records.push_back({kT0 + 500000000, arp});
  records.push_back({kT0 + 500000001, Bytes(records[1].bytes.begin(), records[1].bytes.begin() + 30)});
  Bytes bad = records[2].bytes;
  bad[18] = 0x43;
  records.push_back({kT0 + 500000002, bad});
  const fs::path path = TempPath("ethernet.pcap");
  WritePcap(path, kLinkEthernet, records);

  auto summary = ReadCaptureFile(path.string());
  ASSERT_TRUE(summary.has_value()) << summary.error().ToString();
  EXPECT_EQ(summary->link_name, "ethernet");
  EXPECT_EQ(summary->counts.frames, 113u);
  EXPECT_EQ(summary->counts.ip, 110u);
  EXPECT_EQ(summary->counts.not_ip, 1u);
  EXPECT_EQ(summary->counts.truncated, 1u);
  EXPECT_EQ(summary->counts.malformed, 1u);
  EXPECT_FALSE(summary->file_truncated);

  ASSERT_EQ(summary->sources.size(), 7u);
  const SourceStats& first = summary->sources[0];
  EXPECT_EQ(first.address, Ip("100.64.3.4"));
  EXPECT_EQ(first.packets, 20u);
  // Packets i = 3, 8, ..., 98: a 20-byte IPv4 header and 20 + (i % 3) * 100 transport bytes.
  uint64_t bytes = 0;
  for (int i = 3; i < 100; i += 5) bytes += 20 + 20 + static_cast<uint64_t>(i % 3) * 100;
  EXPECT_EQ(first.bytes, bytes);
  EXPECT_EQ(first.first_ns, kT0 + 3 * 1000);
  EXPECT_EQ(first.last_ns, kT0 + 98 * 1000);
  EXPECT_EQ(summary->sources[5].address, Ip("2001:db8:1::1"));
  EXPECT_EQ(summary->sources[5].packets, 5u);
  EXPECT_EQ(summary->first_ns, kT0);
  EXPECT_EQ(summary->last_ns, kT0 + 109 * 1000);

  ASSERT_TRUE(summary->target.has_value());
  const Target& t = *summary->target;
  EXPECT_EQ(t.prefix.ToString(), "203.0.113.10/32");
  EXPECT_DOUBLE_EQ(t.prefix_share, 0.95);
  EXPECT_EQ(t.protocol, 17);
  ASSERT_TRUE(t.ports.has_value());
  EXPECT_EQ(*t.ports, (PortRange{53, 53}));
  EXPECT_DOUBLE_EQ(t.port_share, 1.0);
  fs::remove(path);
}

TEST(Capture, EveryLinkTypeGivesTheSameSummary) {
  auto reference = ReadCaptureBytes([] {
    const fs::path path = TempPath("ref.pcap");
    WritePcap(path, kLinkEthernet, Records(kLinkEthernet, AttackPackets()));
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }());
  ASSERT_TRUE(reference.has_value()) << reference.error().ToString();
  for (int link : {kLinkLinuxSll, kLinkLinuxSll2, kLinkRaw}) {
    const fs::path path = TempPath("link" + std::to_string(link) + ".pcap");
    WritePcap(path, link, Records(link, AttackPackets()));
    auto summary = ReadCaptureFile(path.string());
    ASSERT_TRUE(summary.has_value()) << summary.error().ToString();
    EXPECT_EQ(summary->counts.ip, reference->counts.ip) << link;
    ASSERT_EQ(summary->sources.size(), reference->sources.size());
    for (size_t i = 0; i < summary->sources.size(); ++i) {
      EXPECT_EQ(summary->sources[i].address, reference->sources[i].address);
      EXPECT_EQ(summary->sources[i].packets, reference->sources[i].packets);
      EXPECT_EQ(summary->sources[i].bytes, reference->sources[i].bytes) << link;
    }
    EXPECT_EQ(summary->target->prefix, reference->target->prefix);
    EXPECT_EQ(summary->target->ports, reference->target->ports);
  }
}

TEST(Capture, SpreadTargetGivesCoveringPrefixAndPortRange) {
  std::vector<Spec> specs;
  for (int i = 0; i < 200; ++i) {
    Spec s;
    s.source = IpAddress::V6(Ip("2001:db8:aa::").bits() + static_cast<unsigned>(i));
    s.destination = IpAddress::V6(Ip("2001:db8:bb::").bits() + static_cast<unsigned>(i % 16));
    s.protocol = 6;
    s.port = static_cast<uint16_t>(1000 + (i * 7) % 100);  // 1000..1099
    if (i % 10 == 0) s.port = 22;                          // 10 % of the packets outside the range
    specs.push_back(s);
  }
  specs.push_back(Spec{Ip("192.0.2.9"), Ip("192.0.2.200"), 17, 53});
  const fs::path path = TempPath("spread.pcap");
  WritePcap(path, kLinkRaw, Records(kLinkRaw, specs));
  auto summary = ReadCaptureFile(path.string());
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->sources.size(), 201u);
  const Target& t = *summary->target;
  // 16 destinations with equal shares: no prefix longer than the /124 holding all 16
  // reaches 90 % of the packets.
  EXPECT_EQ(t.prefix.ToString(), "2001:db8:bb::/124");
  EXPECT_DOUBLE_EQ(t.prefix_share, 1.0);
  EXPECT_EQ(t.protocol, 6);
  ASSERT_TRUE(t.ports.has_value());
  EXPECT_GE(t.port_share, 0.9);
  // The port-22 packets stay outside: the range lies within 1000..1099.
  EXPECT_GE(t.ports->lower, 1000);
  EXPECT_LE(t.ports->upper, 1099);
  fs::remove(path);
}

TEST(Capture, TruncatedFileKeepsWhatCameBefore) {
  const fs::path path = TempPath("cut.pcap");
  WritePcap(path, kLinkEthernet, Records(kLinkEthernet, AttackPackets()));
  fs::resize_file(path, fs::file_size(path) - 10);
  auto summary = ReadCaptureFile(path.string());
  ASSERT_TRUE(summary.has_value()) << summary.error().ToString();
  EXPECT_TRUE(summary->file_truncated);
  EXPECT_FALSE(summary->read_error.empty());
  EXPECT_EQ(summary->counts.ip, 109u);
  fs::remove(path);
}

TEST(Capture, Errors) {
  const fs::path path = TempPath("wifi.pcap");
  WritePcap(path, 105, {});
  auto wifi = ReadCaptureFile(path.string());
  ASSERT_FALSE(wifi.has_value());
  EXPECT_EQ(wifi.error().type(), "unsupported-link-type");
  EXPECT_NE(wifi.error().detail().find("105"), std::string::npos);

  auto text = ReadCaptureBytes("this is not a capture file at all");
  ASSERT_FALSE(text.has_value());
  EXPECT_EQ(text.error().type(), "invalid-capture");
  EXPECT_EQ(ReadCaptureFile(TempPath("missing.pcap").string()).error().code(), Code::kNotFound);
  EXPECT_EQ(ReadCaptureBytes("x", CaptureOptions{0}).error().field(), "/coverage");
  fs::remove_all(path.parent_path());
}

}  // namespace
}  // namespace aiip::capture
