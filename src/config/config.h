// Config: the settings of aiipd and where each one came from.
//
// Every setting is a *key* (e.g. "max_body_bytes") with a default, and may be set, in
// increasing order of precedence, in a TOML file (top-level `key = value`; the file is
// named by --config or by the AIIP_CONFIG environment variable), in an environment
// variable AIIP_<KEY> (e.g. AIIP_MAX_BODY_BYTES), or by a command-line flag --<key> with
// "_" spelt "-" (e.g. --max-body-bytes). The Config struct mirrors the keys one to one;
// doc/configuration.md documents each of them.
//
// LoadConfig validates everything before aiipd touches the network or the disk: unknown
// keys, wrong types, out-of-range numbers, malformed addresses and URLs, unreadable
// files. Its errors name the key and the source that supplied the bad value ("file
// /etc/aiip/aiipd.toml", "env AIIP_THREADS", "flag --threads"), so an operator can fix
// the right place. PrintConfig renders the effective settings back as TOML with secrets
// masked. Nothing here keeps global state; everything is thread-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "common/status.h"

namespace aiip::config {

struct Config {
  std::string listen = "127.0.0.1:8700";  // HOST:PORT; IPv6 as [ADDR]:PORT
  std::string data_dir = "var/aiip";
  // "" = SQLite at <data_dir>/aiip.db; else "sqlite:PATH" or a postgres(ql):// URL.
  // May hold a password: print it only through PrintConfig / MaskDatabaseUrl.
  std::string database;
  int64_t threads = 4;
  int64_t max_body_bytes = 32 << 20;  // SBOMs of large applications exceed 1 MiB
  int64_t max_header_bytes = 16 << 10;
  int64_t read_timeout_s = 30;
  int64_t idle_timeout_s = 60;
  int64_t write_timeout_s = 30;
  std::string tls_cert;            // PEM certificate chain; set together with tls_key
  std::string tls_key;             // PEM private key
  std::string log_level = "info";  // debug, info, warn or error
  std::string states_file = "/usr/share/iso-codes/json/iso_3166-1.json";
  bool demo = false;  // load demonstration data
  int64_t shutdown_grace_s = 10;
  bool webhook_allow_http = false;  // accept http:// webhook URLs
  // The response network (doc/response.md).
  std::string location_db = "/usr/share/libloc-location/location.db";
  std::string location_db_extra;  // comma-separated files
  std::string duty_desk = "AIIP Duty Desk";
  int64_t mitigation_max_prefixes = 16;
  int64_t mitigation_ack_target_s = 900;
  // The incident clearinghouse (doc/incidents_node.md).
  std::string sanitiser_rules;  // rules JSON file; empty = the sanitiser's defaults
  int64_t statistics_k = 5;
  // The legal cooperation network's timers (doc/legal_network.md).
  int64_t legal_ack_target_s = 86400;
  int64_t legal_urgent_ack_target_s = 3600;
  int64_t legal_preservation_s = 60 * 86400;  // Budapest Art 29(7): at least 60 days
  // E-mail delivery of events through an SMTP relay (doc/notify.md "E-mail"); off when
  // smtp_relay is empty.
  std::string smtp_relay;  // smtp://HOST[:PORT] or smtps://HOST[:PORT]
  bool smtp_starttls = false;
  std::string smtp_ca_file;
  std::string smtp_username;
  std::string smtp_password_file;  // the password is a secret: it is read from this file
  std::string smtp_from;

  // Derived by LoadConfig.
  std::string listen_host;  // IPv6 without brackets, e.g. "::1"
  uint16_t listen_port = 0;
  std::string config_file;  // the TOML file read, or "" if none
  // Where each key's value came from: "default", "file PATH", "env AIIP_X", "flag --x".
  std::map<std::string, std::string> sources;

  // The database to open: `database`, or "sqlite:<data_dir>/aiip.db" when that is empty.
  std::string DatabaseUrl() const;
};

// What the caller should do after LoadConfig succeeded.
enum class Action {
  kRun,          // start the node with `config`
  kPrintConfig,  // print PrintConfig(config) and exit 0
  kHelp,         // print `text` (usage) and exit 0
  kVersion,      // print `text` ("aiipd X.Y.Z") and exit 0
};

struct Invocation {
  Action action = Action::kRun;
  Config config;     // fully validated for kRun and kPrintConfig; defaults otherwise
  std::string text;  // for kHelp and kVersion; ends with a newline
};

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment (std::getenv).
EnvLookup ProcessEnvironment();

// Builds the configuration from defaults, the TOML file, `env` and the flags in `argv`
// (argv[0] is the program name). Returns InvalidArgument naming the key and its source
// on any invalid flag, key or value (types "invalid-flag", "unreadable-config-file",
// "malformed-config-file", "unknown-config-key", "invalid-config"). Reads the config
// file and checks that the TLS and states files are readable; writes nothing.
Result<Invocation> LoadConfig(int argc, const char* const* argv, const EnvLookup& env);

// The effective configuration as TOML, one `key = value` line per key in a fixed order,
// each followed by a comment naming its source; the database password is masked.
std::string PrintConfig(const Config& config);

// `url` with any password (user-info or `password` query parameter) replaced by "*****".
std::string MaskDatabaseUrl(const std::string& url);

}  // namespace aiip::config
