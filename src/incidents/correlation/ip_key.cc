#include "incidents/correlation/ip_key.h"

#include <arpa/inet.h>

#include <cstring>

namespace aiip::incidents::correlation {
namespace {

uint64_t TopMask(unsigned bits) {
  return bits == 0 ? 0 : (bits >= 64 ? ~uint64_t{0} : ~uint64_t{0} << (64 - bits));
}

}  // namespace

IpKey Masked(const IpKey& key, uint8_t length) {
  IpKey out = key;
  out.length = length;
  out.hi &= TopMask(length);
  out.lo &= TopMask(length > 64 ? length - 64u : 0u);
  return out;
}

IpKey LastOf(const IpKey& key) {
  IpKey out = key;
  out.hi |= ~TopMask(key.length);
  out.lo |= ~TopMask(key.length > 64 ? key.length - 64u : 0u);
  if (key.family == 4) {
    out.hi &= TopMask(32);
    out.lo = 0;
  }
  return out;
}

bool Within(const IpKey& inner, const IpKey& outer) {
  return inner.family == outer.family && inner.length >= outer.length && Masked(inner, outer.length) == outer;
}

std::expected<IpKey, std::string> ParseIpKey(std::string_view text, int family) {
  const std::string_view name = family == 4 ? "IPv4" : "IPv6";
  const uint8_t max_length = family == 4 ? 32 : 128;
  std::string_view address = text;
  uint8_t length = max_length;
  if (const size_t slash = text.find('/'); slash != std::string_view::npos) {
    address = text.substr(0, slash);
    const std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) {
      return std::unexpected("the prefix length of an " + std::string(name) + " network is a decimal number");
    }
    unsigned value = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') {
        return std::unexpected("the prefix length of an " + std::string(name) +
                               " network is a decimal number");
      }
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > max_length) {
      return std::unexpected("the prefix length of an " + std::string(name) + " network is at most " +
                             std::to_string(max_length));
    }
    length = static_cast<uint8_t>(value);
  }
  const std::string copy(address);  // inet_pton needs a terminated string
  IpKey key;
  key.family = static_cast<uint8_t>(family);
  if (family == 4) {
    in_addr a{};
    if (copy.size() > 15 || inet_pton(AF_INET, copy.c_str(), &a) != 1) {
      return std::unexpected("not an IPv4 address in dotted-decimal form");
    }
    key.hi = static_cast<uint64_t>(ntohl(a.s_addr)) << 32;
  } else {
    in6_addr a{};
    if (copy.size() > 45 || inet_pton(AF_INET6, copy.c_str(), &a) != 1) {
      return std::unexpected("not an IPv6 address (RFC 4291 text form)");
    }
    for (int i = 0; i < 8; ++i) key.hi = (key.hi << 8) | a.s6_addr[i];
    for (int i = 8; i < 16; ++i) key.lo = (key.lo << 8) | a.s6_addr[i];
  }
  return Masked(key, length);
}

std::string FormatIpKey(const IpKey& key) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (key.family == 4) {
    in_addr a{};
    a.s_addr = htonl(static_cast<uint32_t>(key.hi >> 32));
    inet_ntop(AF_INET, &a, buffer, sizeof buffer);
  } else {
    in6_addr a{};
    for (int i = 0; i < 8; ++i) a.s6_addr[i] = static_cast<uint8_t>(key.hi >> (56 - 8 * i));
    for (int i = 0; i < 8; ++i) a.s6_addr[8 + i] = static_cast<uint8_t>(key.lo >> (56 - 8 * i));
    inet_ntop(AF_INET6, &a, buffer, sizeof buffer);
  }
  std::string out(buffer);
  if (!key.IsAddress()) out += "/" + std::to_string(key.length);
  return out;
}

}  // namespace aiip::incidents::correlation
