#include "config/config.h"

#include <arpa/inet.h>
#include <toml++/toml.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <variant>
#include <vector>

#include "common/log.h"

#ifndef AIIP_VERSION
#error "AIIP_VERSION must be defined by the build"
#endif

namespace aiip::config {
namespace {

using Field = std::variant<std::string Config::*, int64_t Config::*, bool Config::*>;

struct Key {
  std::string_view name;
  Field field;
  int64_t min = 0;  // integers only
  int64_t max = 0;
  std::string_view metavar;  // placeholder in --help
  std::string_view help;
};

// The one list of keys: parsing, flags, environment names and printing all derive from
// it, so a key cannot be settable in one place and forgotten in another.
const std::array<Key, 32> kKeys = {{
    {"listen", &Config::listen, 0, 0, "HOST:PORT", "Address to listen on: HOST:PORT, or [IPV6]:PORT"},
    {"data_dir", &Config::data_dir, 0, 0, "DIR", "Directory for the node's files (SQLite database)"},
    {"database", &Config::database, 0, 0, "URL",
     "Database URL: empty for SQLite in data_dir, sqlite:PATH, or postgresql://..."},
    {"threads", &Config::threads, 1, 256, "N", "HTTP server threads"},
    {"max_body_bytes", &Config::max_body_bytes, 1, int64_t{1} << 30, "BYTES", "Largest request body"},
    {"max_header_bytes", &Config::max_header_bytes, 1024, int64_t{1} << 20, "BYTES",
     "Largest request line and headers"},
    {"read_timeout_s", &Config::read_timeout_s, 1, 86400, "SECONDS", "Seconds to receive a whole request"},
    {"idle_timeout_s", &Config::idle_timeout_s, 1, 86400, "SECONDS",
     "Seconds a keep-alive connection may stay idle"},
    {"write_timeout_s", &Config::write_timeout_s, 1, 86400, "SECONDS", "Seconds to write a response"},
    {"tls_cert", &Config::tls_cert, 0, 0, "FILE", "PEM certificate chain file (enables TLS)"},
    {"tls_key", &Config::tls_key, 0, 0, "FILE", "PEM private key file (with tls_cert)"},
    {"log_level", &Config::log_level, 0, 0, "LEVEL", "debug, info, warn or error"},
    {"states_file", &Config::states_file, 0, 0, "FILE", "ISO 3166-1 JSON file (Debian iso-codes)"},
    {"demo", &Config::demo, 0, 0, "", "Load demonstration data"},
    {"shutdown_grace_s", &Config::shutdown_grace_s, 0, 3600, "SECONDS",
     "Seconds to let requests finish on SIGTERM"},
    {"webhook_allow_http", &Config::webhook_allow_http, 0, 0, "",
     "Accept plain http:// webhook URLs (closed networks, tests)"},
    {"location_db", &Config::location_db, 0, 0, "FILE", "IPFire location database for attributing attack sources"},
    {"location_db_extra", &Config::location_db_extra, 0, 0, "FILES",
     "Older location databases, comma-separated (attribution as of the attack time)"},
    {"duty_desk", &Config::duty_desk, 0, 0, "NAME", "Name of the Agency organisation that is the duty desk"},
    {"mitigation_max_prefixes", &Config::mitigation_max_prefixes, 1, 1024, "N",
     "Covering source prefixes per mitigation request"},
    {"mitigation_ack_target_s", &Config::mitigation_ack_target_s, 1, 604800, "SECONDS",
     "Seconds before an unacknowledged mitigation request escalates to the next contact"},
    {"sanitiser_rules", &Config::sanitiser_rules, 0, 0, "FILE",
     "Incident sanitiser rules JSON (doc/incidents.md); empty for the engine's defaults"},
    {"statistics_k", &Config::statistics_k, 1, 1000, "N",
     "Reporting organisations a published incident statistics cell needs"},
    {"legal_ack_target_s", &Config::legal_ack_target_s, 1, 30 * 86400, "SECONDS",
     "Seconds a legal request's recipient has to acknowledge it before it escalates"},
    {"legal_urgent_ack_target_s", &Config::legal_urgent_ack_target_s, 1, 30 * 86400, "SECONDS",
     "The same for urgent legal requests"},
    {"legal_preservation_s", &Config::legal_preservation_s, 1, 3650 * 86400, "SECONDS",
     "Seconds preserved data is kept unless a follow-up is pending (at least 60 days in law)"},
    {"smtp_relay", &Config::smtp_relay, 0, 0, "URL",
     "SMTP relay for e-mail delivery of events: smtp://HOST[:PORT] or smtps://HOST[:PORT]; empty = no "
     "e-mail"},
    {"smtp_starttls", &Config::smtp_starttls, 0, 0, "", "Require STARTTLS on an smtp:// relay"},
    {"smtp_ca_file", &Config::smtp_ca_file, 0, 0, "FILE",
     "PEM CA bundle to verify the relay with (default: the system's)"},
    {"smtp_username", &Config::smtp_username, 0, 0, "NAME",
     "SMTP AUTH user name (needs TLS and smtp_password_file)"},
    {"smtp_password_file", &Config::smtp_password_file, 0, 0, "FILE", "File holding the SMTP AUTH password"},
    {"smtp_from", &Config::smtp_from, 0, 0, "ADDRESS",
     "Sender address of the node's e-mail (required with smtp_relay)"},
}};

std::string EnvName(std::string_view key) {
  std::string out = "AIIP_";
  for (char c : key) out += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return out;
}

std::string FlagName(std::string_view key) {
  std::string out = "--";
  for (char c : key) out += c == '_' ? '-' : c;
  return out;
}

Status Invalid(std::string_view key, const std::string& message, const Config& config) {
  auto it = config.sources.find(std::string(key));
  std::string source = it == config.sources.end() ? "default" : it->second;
  return InvalidArgument("invalid-config", std::string(key) + ": " + message + " (from " + source + ")",
                         "/" + std::string(key));
}

Status SetInt(Config& config, const Key& key, int64_t Config::*field, int64_t value,
              const std::string& source) {
  config.sources[std::string(key.name)] = source;
  if (value < key.min || value > key.max) {
    return Invalid(key.name,
                   "must be an integer from " + std::to_string(key.min) + " to " + std::to_string(key.max) +
                       ", got " + std::to_string(value),
                   config);
  }
  config.*field = value;
  return Status::Ok();
}

// Applies a value given as text (environment variable or flag).
Status SetFromText(Config& config, const Key& key, const std::string& text, const std::string& source) {
  if (auto* field = std::get_if<std::string Config::*>(&key.field)) {
    config.*(*field) = text;
    config.sources[std::string(key.name)] = source;
    return Status::Ok();
  }
  if (auto* field = std::get_if<int64_t Config::*>(&key.field)) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      config.sources[std::string(key.name)] = source;
      return Invalid(key.name, "must be an integer, got \"" + text + "\"", config);
    }
    return SetInt(config, key, *field, value, source);
  }
  auto field = std::get<bool Config::*>(key.field);
  config.sources[std::string(key.name)] = source;
  if (text == "true" || text == "1") {
    config.*field = true;
  } else if (text == "false" || text == "0") {
    config.*field = false;
  } else {
    return Invalid(key.name, "must be true, false, 1 or 0, got \"" + text + "\"", config);
  }
  return Status::Ok();
}

Status SetFromToml(Config& config, const Key& key, const toml::node& node, const std::string& source) {
  auto wrong_type = [&](std::string_view expected) {
    config.sources[std::string(key.name)] = source;
    return Invalid(
        key.name,
        "must be " + std::string(expected) + " (line " + std::to_string(node.source().begin.line) + ")",
        config);
  };
  if (auto* field = std::get_if<std::string Config::*>(&key.field)) {
    if (!node.is_string()) return wrong_type("a string");
    config.*(*field) = node.as_string()->get();
    config.sources[std::string(key.name)] = source;
    return Status::Ok();
  }
  if (auto* field = std::get_if<int64_t Config::*>(&key.field)) {
    if (!node.is_integer()) return wrong_type("an integer");
    return SetInt(config, key, *field, node.as_integer()->get(), source);
  }
  if (!node.is_boolean()) return wrong_type("true or false");
  config.*std::get<bool Config::*>(key.field) = node.as_boolean()->get();
  config.sources[std::string(key.name)] = source;
  return Status::Ok();
}

Status ReadFile(Config& config, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  if (!in || !std::filesystem::is_regular_file(path, ec)) {
    return InvalidArgument("unreadable-config-file", "cannot read config file " + path);
  }
  std::stringstream content;
  content << in.rdbuf();
  toml::table table;
  try {
    table = toml::parse(content.str(), path);
  } catch (const toml::parse_error& e) {
    return InvalidArgument("malformed-config-file", path + ":" + std::to_string(e.source().begin.line) + ":" +
                                                        std::to_string(e.source().begin.column) + ": " +
                                                        std::string(e.description()));
  }
  config.config_file = path;
  std::string source = "file " + path;
  for (auto&& [name, node] : table) {
    auto key = std::find_if(kKeys.begin(), kKeys.end(), [&](const Key& k) { return k.name == name.str(); });
    if (key == kKeys.end()) {
      return InvalidArgument("unknown-config-key",
                             "unknown key '" + std::string(name.str()) + "' in config file " + path +
                                 " (line " + std::to_string(node.source().begin.line) + ")",
                             "/" + std::string(name.str()));
    }
    AIIP_RETURN_IF_ERROR(SetFromToml(config, *key, node, source));
  }
  return Status::Ok();
}

bool ValidHostName(std::string_view host) {
  return !host.empty() && host.size() <= 253 && std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

Status ValidateListen(Config& config) {
  std::string_view text = config.listen;
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Invalid("listen", "must be [IPV6]:PORT, got \"" + config.listen + "\"", config);
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    in6_addr address;
    if (inet_pton(AF_INET6, std::string(host).c_str(), &address) != 1) {
      return Invalid("listen", "\"" + std::string(host) + "\" is not an IPv6 address", config);
    }
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return Invalid("listen", "must be HOST:PORT, got \"" + config.listen + "\"", config);
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return Invalid("listen", "IPv6 addresses must be in brackets, e.g. [::1]:8700", config);
    }
    if (!ValidHostName(host)) {
      return Invalid("listen", "\"" + std::string(host) + "\" is not a host name or address", config);
    }
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return Invalid("listen", "port must be from 0 to 65535, got \"" + std::string(port) + "\"", config);
  }
  config.listen_host = std::string(host);
  config.listen_port = static_cast<uint16_t>(value);
  return Status::Ok();
}

Status ValidateDatabase(const Config& config) {
  const std::string& url = config.database;
  if (url.empty()) return Status::Ok();
  if (url.starts_with("sqlite:")) {
    if (url.size() == 7) return Invalid("database", "sqlite: needs a file path", config);
    return Status::Ok();
  }
  // The value may hold a password, so errors never repeat it.
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || (parsed->scheme() != "postgresql" && parsed->scheme() != "postgres")) {
    return Invalid("database", "must be empty, sqlite:PATH or a postgresql:// URL", config);
  }
  return Status::Ok();
}

Status RequireReadableFile(const Config& config, std::string_view key, const std::string& path) {
  std::error_code ec;
  std::ifstream in(path);
  if (!in || !std::filesystem::is_regular_file(path, ec)) {
    return Invalid(key, "cannot read file " + path, config);
  }
  return Status::Ok();
}

// The e-mail keys: all of them are checked only when a relay is set, so a half-configured
// relay fails at start-up rather than at the first event.
Status ValidateSmtp(const Config& config) {
  if (config.smtp_relay.empty()) {
    const std::array<std::pair<std::string_view, const std::string*>, 4> dependent = {{
        {"smtp_username", &config.smtp_username},
        {"smtp_password_file", &config.smtp_password_file},
        {"smtp_from", &config.smtp_from},
        {"smtp_ca_file", &config.smtp_ca_file},
    }};
    for (const auto& [key, value] : dependent) {
      if (!value->empty()) return Invalid(key, "is set but smtp_relay is not", config);
    }
    return Status::Ok();
  }
  auto parsed = boost::urls::parse_absolute_uri(config.smtp_relay);
  std::string scheme = parsed ? std::string(parsed->scheme()) : "";
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (!parsed || (scheme != "smtp" && scheme != "smtps") || !parsed->has_authority() ||
      parsed->encoded_host().empty() || parsed->has_userinfo() || parsed->has_query() ||
      parsed->has_fragment() || (!parsed->encoded_path().empty() && parsed->encoded_path() != "/")) {
    return Invalid(
        "smtp_relay",
        "must be smtp://HOST[:PORT] or smtps://HOST[:PORT] without credentials, path or query, got \"" +
            config.smtp_relay + "\"",
        config);
  }
  if (config.smtp_from.empty()) {
    return Invalid("smtp_from",
                   "must be set because smtp_relay is set (from " + config.sources.at("smtp_relay") + ")",
                   config);
  }
  const size_t at = config.smtp_from.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == config.smtp_from.size() ||
      std::any_of(config.smtp_from.begin(), config.smtp_from.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; })) {
    return Invalid("smtp_from", "must be an e-mail address such as aiip@node.example.org", config);
  }
  if (!config.smtp_username.empty()) {
    if (scheme == "smtp" && !config.smtp_starttls) {
      return Invalid("smtp_username",
                     "would send the password unencrypted: use smtps:// or set smtp_starttls = true", config);
    }
    if (config.smtp_password_file.empty()) {
      return Invalid(
          "smtp_password_file",
          "must be set because smtp_username is set (from " + config.sources.at("smtp_username") + ")",
          config);
    }
  } else if (!config.smtp_password_file.empty()) {
    return Invalid("smtp_username", "must be set because smtp_password_file is set", config);
  }
  if (!config.smtp_password_file.empty()) {
    AIIP_RETURN_IF_ERROR(RequireReadableFile(config, "smtp_password_file", config.smtp_password_file));
  }
  if (!config.smtp_ca_file.empty()) {
    AIIP_RETURN_IF_ERROR(RequireReadableFile(config, "smtp_ca_file", config.smtp_ca_file));
  }
  return Status::Ok();
}

Status Validate(Config& config) {
  AIIP_RETURN_IF_ERROR(ValidateListen(config));
  if (config.data_dir.empty()) return Invalid("data_dir", "must not be empty", config);
  AIIP_RETURN_IF_ERROR(ValidateDatabase(config));
  log::Level level;
  if (!log::ParseLevel(config.log_level, level)) {
    return Invalid("log_level", "must be debug, info, warn or error, got \"" + config.log_level + "\"",
                   config);
  }
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    std::string_view missing = config.tls_cert.empty() ? "tls_cert" : "tls_key";
    std::string_view present = config.tls_cert.empty() ? "tls_key" : "tls_cert";
    return Invalid(missing,
                   "must be set because " + std::string(present) + " is set (from " +
                       config.sources.at(std::string(present)) + ")",
                   config);
  }
  if (!config.tls_cert.empty()) {
    AIIP_RETURN_IF_ERROR(RequireReadableFile(config, "tls_cert", config.tls_cert));
    AIIP_RETURN_IF_ERROR(RequireReadableFile(config, "tls_key", config.tls_key));
  }
  AIIP_RETURN_IF_ERROR(ValidateSmtp(config));
  return RequireReadableFile(config, "states_file", config.states_file);
}

// TOML basic string.
std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", static_cast<unsigned>(c));
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

std::string Config::DatabaseUrl() const {
  if (!database.empty()) return database;
  return "sqlite:" + (std::filesystem::path(data_dir) / "aiip.db").string();
}

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Result<Invocation> LoadConfig(int argc, const char* const* argv, const EnvLookup& env) {
  Invocation invocation;
  Config& config = invocation.config;
  for (const Key& key : kKeys) config.sources[std::string(key.name)] = "default";

  CLI::App app("aiipd: the AIIP registry node", "aiipd");
  app.footer(
      "Every option is also a key of the TOML file named by --config (or AIIP_CONFIG) and an\n"
      "environment variable AIIP_<KEY>, e.g. max_body_bytes / AIIP_MAX_BODY_BYTES. Flags win\n"
      "over the environment, which wins over the file. See doc/configuration.md.");
  std::string config_path;
  app.add_option("--config", config_path, "TOML configuration file")->type_name("FILE");
  constexpr size_t kCount = std::tuple_size_v<decltype(kKeys)>;
  std::array<std::string, kCount> flag_values;
  std::array<bool, kCount> flag_bools{};
  std::array<CLI::Option*, kCount> flags{};
  for (size_t i = 0; i < kKeys.size(); ++i) {
    if (std::holds_alternative<bool Config::*>(kKeys[i].field)) {
      flags[i] = app.add_flag(FlagName(kKeys[i].name), flag_bools[i], std::string(kKeys[i].help));
    } else {
      flags[i] = app.add_option(FlagName(kKeys[i].name), flag_values[i], std::string(kKeys[i].help))
                     ->type_name(std::string(kKeys[i].metavar));
    }
  }
  bool print_config = false;
  app.add_flag("--print-config", print_config, "Print the effective configuration (secrets masked) and exit");
  app.set_version_flag("--version", "aiipd " AIIP_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    invocation.action = Action::kHelp;
    invocation.text = app.help();
    return invocation;
  } catch (const CLI::CallForVersion& e) {
    invocation.action = Action::kVersion;
    invocation.text = std::string(e.what()) + "\n";
    return invocation;
  } catch (const CLI::ParseError& e) {
    return Err(InvalidArgument("invalid-flag", e.what()));
  }

  if (config_path.empty()) {
    if (auto from_env = env("AIIP_CONFIG")) config_path = *from_env;
  }
  if (!config_path.empty()) AIIP_RETURN_IF_ERROR(ReadFile(config, config_path));
  for (const Key& key : kKeys) {
    std::string name = EnvName(key.name);
    if (auto value = env(name)) AIIP_RETURN_IF_ERROR(SetFromText(config, key, *value, "env " + name));
  }
  for (size_t i = 0; i < kKeys.size(); ++i) {
    if (flags[i]->count() == 0) continue;
    std::string source = "flag " + FlagName(kKeys[i].name);
    if (auto* field = std::get_if<bool Config::*>(&kKeys[i].field)) {
      config.*(*field) = flag_bools[i];
      config.sources[std::string(kKeys[i].name)] = source;
    } else {
      AIIP_RETURN_IF_ERROR(SetFromText(config, kKeys[i], flag_values[i], source));
    }
  }
  AIIP_RETURN_IF_ERROR(Validate(config));
  if (print_config) invocation.action = Action::kPrintConfig;
  return invocation;
}

std::string MaskDatabaseUrl(const std::string& url) {
  if (url.empty() || url.starts_with("sqlite:")) return url;
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return "*****";  // cannot tell where a password would be
  boost::urls::url masked(*parsed);
  if (masked.has_password()) masked.set_password("*****");
  if (masked.params().contains("password")) masked.params().set("password", "*****");
  return std::string(masked.buffer());
}

std::string PrintConfig(const Config& config) {
  std::string out =
      "# aiipd configuration in effect (secrets masked); each comment names the value's source.\n";
  for (const Key& key : kKeys) {
    std::string name(key.name);
    std::string line = name + " = ";
    if (auto* field = std::get_if<std::string Config::*>(&key.field)) {
      const std::string& value = config.*(*field);
      line += Quote(name == "database" ? MaskDatabaseUrl(value) : value);
    } else if (auto* int_field = std::get_if<int64_t Config::*>(&key.field)) {
      line += std::to_string(config.*(*int_field));
    } else {
      line += config.*std::get<bool Config::*>(key.field) ? "true" : "false";
    }
    auto source = config.sources.find(name);
    line += "  # ";
    line += source == config.sources.end() ? "default" : source->second;
    if (name == "database" && config.database.empty()) {
      line += "; uses " + config.DatabaseUrl();
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace aiip::config
