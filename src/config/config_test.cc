#include "config/config.h"

#include <gtest/gtest.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

namespace aiip::config {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  ConfigTest() {
    char pattern[] = "/tmp/aiip-config-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    // A states file of our own keeps the tests independent of the iso-codes package.
    states_ = Write("states.json", "{}");
    env_["AIIP_STATES_FILE"] = states_;
  }
  ~ConfigTest() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << content;
    return path;
  }

  Result<Invocation> Load(std::vector<std::string> args) {
    args.insert(args.begin(), "aiipd");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    EnvLookup env = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    return LoadConfig(static_cast<int>(argv.size()), argv.data(), env);
  }

  // Loads and expects an error whose detail contains every one of `parts`.
  void ExpectError(std::vector<std::string> args, std::string_view type, std::vector<std::string> parts) {
    auto result = Load(std::move(args));
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code(), Code::kInvalidArgument);
    EXPECT_EQ(result.error().type(), type);
    for (const auto& part : parts) {
      EXPECT_NE(result.error().detail().find(part), std::string::npos)
          << "'" << part << "' not in: " << result.error().detail();
    }
  }

  std::string dir_;
  std::string states_;
  std::map<std::string, std::string> env_;
};

TEST_F(ConfigTest, Defaults) {
  env_.clear();
  env_["AIIP_STATES_FILE"] = states_;
  auto result = Load({});
  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  EXPECT_EQ(result->action, Action::kRun);
  const Config& c = result->config;
  EXPECT_EQ(c.listen, "127.0.0.1:8700");
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 8700);
  EXPECT_EQ(c.DatabaseUrl(), "sqlite:var/aiip/aiip.db");
  EXPECT_EQ(c.threads, 4);
  EXPECT_EQ(c.max_body_bytes, 33554432);
  EXPECT_EQ(c.max_header_bytes, 16384);
  EXPECT_EQ(c.read_timeout_s, 30);
  EXPECT_EQ(c.idle_timeout_s, 60);
  EXPECT_EQ(c.write_timeout_s, 30);
  EXPECT_EQ(c.shutdown_grace_s, 10);
  EXPECT_EQ(c.log_level, "info");
  EXPECT_FALSE(c.demo);
  EXPECT_FALSE(c.webhook_allow_http);
  EXPECT_EQ(c.location_db, "/usr/share/libloc-location/location.db");
  EXPECT_EQ(c.duty_desk, "AIIP Duty Desk");
  EXPECT_EQ(c.mitigation_max_prefixes, 16);
  EXPECT_EQ(c.mitigation_ack_target_s, 900);
  EXPECT_TRUE(c.config_file.empty());
  EXPECT_EQ(c.sources.at("listen"), "default");
  EXPECT_EQ(Config().states_file, "/usr/share/iso-codes/json/iso_3166-1.json");
}

TEST_F(ConfigTest, PrecedenceIsDefaultsThenFileThenEnvThenFlags) {
  std::string file = Write("aiipd.toml",
                           "listen = \"0.0.0.0:9000\"\n"
                           "data_dir = \"/srv/file\"\n"
                           "threads = 2\n"
                           "demo = true\n");
  env_["AIIP_DATA_DIR"] = "/srv/env";
  env_["AIIP_THREADS"] = "3";
  auto result = Load({"--config", file, "--threads", "5"});
  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  const Config& c = result->config;
  EXPECT_EQ(c.listen, "0.0.0.0:9000");
  EXPECT_EQ(c.data_dir, "/srv/env");
  EXPECT_EQ(c.threads, 5);
  EXPECT_TRUE(c.demo);
  EXPECT_EQ(c.max_body_bytes, 33554432);
  EXPECT_EQ(c.config_file, file);
  EXPECT_EQ(c.sources.at("listen"), "file " + file);
  EXPECT_EQ(c.sources.at("data_dir"), "env AIIP_DATA_DIR");
  EXPECT_EQ(c.sources.at("threads"), "flag --threads");
  EXPECT_EQ(c.sources.at("max_body_bytes"), "default");
  EXPECT_EQ(c.DatabaseUrl(), "sqlite:/srv/env/aiip.db");
}

TEST_F(ConfigTest, ConfigFileFromEnvironmentAndFlagOverridesIt) {
  env_["AIIP_CONFIG"] = Write("env.toml", "threads = 7\n");
  auto from_env = Load({});
  ASSERT_TRUE(from_env.has_value()) << from_env.error().ToString();
  EXPECT_EQ(from_env->config.threads, 7);

  auto from_flag = Load({"--config", Write("flag.toml", "threads = 8\n")});
  ASSERT_TRUE(from_flag.has_value()) << from_flag.error().ToString();
  EXPECT_EQ(from_flag->config.threads, 8);
}

TEST_F(ConfigTest, UnknownKeyInFileIsAnErrorNamingKeyAndFile) {
  std::string file = Write("bad.toml", "listen = \"127.0.0.1:1\"\nlisten_port = 8\n");
  ExpectError({"--config", file}, "unknown-config-key", {"listen_port", file, "line 2"});
  ExpectError({"--config", Write("table.toml", "[server]\nthreads = 2\n")}, "unknown-config-key",
              {"'server'"});
}

TEST_F(ConfigTest, FileErrors) {
  ExpectError({"--config", dir_ + "/missing.toml"}, "unreadable-config-file", {"missing.toml"});
  ExpectError({"--config", dir_}, "unreadable-config-file", {dir_});
  std::string broken = Write("broken.toml", "threads = \n");
  ExpectError({"--config", broken}, "malformed-config-file", {broken + ":1:"});
  std::string typed = Write("typed.toml", "threads = \"four\"\n");
  ExpectError({"--config", typed}, "invalid-config", {"threads", "an integer", "file " + typed});
  std::string flag_type = Write("bool.toml", "demo = \"yes\"\n");
  ExpectError({"--config", flag_type}, "invalid-config", {"demo", "true or false"});
}

TEST_F(ConfigTest, ValuesAreValidatedWithTheirSource) {
  env_["AIIP_THREADS"] = "0";
  ExpectError({}, "invalid-config", {"threads", "from 1 to 256", "env AIIP_THREADS"});
  env_.erase("AIIP_THREADS");
  ExpectError({"--threads", "abc"}, "invalid-config", {"threads", "\"abc\"", "flag --threads"});
  ExpectError({"--max-body-bytes", "-1"}, "invalid-config", {"max_body_bytes"});
  ExpectError({"--read-timeout-s", "0"}, "invalid-config", {"read_timeout_s"});
  ExpectError({"--log-level", "loud"}, "invalid-config", {"log_level", "loud"});
  ExpectError({"--data-dir", ""}, "invalid-config", {"data_dir"});
  env_["AIIP_DEMO"] = "maybe";
  ExpectError({}, "invalid-config", {"demo", "env AIIP_DEMO"});
  env_["AIIP_DEMO"] = "1";
  auto demo = Load({});
  ASSERT_TRUE(demo.has_value());
  EXPECT_TRUE(demo->config.demo);
}

TEST_F(ConfigTest, ListenAddresses) {
  auto v6 = Load({"--listen", "[::1]:8700"});
  ASSERT_TRUE(v6.has_value()) << v6.error().ToString();
  EXPECT_EQ(v6->config.listen_host, "::1");
  EXPECT_EQ(v6->config.listen_port, 8700);
  auto named = Load({"--listen", "localhost:0"});
  ASSERT_TRUE(named.has_value()) << named.error().ToString();
  EXPECT_EQ(named->config.listen_host, "localhost");
  EXPECT_EQ(named->config.listen_port, 0);

  ExpectError({"--listen", "::1:8700"}, "invalid-config", {"listen", "brackets"});
  ExpectError({"--listen", "[::1]8700"}, "invalid-config", {"listen"});
  ExpectError({"--listen", "[zz::1]:8700"}, "invalid-config", {"not an IPv6"});
  ExpectError({"--listen", "127.0.0.1:70000"}, "invalid-config", {"port", "70000"});
  ExpectError({"--listen", "127.0.0.1"}, "invalid-config", {"HOST:PORT"});
  ExpectError({"--listen", "bad host:80"}, "invalid-config", {"bad host"});
}

TEST_F(ConfigTest, TlsFilesComeInPairsAndMustBeReadable) {
  std::string cert = Write("cert.pem", "x");
  std::string key = Write("key.pem", "y");
  env_["AIIP_TLS_CERT"] = cert;
  ExpectError({}, "invalid-config", {"tls_key", "tls_cert is set", "env AIIP_TLS_CERT"});
  auto both = Load({"--tls-key", key});
  ASSERT_TRUE(both.has_value()) << both.error().ToString();
  EXPECT_EQ(both->config.tls_key, key);
  ExpectError({"--tls-key", dir_ + "/nope.pem"}, "invalid-config", {"tls_key", "nope.pem", "flag --tls-key"});
}

TEST_F(ConfigTest, SmtpKeysAreCheckedTogether) {
  auto off = Load({});
  ASSERT_TRUE(off.has_value()) << off.error().ToString();
  EXPECT_TRUE(off->config.smtp_relay.empty());
  EXPECT_FALSE(off->config.smtp_starttls);

  std::string password = Write("smtp.pw", "hunter2\n");
  auto on = Load({"--smtp-relay", "smtp://127.0.0.1:2525", "--smtp-from", "aiip@node.example.org",
                  "--smtp-starttls", "--smtp-username", "aiip", "--smtp-password-file", password});
  ASSERT_TRUE(on.has_value()) << on.error().ToString();
  EXPECT_EQ(on->config.smtp_relay, "smtp://127.0.0.1:2525");
  EXPECT_TRUE(on->config.smtp_starttls);
  EXPECT_EQ(on->config.smtp_password_file, password);
  EXPECT_TRUE(Load({"--smtp-relay", "smtps://mail.example.org", "--smtp-from", "a@b.org"}).has_value());

  ExpectError({"--smtp-from", "aiip@node.example.org"}, "invalid-config", {"smtp_from", "smtp_relay is not"});
  ExpectError({"--smtp-relay", "smtp://mail.example.org"}, "invalid-config",
              {"smtp_from", "must be set", "flag --smtp-relay"});
  ExpectError({"--smtp-relay", "http://mail.example.org", "--smtp-from", "a@b.org"}, "invalid-config",
              {"smtp_relay", "smtp://HOST"});
  ExpectError({"--smtp-relay", "smtp://u:pw@mail.example.org", "--smtp-from", "a@b.org"}, "invalid-config",
              {"smtp_relay"});
  ExpectError({"--smtp-relay", "smtp://mail.example.org", "--smtp-from", "not an address"}, "invalid-config",
              {"smtp_from", "e-mail address"});
  ExpectError({"--smtp-relay", "smtp://mail.example.org", "--smtp-from", "a@b.org", "--smtp-username", "u",
               "--smtp-password-file", password},
              "invalid-config", {"smtp_username", "unencrypted"});
  ExpectError({"--smtp-relay", "smtps://mail.example.org", "--smtp-from", "a@b.org", "--smtp-username", "u"},
              "invalid-config", {"smtp_password_file", "must be set"});
  ExpectError({"--smtp-relay", "smtps://mail.example.org", "--smtp-from", "a@b.org", "--smtp-username", "u",
               "--smtp-password-file", dir_ + "/none.pw"},
              "invalid-config", {"smtp_password_file", "none.pw"});
  ExpectError({"--smtp-relay", "smtps://mail.example.org", "--smtp-from", "a@b.org", "--smtp-ca-file",
               dir_ + "/none.pem"},
              "invalid-config", {"smtp_ca_file", "none.pem"});
}

TEST_F(ConfigTest, StatesFileMustBeReadable) {
  env_["AIIP_STATES_FILE"] = dir_ + "/none.json";
  ExpectError({}, "invalid-config", {"states_file", "none.json"});
}

TEST_F(ConfigTest, DatabaseUrls) {
  EXPECT_TRUE(Load({"--database", "sqlite:/tmp/x.db"}).has_value());
  EXPECT_TRUE(Load({"--database", "postgres://u@h/db"}).has_value());
  ExpectError({"--database", "sqlite:"}, "invalid-config", {"database"});
  auto bad = Load({"--database", "mysql://user:hunter2@h/db"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().detail().find("hunter2"), std::string::npos) << bad.error().detail();
}

TEST_F(ConfigTest, PrintConfigMasksPasswordsAndNamesSources) {
  env_["AIIP_DATABASE"] = "postgresql://aiip:s3cret@db.example:5432/aiip?sslmode=require&password=s3cret";
  std::string file = Write("p.toml", "threads = 2\n");
  auto result = Load({"--config", file, "--print-config", "--listen", "[::1]:9"});
  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  EXPECT_EQ(result->action, Action::kPrintConfig);
  std::string text = PrintConfig(result->config);
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  EXPECT_NE(
      text.find("database = \"postgresql://aiip:*****@db.example:5432/aiip?sslmode=require&password=*****\"  "
                "# env AIIP_DATABASE\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("threads = 2  # file " + file + "\n"), std::string::npos) << text;
  EXPECT_NE(text.find("listen = \"[::1]:9\"  # flag --listen\n"), std::string::npos) << text;
  EXPECT_NE(text.find("demo = false  # default\n"), std::string::npos) << text;

  // The output is TOML that LoadConfig accepts back.
  EXPECT_NO_THROW(toml::parse(text));
  env_.erase("AIIP_DATABASE");
  std::string roundtrip = Write("roundtrip.toml", text);
  auto reloaded = Load({"--config", roundtrip});
  ASSERT_TRUE(reloaded.has_value()) << reloaded.error().ToString();
  EXPECT_EQ(reloaded->config.listen, "[::1]:9");
  EXPECT_EQ(reloaded->config.threads, 2);
}

TEST_F(ConfigTest, PrintConfigShowsTheEffectiveSqliteUrl) {
  auto result = Load({"--data-dir", "/var/lib/aiip"});
  ASSERT_TRUE(result.has_value());
  EXPECT_NE(
      PrintConfig(result->config).find("database = \"\"  # default; uses sqlite:/var/lib/aiip/aiip.db\n"),
      std::string::npos);
}

TEST(MaskDatabaseUrl, Variants) {
  EXPECT_EQ(MaskDatabaseUrl("postgresql://u:p@h/d"), "postgresql://u:*****@h/d");
  EXPECT_EQ(MaskDatabaseUrl("postgresql://u@h/d"), "postgresql://u@h/d");
  EXPECT_EQ(MaskDatabaseUrl("sqlite:/x/y.db"), "sqlite:/x/y.db");
  EXPECT_EQ(MaskDatabaseUrl("not a url at all"), "*****");
}

TEST_F(ConfigTest, HelpVersionAndBadFlags) {
  auto help = Load({"--help"});
  ASSERT_TRUE(help.has_value());
  EXPECT_EQ(help->action, Action::kHelp);
  for (const char* flag :
       {"--listen", "--data-dir", "--database", "--threads", "--tls-cert", "--tls-key", "--log-level",
        "--demo", "--config", "--print-config", "--version", "--max-body-bytes", "--shutdown-grace-s"}) {
    EXPECT_NE(help->text.find(flag), std::string::npos) << flag;
  }
  auto version = Load({"--version"});
  ASSERT_TRUE(version.has_value());
  EXPECT_EQ(version->action, Action::kVersion);
  EXPECT_TRUE(version->text.starts_with("aiipd ")) << version->text;

  ExpectError({"--no-such-flag"}, "invalid-flag", {"--no-such-flag"});
  ExpectError({"stray"}, "invalid-flag", {"stray"});
  auto demo = Load({"--demo"});
  ASSERT_TRUE(demo.has_value());
  EXPECT_TRUE(demo->config.demo);
  EXPECT_EQ(demo->config.sources.at("demo"), "flag --demo");
}

TEST_F(ConfigTest, LegalTimersHaveLegalDefaultsAndBounds) {
  auto defaults = Load({});
  ASSERT_TRUE(defaults.has_value()) << defaults.error().ToString();
  EXPECT_EQ(defaults->config.legal_ack_target_s, 86400);
  EXPECT_EQ(defaults->config.legal_urgent_ack_target_s, 3600);
  EXPECT_EQ(defaults->config.legal_preservation_s, 60 * 86400);
  auto set = Load({"--legal-preservation-s", "10", "--legal-urgent-ack-target-s", "1"});
  ASSERT_TRUE(set.has_value()) << set.error().ToString();
  EXPECT_EQ(set->config.legal_preservation_s, 10);
  EXPECT_EQ(set->config.legal_urgent_ack_target_s, 1);
  auto zero = Load({"--legal-ack-target-s", "0"});
  ASSERT_FALSE(zero.has_value());
  EXPECT_EQ(zero.error().field(), "/legal_ack_target_s");
}

}  // namespace
}  // namespace aiip::config
