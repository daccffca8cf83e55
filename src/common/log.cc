#include "common/log.h"

#include <atomic>
#include <boost/json/serialize.hpp>
#include <cstdio>
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
  boost::json::object line;
  line["time"] = FormatRfc3339(SystemClock().Now());
  line["level"] = Name(level);
  line["msg"] = msg;
  for (const auto& [k, v] : fields) line[k] = v;
  std::string text = boost::json::serialize(line);
  text += '\n';
  std::lock_guard lock(g_mu);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace aiip::log
