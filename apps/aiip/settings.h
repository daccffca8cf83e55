// Settings: where the `aiip` command line talks to and as whom.
//
// Each setting comes from the first source that provides it, most specific first:
//   server:  --server URL, then $AIIP_SERVER, then `server` in the config file, then
//            http://127.0.0.1:8700;
//   token:   --token-file FILE, then $AIIP_TOKEN, then the file named by `token_file` in the
//            config file (relative paths are relative to the config file's folder);
//   CA file: --ca-file FILE, then `ca_file` in the config file (default: system store).
// The config file is TOML, by default $XDG_CONFIG_HOME/aiip/config.toml or
// ~/.config/aiip/config.toml; a missing default file is fine, a missing file named with
// --config is an error, and unknown keys are errors (a misspelt key would otherwise be
// silently ignored and the CLI would talk to the wrong node). Environment access is
// injected so tests do not depend on the caller's environment.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace aiip::cli {

inline constexpr std::string_view kDefaultServer = "http://127.0.0.1:8700";

// Returns the value of environment variable `name`, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// What the command line said; unset options are nullopt.
struct SettingsFlags {
  std::optional<std::string> server;
  std::optional<std::string> token_file;
  std::optional<std::string> ca_file;
  std::optional<std::string> config_file;
};

struct Settings {
  std::string server;
  std::string token;    // empty: requests are sent without credentials
  std::string ca_file;  // empty: the system trust store
};

// Combines flags, environment and config file as described above. Errors (all
// kInvalidArgument): "invalid-config" for an unreadable or malformed config file or an
// unknown key, "invalid-token-file" for an unreadable or empty token file.
Result<Settings> ResolveSettings(const SettingsFlags& flags, const EnvLookup& env);

// The config file used when --config is not given, or empty if neither XDG_CONFIG_HOME nor
// HOME is set.
std::string DefaultConfigPath(const EnvLookup& env);

// Reads a token file: its content with surrounding whitespace removed, which must be
// non-empty and a single line. Returns InvalidArgument("invalid-token-file") otherwise.
Result<std::string> ReadTokenFile(const std::string& path);

}  // namespace aiip::cli
