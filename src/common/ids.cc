#include "common/ids.h"

#include <array>
#include <cstdint>

namespace aiip {
namespace {
constexpr char kCrockford[] = "0123456789abcdefghjkmnpqrstvwxyz";
}

std::string NewId(std::string_view prefix, const Clock& clock, Random& random) {
  std::array<uint8_t, 16> bytes{};
  uint64_t ms = static_cast<uint64_t>(clock.Now().time_since_epoch().count());
  for (int i = 0; i < 6; ++i) bytes[5 - i] = static_cast<uint8_t>(ms >> (8 * i) & 0xff);
  random.Fill(std::span(bytes).subspan(6));
  // 128 bits -> 26 base32 characters (the first carries only 3 bits).
  std::string out(prefix);
  out += '_';
  // Read 5 bits at a time from the 130-bit big-endian number 00||bytes.
  for (int i = 0; i < 26; ++i) {
    unsigned value = 0;
    for (int bit = 0; bit < 5; ++bit) {
      int pos = i * 5 + bit - 2;  // the two leading padding bits are zero
      unsigned b = pos < 0 ? 0u : (bytes[static_cast<size_t>(pos / 8)] >> (7 - pos % 8)) & 1u;
      value = value << 1 | b;
    }
    out += kCrockford[value];
  }
  return out;
}

bool HasIdShape(std::string_view id, std::string_view prefix) {
  if (id.size() != prefix.size() + 1 + 26) return false;
  if (id.substr(0, prefix.size()) != prefix || id[prefix.size()] != '_') return false;
  for (char c : id.substr(prefix.size() + 1)) {
    if (std::string_view(kCrockford).find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace aiip
