// Fuzz target for the stored form of an attack case's sources (src/responsenet/
// source_codec.h): EncodeSources packs every uploaded batch, and DecodeSources reads the
// blobs back from the database each time a case is regrouped, so a corrupt or hostile
// blob must fail cleanly and within bounded memory.
//
// Invariants (a violation aborts):
//  - DecodeSources of any bytes either fails with DataLoss or yields at most the bound of
//    addresses, IPv4 before IPv6, each family strictly increasing;
//  - round trip: a decoded list encodes to a blob that decodes to the same list;
//  - addresses built from the input (a family byte, then 4 or 16 bytes each) encode to a
//    blob that decodes to exactly their sorted, distinct set;
//  - Inflate(Deflate(input)) is the input; Inflate never returns more than its bound.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/check.h"
#include "responsenet/source_codec.h"

namespace {

using aiip::attribution::IpAddress;
using aiip::attribution::Uint128;

constexpr size_t kMaxAddresses = 1 << 16;

bool Canonical(const std::vector<IpAddress>& list) {
  for (size_t i = 1; i < list.size(); ++i) {
    if (list[i - 1].is_v4() != list[i].is_v4()) {
      if (!list[i - 1].is_v4()) return false;  // IPv6 before IPv4
    } else if (!(list[i - 1] < list[i])) {
      return false;
    }
  }
  return true;
}

// Addresses read from the input: byte b selects IPv4 (even) or IPv6 (odd); then 4 or 16
// bytes. A short tail is ignored.
std::vector<IpAddress> AddressesOf(std::string_view in) {
  std::vector<IpAddress> out;
  while (!in.empty()) {
    const bool v4 = (static_cast<uint8_t>(in.front()) & 1) == 0;
    in.remove_prefix(1);
    const size_t width = v4 ? 4 : 16;
    if (in.size() < width) break;
    Uint128 bits = 0;
    for (size_t i = 0; i < width; ++i) bits = (bits << 8) | static_cast<uint8_t>(in[i]);
    in.remove_prefix(width);
    out.push_back(v4 ? IpAddress::V4(static_cast<uint32_t>(bits)) : IpAddress::V6(bits));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace rn = aiip::responsenet;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto decoded = rn::DecodeSources(input, kMaxAddresses);
  if (decoded) {
    AIIP_FUZZ_CHECK(decoded->size() <= kMaxAddresses, "more addresses than the bound");
    AIIP_FUZZ_CHECK(Canonical(*decoded), "decoded addresses are not IPv4 then IPv6, strictly increasing");
    auto again = rn::DecodeSources(rn::EncodeSources(*decoded), kMaxAddresses);
    AIIP_FUZZ_CHECK(again.has_value() && *again == *decoded, "decoded list does not survive Encode/Decode");
  } else {
    AIIP_FUZZ_CHECK(decoded.error().code() == aiip::Code::kDataLoss, "decode failure is not DataLoss");
  }

  std::vector<IpAddress> built = AddressesOf(input);
  auto round = rn::DecodeSources(rn::EncodeSources(built), kMaxAddresses);
  std::vector<IpAddress> expected = built;
  std::sort(expected.begin(), expected.end(), [](const IpAddress& a, const IpAddress& b) {
    if (a.is_v4() != b.is_v4()) return a.is_v4();
    return a < b;
  });
  expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
  AIIP_FUZZ_CHECK(round.has_value() && *round == expected, "built addresses do not survive Encode/Decode");

  auto inflated = rn::Inflate(rn::Deflate(input), size);
  AIIP_FUZZ_CHECK(inflated.has_value() && *inflated == input, "Inflate(Deflate(x)) is not x");
  const size_t bound = size / 2;
  auto bounded = rn::Inflate(input, bound);
  AIIP_FUZZ_CHECK(!bounded || bounded->size() <= bound, "Inflate returned more than its bound");
  return 0;
}
