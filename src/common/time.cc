#include "common/time.h"

#include <charconv>
#include <fmt/format.h>

namespace aiip {

std::string FormatRfc3339(SystemTime t) {
  using namespace std::chrono;
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss<milliseconds> hms{t - day};
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hms.hours().count(),
                     hms.minutes().count(), hms.seconds().count(), hms.subseconds().count());
}

namespace {
bool ReadInt(std::string_view s, size_t pos, size_t len, int& out) {
  if (pos + len > s.size()) return false;
  for (size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  auto res = std::from_chars(s.data() + pos, s.data() + pos + len, out);
  return res.ec == std::errc();
}
}  // namespace

Result<SystemTime> ParseRfc3339(std::string_view s) {
  using namespace std::chrono;
  auto bad = [&](std::string why) {
    return Err(InvalidArgument("invalid-timestamp",
                               "'" + std::string(s.substr(0, 64)) + "' is not an RFC 3339 date-time: " + why));
  };
  int y, mo, d, h, mi, sec;
  if (s.size() < 20 || !ReadInt(s, 0, 4, y) || s[4] != '-' || !ReadInt(s, 5, 2, mo) || s[7] != '-' ||
      !ReadInt(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !ReadInt(s, 11, 2, h) || s[13] != ':' ||
      !ReadInt(s, 14, 2, mi) || s[16] != ':' || !ReadInt(s, 17, 2, sec)) {
    return bad("expected YYYY-MM-DDTHH:MM:SS followed by Z or an offset");
  }
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return bad("no such calendar date");
  if (h > 23 || mi > 59 || sec > 60) return bad("time of day out of range");
  if (sec == 60) sec = 59;  // leap second: clamp, as most systems do
  size_t pos = 19;
  int64_t millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) millis = millis * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (pos == start) return bad("empty fraction of a second");
    for (int i = digits; i < 3; ++i) millis *= 10;
  }
  int offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!ReadInt(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !ReadInt(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return bad("malformed UTC offset");
    }
    offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad("missing Z or UTC offset");
  }
  if (pos != s.size()) return bad("trailing characters");
  SystemTime t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + milliseconds{millis} -
                 minutes{offset_minutes};
  // An offset can carry a time at either end of the calendar past the four-digit years
  // ("9999-12-31T23:59:59-10:00"); FormatRfc3339 could not write it back.
  if (t < sys_days{year{0} / 1 / 1} || t >= sys_days{year{10000} / 1 / 1}) {
    return bad("outside the years 0000-9999 once converted to UTC");
  }
  return t;
}

}  // namespace aiip
