// Internal: addresses and networks of both families as one ordered key (family, address bits
// from the top of 128, prefix length). IPv4 occupies the top 32 bits, so masking is uniform.
#pragma once

#include <compare>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace aiip::incidents::correlation {

struct IpKey {
  uint8_t family = 4;  // 4 or 6
  uint64_t hi = 0;
  uint64_t lo = 0;
  uint8_t length = 32;  // prefix length; 32 (v4) or 128 (v6) for an address

  uint8_t MaxLength() const { return family == 4 ? 32 : 128; }
  bool IsAddress() const { return length == MaxLength(); }
  friend auto operator<=>(const IpKey&, const IpKey&) = default;
};

// The key with only its first `length` bits kept.
IpKey Masked(const IpKey& key, uint8_t length);
// The last address of the key's network (host bits set), with the key's length.
IpKey LastOf(const IpKey& key);
// True iff `inner`'s network lies within `outer`'s (same family, longer or equal prefix).
bool Within(const IpKey& inner, const IpKey& outer);

// Parses "address" or "address/length" of `family` (4 or 6); host bits are cleared. The error
// is a sentence for the user.
std::expected<IpKey, std::string> ParseIpKey(std::string_view text, int family);
// "192.0.2.0/24", "2001:db8::/32", or the bare address for a full-length key (RFC 5952 for v6).
std::string FormatIpKey(const IpKey& key);

}  // namespace aiip::incidents::correlation
