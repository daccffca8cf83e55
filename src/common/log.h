// Structured logging: one JSON object per line on stderr, e.g.
//   {"time":"2026-11-22T13:24:00.123Z","level":"info","msg":"request","request_id":"...",...}
// Secrets (tokens, keys) must never be passed as fields. Thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

namespace aiip::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// Sets the minimum level written (default kInfo). Thread-safe.
void SetLevel(Level level);
// Parses "debug", "info", "warn", "error"; returns false on anything else.
bool ParseLevel(std::string_view text, Level& out);

// Writes one line with `msg` and the given extra fields. Thread-safe.
void Write(Level level, std::string_view msg, const boost::json::object& fields = {});

inline void Info(std::string_view msg, const boost::json::object& fields = {}) { Write(Level::kInfo, msg, fields); }
inline void Warn(std::string_view msg, const boost::json::object& fields = {}) { Write(Level::kWarn, msg, fields); }
inline void Error(std::string_view msg, const boost::json::object& fields = {}) { Write(Level::kError, msg, fields); }
inline void Debug(std::string_view msg, const boost::json::object& fields = {}) { Write(Level::kDebug, msg, fields); }

}  // namespace aiip::log
