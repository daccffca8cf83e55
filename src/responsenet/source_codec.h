// The stored form of an attack case's source addresses: one compressed blob per uploaded
// batch instead of one row per address, so a case with millions of sources costs a few
// megabytes and a single insert.
//
// Packed form (before deflate): "AIIPSRC1", the IPv4 count and the IPv6 count as LEB128
// varints, the sorted distinct IPv4 addresses as varint deltas (the first from 0), then
// the sorted distinct IPv6 addresses as 16 big-endian bytes each. The whole is deflated
// with zlib (RFC 1950). Sorted deltas of dense attack sources compress several-fold.
// Pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "response/attribution/address.h"

namespace aiip::responsenet {

// Packs and deflates `sources` (any order; duplicates dropped; IPv4-mapped IPv6 kept as
// IPv6). Never fails for valid input (zlib running out of memory aborts).
std::string EncodeSources(std::span<const attribution::IpAddress> sources);

// `text` deflated with zlib (RFC 1950), and back. Inflate errors: DataLoss naming the
// problem; `max_bytes` bounds the inflated size.
std::string Deflate(std::string_view text);
Result<std::string> Inflate(std::string_view blob, size_t max_bytes = size_t{1} << 32);

// The addresses of a blob EncodeSources wrote, sorted (IPv4 first). Errors: DataLoss for
// anything else — Inflate's errors, including a blob that inflates beyond what
// `max_addresses` addresses take (which bounds the memory a corrupt blob can claim), and
// "corrupt source blob ..." for a bad header, more than `max_addresses` addresses, or a
// list that is not strictly increasing or has the wrong length.
Result<std::vector<attribution::IpAddress>> DecodeSources(std::string_view blob,
                                                          size_t max_addresses = size_t{1} << 28);

}  // namespace aiip::responsenet
