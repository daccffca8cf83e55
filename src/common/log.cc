#include "common/log.h"

#include <atomic>
#include <boost/json/serialize.hpp>
#include <unistd.h>

#include <cerrno>
#include <mutex>

#include "common/time.h"

namespace aiip::log {
namespace {
std::atomic<Level> g_level{Level::kInfo};
std::mutex g_mu;

std::string_view Name(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}
}  // namespace

void SetLevel(Level level) { g_level = level; }

bool ParseLevel(std::string_view text, Level& out) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (Name(l) == text) {
      out = l;
      return true;
    }
  }
  return false;
}

void Write(Level level, std::string_view msg, const boost::json::object& fields) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  // Build the line once, without a second JSON object, and hand it to the kernel in one
  // write(2): access logs are written for every request.
  std::string line;
  line.reserve(160);
  line += "{\"time\":\"";
  line += FormatRfc3339(SystemClock().Now());
  line += "\",\"level\":\"";
  line += Name(level);
  line += "\",\"msg\":";
  line += boost::json::serialize(boost::json::string_view(msg.data(), msg.size()));
  for (const auto& [key, value] : fields) {
    line += ',';
    line += boost::json::serialize(boost::json::string_view(key.data(), key.size()));
    line += ':';
    line += boost::json::serialize(value);
  }
  line += "}\n";
  std::lock_guard lock(g_mu);
  const char* data = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, data, left);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return;  // nowhere to report a failing log
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace aiip::log
