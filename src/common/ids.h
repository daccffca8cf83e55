// Object identifiers: opaque strings with a type prefix, e.g. "org_01jd8x3k5q9w7e2r4t6y8u0i1p".
// The part after the prefix is a ULID in lower-case Crockford base32: 48 bits of
// millisecond time followed by 80 random bits, so ids sort roughly by creation time.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/random.h"

namespace aiip {

// Returns "<prefix>_<ulid>". `prefix` is lower-case letters only. Thread-safe if `random` is.
std::string NewId(std::string_view prefix, const Clock& clock, Random& random);

// True if `id` is "<prefix>_" followed by 26 Crockford base32 characters.
bool HasIdShape(std::string_view id, std::string_view prefix);

}  // namespace aiip
