#include "response/attribution/address.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstring>

namespace aiip::attribution {

namespace {

constexpr Uint128 kMappedPrefix = Uint128{0xffff} << 32;

// Network-order bytes to a host-order number and back.
Uint128 FromBytes(const uint8_t* bytes, int n) {
  Uint128 value = 0;
  for (int i = 0; i < n; ++i) value = (value << 8) | bytes[i];
  return value;
}

void ToBytes(Uint128 value, uint8_t* bytes, int n) {
  for (int i = n - 1; i >= 0; --i) {
    bytes[i] = static_cast<uint8_t>(value & 0xff);
    value >>= 8;
  }
}

Uint128 HostMask(Family family, int length) {
  const int host_bits = BitsOf(family) - length;
  if (host_bits <= 0) return 0;
  if (host_bits >= 128) return ~Uint128{0};
  return (Uint128{1} << host_bits) - 1;
}

Status BadPrefix(std::string detail) { return InvalidArgument("invalid-prefix", std::move(detail)); }

}  // namespace

Result<IpAddress> IpAddress::Parse(std::string_view text) {
  // INET6_ADDRSTRLEN (46) is the longest text form, with its terminating NUL.
  std::array<char, 48> buffer{};
  if (text.empty() || text.size() >= buffer.size() || text.find('\0') != std::string_view::npos) {
    return Err(
        InvalidArgument("invalid-address", "not an IPv4 or IPv6 address: '" + std::string(text) + "'"));
  }
  std::memcpy(buffer.data(), text.data(), text.size());
  std::array<uint8_t, 16> bytes{};
  if (text.find(':') == std::string_view::npos) {
    if (::inet_pton(AF_INET, buffer.data(), bytes.data()) == 1)
      return V4(static_cast<uint32_t>(FromBytes(bytes.data(), 4)));
  } else if (::inet_pton(AF_INET6, buffer.data(), bytes.data()) == 1) {
    return V6(FromBytes(bytes.data(), 16));
  }
  return Err(InvalidArgument("invalid-address", "not an IPv4 or IPv6 address: '" + std::string(text) + "'"));
}

std::optional<uint32_t> IpAddress::MappedV4() const {
  if (family_ != Family::kV6 || (bits_ >> 32) != (kMappedPrefix >> 32)) return std::nullopt;
  return static_cast<uint32_t>(bits_);
}

std::string IpAddress::ToString() const {
  std::array<uint8_t, 16> bytes{};
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (is_v4()) {
    ToBytes(bits_, bytes.data(), 4);
    ::inet_ntop(AF_INET, bytes.data(), text.data(), text.size());
  } else {
    ToBytes(bits_, bytes.data(), 16);
    ::inet_ntop(AF_INET6, bytes.data(), text.data(), text.size());
  }
  return std::string(text.data());
}

Result<Prefix> Prefix::Of(IpAddress address, int length) {
  const int bits = BitsOf(address.family());
  if (length < 0 || length > bits) {
    return Err(
        BadPrefix("prefix length " + std::to_string(length) + " is out of range 0.." + std::to_string(bits)));
  }
  if ((address.bits() & HostMask(address.family(), length)) != 0) {
    return Err(BadPrefix(address.ToString() + "/" + std::to_string(length) + " has host bits set"));
  }
  return Prefix{address, length};
}

Result<Prefix> Prefix::Parse(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return Err(BadPrefix("'" + std::string(text) + "' has no /length"));
  auto address = IpAddress::Parse(text.substr(0, slash));
  if (!address) return Err(BadPrefix(address.error().detail()));
  const std::string_view digits = text.substr(slash + 1);
  int length = -1;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
  if (digits.empty() || digits.size() > 3 || ec != std::errc() || end != digits.data() + digits.size()) {
    return Err(BadPrefix("'" + std::string(text) + "' has no valid prefix length"));
  }
  return Of(*address, length);
}

Uint128 Prefix::last() const { return address.bits() | HostMask(address.family(), length); }

bool Prefix::Contains(const IpAddress& a) const {
  return a.family() == address.family() && a.bits() >= address.bits() && a.bits() <= last();
}

std::string Prefix::ToString() const { return address.ToString() + "/" + std::to_string(length); }

}  // namespace aiip::attribution
