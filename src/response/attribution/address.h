// IP addresses and prefixes as the attribution engine sees them: an IPv4 address is a
// 32-bit number, an IPv6 address a 128-bit number, both in host order so that prefix
// arithmetic is shifting and masking. Text is parsed and written with inet_pton/inet_ntop,
// so the forms are those of the C library (RFC 5952 for IPv6 output). An IPv4-mapped IPv6
// address (::ffff:a.b.c.d) stays an IPv6 address here; the lookup, not the parser, decides
// that it is answered as the IPv4 address it maps (as libloc does).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace aiip::attribution {

__extension__ typedef unsigned __int128 Uint128;

enum class Family : uint8_t { kV4 = 4, kV6 = 6 };

// Number of bits in an address of `family`: 32 or 128.
constexpr int BitsOf(Family family) { return family == Family::kV4 ? 32 : 128; }

class IpAddress {
 public:
  // 0.0.0.0.
  IpAddress() = default;
  static IpAddress V4(uint32_t bits) { return IpAddress(Family::kV4, bits); }
  static IpAddress V6(Uint128 bits) { return IpAddress(Family::kV6, bits); }

  // Parses dotted-quad IPv4 or any RFC 4291 IPv6 text form (no zone, no brackets, no
  // surrounding space). Returns InvalidArgument("invalid-address") otherwise.
  static Result<IpAddress> Parse(std::string_view text);

  Family family() const { return family_; }
  bool is_v4() const { return family_ == Family::kV4; }
  // The address as a number: only the low 32 bits for IPv4.
  Uint128 bits() const { return bits_; }
  uint32_t v4() const { return static_cast<uint32_t>(bits_); }
  Uint128 v6() const { return bits_; }
  // The IPv4 address an IPv4-mapped IPv6 address (::ffff:0:0/96) stands for, else nullopt.
  std::optional<uint32_t> MappedV4() const;

  // "192.0.2.1" or "2001:db8::1" (inet_ntop).
  std::string ToString() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
  friend std::strong_ordering operator<=>(const IpAddress& a, const IpAddress& b) {
    if (a.family_ != b.family_) return a.family_ <=> b.family_;
    return a.bits_ == b.bits_
               ? std::strong_ordering::equal
               : (a.bits_ < b.bits_ ? std::strong_ordering::less : std::strong_ordering::greater);
  }

 private:
  IpAddress(Family family, Uint128 bits) : bits_(bits), family_(family) {}
  Uint128 bits_ = 0;
  Family family_ = Family::kV4;
};

// A network: the first address and the prefix length (0..32 for IPv4, 0..128 for IPv6).
struct Prefix {
  IpAddress address;
  int length = 0;

  // Parses "address/length". Host bits must be zero. Returns
  // InvalidArgument("invalid-prefix") naming the problem.
  static Result<Prefix> Parse(std::string_view text);
  // Builds a prefix, or InvalidArgument("invalid-prefix") if `length` is out of range for
  // the family or `address` has host bits set.
  static Result<Prefix> Of(IpAddress address, int length);

  // The last address inside the prefix, as a number.
  Uint128 last() const;
  bool Contains(const IpAddress& a) const;
  // "192.0.2.0/24".
  std::string ToString() const;

  friend bool operator==(const Prefix&, const Prefix&) = default;
};

}  // namespace aiip::attribution
