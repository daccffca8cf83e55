// RFC 3339 timestamps. AIIP writes every time as UTC with millisecond precision and a
// trailing "Z" ("2026-11-22T13:24:00.123Z"), which sorts lexically in time order.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace aiip {

// Formats `t` as "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string FormatRfc3339(SystemTime t);

// Parses an RFC 3339 date-time (any offset, optional fraction; fractions below a
// millisecond are truncated), whose UTC time falls in the years 0000-9999 that
// FormatRfc3339 can write. Returns InvalidArgument("invalid-timestamp") on failure.
Result<SystemTime> ParseRfc3339(std::string_view text);

}  // namespace aiip
