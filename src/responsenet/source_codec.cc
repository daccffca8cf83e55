#include "responsenet/source_codec.h"

#include <zlib.h>

#include <algorithm>
#include <cassert>
#include <cstdint>

namespace aiip::responsenet {

using attribution::IpAddress;
using attribution::Uint128;

namespace {

constexpr std::string_view kMagic = "AIIPSRC1";
// Bounds what a blob may claim, so a corrupt header cannot ask for huge allocations.
constexpr uint64_t kMaxAddresses = uint64_t{1} << 32;

void PutVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

bool GetVarint(std::string_view& in, uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    const auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    value |= uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

Status Corrupt(std::string_view what) { return DataLoss("corrupt source blob: " + std::string(what)); }

}  // namespace

std::string Deflate(std::string_view text) {
  uLongf size = compressBound(text.size());
  std::string out(size, '\0');
  const int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                           reinterpret_cast<const Bytef*>(text.data()), text.size(), 6);
  assert(rc == Z_OK);
  (void)rc;
  out.resize(size);
  return out;
}

Result<std::string> Inflate(std::string_view blob, size_t max_bytes) {
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) return Err(Internal("zlib inflateInit failed"));
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(blob.data()));
  stream.avail_in = static_cast<uInt>(blob.size());
  std::string out;
  char buffer[1 << 16];
  int rc = Z_OK;
  while (rc == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof(buffer) - stream.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&stream);
      return Err(DataLoss("compressed blob inflates beyond " + std::to_string(max_bytes) + " bytes"));
    }
    if (rc == Z_BUF_ERROR && stream.avail_in == 0) break;
  }
  inflateEnd(&stream);
  if (rc != Z_STREAM_END) return Err(DataLoss("compressed blob: not a complete zlib stream"));
  return out;
}

std::string EncodeSources(std::span<const IpAddress> sources) {
  std::vector<uint32_t> v4;
  std::vector<Uint128> v6;
  for (const IpAddress& a : sources) {
    if (a.is_v4()) {
      v4.push_back(a.v4());
    } else {
      v6.push_back(a.v6());
    }
  }
  std::sort(v4.begin(), v4.end());
  v4.erase(std::unique(v4.begin(), v4.end()), v4.end());
  std::sort(v6.begin(), v6.end());
  v6.erase(std::unique(v6.begin(), v6.end()), v6.end());

  std::string packed(kMagic);
  PutVarint(packed, v4.size());
  PutVarint(packed, v6.size());
  uint32_t previous = 0;
  for (uint32_t a : v4) {
    PutVarint(packed, a - previous);
    previous = a;
  }
  for (Uint128 a : v6) {
    for (int i = 15; i >= 0; --i) packed.push_back(static_cast<char>(static_cast<uint8_t>(a >> (8 * i))));
  }

  return Deflate(packed);
}

Result<std::vector<IpAddress>> DecodeSources(std::string_view blob, size_t max_addresses) {
  // Read in place: moving the string out of the Result trips GCC 12's -Wmaybe-uninitialized
  // at -O3 (a false positive that breaks the release build).
  const Result<std::string> inflated = Inflate(blob, kMagic.size() + 20 + 16 * max_addresses);
  if (!inflated) return Err(inflated.error());
  std::string_view in(*inflated);
  if (!in.starts_with(kMagic)) return Err(Corrupt("bad magic"));
  in.remove_prefix(kMagic.size());
  uint64_t n4 = 0;
  uint64_t n6 = 0;
  if (!GetVarint(in, n4) || !GetVarint(in, n6) || n4 > kMaxAddresses || n6 > kMaxAddresses) {
    return Err(Corrupt("bad counts"));
  }
  if (n4 + n6 > max_addresses)
    return Err(Corrupt("more than " + std::to_string(max_addresses) + " addresses"));
  if (n6 * 16 > in.size() || n4 > in.size()) return Err(Corrupt("counts exceed the data"));
  std::vector<IpAddress> out;
  out.reserve(n4 + n6);
  uint64_t current = 0;
  for (uint64_t i = 0; i < n4; ++i) {
    uint64_t delta = 0;
    if (!GetVarint(in, delta)) return Err(Corrupt("truncated IPv4 list"));
    current += delta;
    if (current > UINT32_MAX || (i > 0 && delta == 0))
      return Err(Corrupt("IPv4 list not strictly increasing"));
    out.push_back(IpAddress::V4(static_cast<uint32_t>(current)));
  }
  if (in.size() != n6 * 16) return Err(Corrupt("IPv6 list has the wrong length"));
  for (uint64_t i = 0; i < n6; ++i) {
    Uint128 a = 0;
    for (int b = 0; b < 16; ++b) a = (a << 8) | static_cast<uint8_t>(in[i * 16 + b]);
    out.push_back(IpAddress::V6(a));
  }
  return out;
}

}  // namespace aiip::responsenet
