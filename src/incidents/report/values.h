// Validation and canonical forms of the values an incident report carries: IP addresses and
// networks, DNS names, e-mail addresses, URLs and hex digests. The report parser, the STIX
// reader and the sanitiser all go through these, so a value means the same to each of them.
//
// Every function returns InvalidArgument("invalid-value") with a detail saying what is
// wrong and no field (callers add the JSON Pointer). All are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "incidents/report/model.h"

namespace aiip::incidents {

// One address: dotted-quad IPv4 (no leading zeros) or RFC 4291 IPv6 text (embedded IPv4
// allowed, no zone index). Returns a /32 or /128 network.
Result<IpNetwork> ParseIpAddress(std::string_view text);

// An address or "address/prefix". Bits past the prefix are cleared, so "10.1.2.3/8" reads as
// 10.0.0.0/8 (the canonical form a reader can compare).
Result<IpNetwork> ParseIpNetwork(std::string_view text);

// The text of `network`: the address alone for a /32 or /128, else "address/prefix". IPv6
// follows RFC 5952 (lower case, longest zero run compressed).
std::string FormatIpNetwork(const IpNetwork& network);

// Whether every address of `inner` is in `outer` (same family only).
bool Contains(const IpNetwork& outer, const IpNetwork& inner);
// Whether `a` and `b` share at least one address (same family only).
bool Overlaps(const IpNetwork& a, const IpNetwork& b);

// An ASCII DNS name of at least two labels, e.g. "mail.example.org": labels of 1-63 letters,
// digits, '-' or '_' (not starting or ending with '-'), at most 253 bytes, a last label that
// is not all digits. One trailing dot is dropped; the result is lower case. Non-ASCII names
// are refused: AIIP does no IDNA mapping, so give the A-label ("xn--...").
Result<std::string> CanonicalDomain(std::string_view text);

// An addr-spec "local@domain" (RFC 5322 §3.4.1): a dot-atom local part of at most 64 bytes
// (quoted local parts are refused) and a domain as CanonicalDomain accepts, or an address
// literal "[192.0.2.1]" / "[IPv6:2001:db8::1]". The domain is lower-cased; the local part is
// kept as given (it is case-sensitive).
Result<std::string> CanonicalEmail(std::string_view text);

// A URL (an RFC 3986 URI with a scheme and a host, parsed by Boost.URL) of at most 4096
// bytes. The scheme and authority are normalised (lower case, percent-encodings), the rest
// is kept.
Result<std::string> CanonicalUrl(std::string_view text);

// Exactly `hex_digits` hex digits, returned in lower case.
Result<std::string> CanonicalHex(std::string_view text, size_t hex_digits);

// The canonical value of an indicator of `type` (one of the above, or a STIX pattern whose
// syntax is checked against the STIX 2.1 grammar and kept verbatim).
Result<std::string> CanonicalIndicatorValue(IndicatorType type, std::string_view text);

}  // namespace aiip::incidents
