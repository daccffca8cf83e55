#include "aiip/settings.h"

#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace aiip::cli {

namespace {

namespace fs = std::filesystem;

Status BadConfig(const std::string& path, const std::string& why) {
  return InvalidArgument("invalid-config", "config file " + path + ": " + why);
}

// Reads a whole file; nullopt when it cannot be opened.
std::optional<std::string> Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return content.str();
}

// The string-valued keys of the config file, by key.
using ConfigValues = std::map<std::string, std::string, std::less<>>;

Result<ConfigValues> ReadConfig(const std::string& path) {
  std::optional<std::string> text = Slurp(path);
  if (!text) return Err(BadConfig(path, "cannot be read"));
  toml::table table;
  try {
    table = toml::parse(*text, path);
  } catch (const toml::parse_error& e) {
    return Err(BadConfig(
        path, "line " + std::to_string(e.source().begin.line) + ": " + std::string(e.description())));
  }
  ConfigValues values;
  for (const auto& [key, node] : table) {
    if (key != "server" && key != "token_file" && key != "ca_file") {
      return Err(BadConfig(
          path, "unknown key \"" + std::string(key.str()) + "\" (known: server, token_file, ca_file)"));
    }
    std::optional<std::string> value = node.value<std::string>();
    if (!node.is_string() || !value) {
      return Err(BadConfig(path, "key \"" + std::string(key.str()) + "\" must be a string"));
    }
    values.emplace(std::string(key.str()), std::move(*value));
  }
  return values;
}

// "~/x" -> "$HOME/x"; relative paths are taken relative to the config file's folder so that
// the file means the same whatever the current directory is.
std::string ConfigRelativePath(const std::string& value, const std::string& config_path,
                               const EnvLookup& env) {
  if (value.starts_with("~/")) {
    if (std::optional<std::string> home = env("HOME")) return *home + value.substr(1);
  }
  fs::path path(value);
  if (path.is_absolute()) return value;
  return (fs::path(config_path).parent_path() / path).string();
}

}  // namespace

std::string DefaultConfigPath(const EnvLookup& env) {
  if (std::optional<std::string> xdg = env("XDG_CONFIG_HOME"); xdg && !xdg->empty()) {
    return *xdg + "/aiip/config.toml";
  }
  if (std::optional<std::string> home = env("HOME"); home && !home->empty()) {
    return *home + "/.config/aiip/config.toml";
  }
  return {};
}

Result<std::string> ReadTokenFile(const std::string& path) {
  std::optional<std::string> text = Slurp(path);
  if (!text) return Err(InvalidArgument("invalid-token-file", "cannot read token file " + path));
  const auto first = text->find_first_not_of(" \t\r\n");
  if (first == std::string::npos) {
    return Err(InvalidArgument("invalid-token-file", "token file " + path + " is empty"));
  }
  const auto last = text->find_last_not_of(" \t\r\n");
  std::string token = text->substr(first, last - first + 1);
  if (token.find_first_of(" \t\r\n") != std::string::npos) {
    return Err(InvalidArgument("invalid-token-file", "token file " + path + " must hold one token"));
  }
  return token;
}

Result<Settings> ResolveSettings(const SettingsFlags& flags, const EnvLookup& env) {
  ConfigValues config;
  std::string config_path = flags.config_file.value_or(DefaultConfigPath(env));
  std::error_code ec;
  if (flags.config_file || (!config_path.empty() && fs::exists(config_path, ec))) {
    AIIP_ASSIGN_OR_RETURN(config, ReadConfig(config_path));
  }
  auto from_config = [&](std::string_view key) -> std::optional<std::string> {
    auto it = config.find(key);
    return it == config.end() ? std::nullopt : std::optional<std::string>(it->second);
  };

  Settings settings;
  if (flags.server) {
    settings.server = *flags.server;
  } else if (std::optional<std::string> server = env("AIIP_SERVER"); server && !server->empty()) {
    settings.server = *server;
  } else {
    settings.server = from_config("server").value_or(std::string(kDefaultServer));
  }

  if (flags.token_file) {
    AIIP_ASSIGN_OR_RETURN(settings.token, ReadTokenFile(*flags.token_file));
  } else if (std::optional<std::string> token = env("AIIP_TOKEN"); token && !token->empty()) {
    settings.token = *token;
  } else if (std::optional<std::string> file = from_config("token_file")) {
    AIIP_ASSIGN_OR_RETURN(settings.token, ReadTokenFile(ConfigRelativePath(*file, config_path, env)));
  }

  if (flags.ca_file) {
    settings.ca_file = *flags.ca_file;
  } else if (std::optional<std::string> ca = from_config("ca_file")) {
    settings.ca_file = ConfigRelativePath(*ca, config_path, env);
  }
  return settings;
}

}  // namespace aiip::cli
