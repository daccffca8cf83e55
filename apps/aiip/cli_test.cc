// Tests of the `aiip` command line, run in-process against FakeServer: argument parsing,
// settings, output, exit codes, pagination and the audit checks.

#include "aiip/cli.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/url/parse.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "aiip/output.h"
#include "aiip/settings.h"
#include "audit/entry.h"
#include "audit/log.h"
#include "audit/merkle.h"
#include "client/fake_server.h"
#include "common/encoding.h"
#include "common/time.h"
#include "crypto/ed25519.h"
#include "store/store.h"

namespace aiip::cli {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
using client::testing::FakeRequest;
using client::testing::FakeResponse;
using client::testing::FakeServer;

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

// Runs `aiip args...` with exactly the environment `env` (nothing leaks in from the test
// process, e.g. a developer's AIIP_TOKEN or config file).
Outcome Aiip(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), "aiip");
  std::vector<const char*> argv;
  for (const auto& arg : args) argv.push_back(arg.c_str());
  std::ostringstream out, err;
  EnvLookup lookup = [env](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  int code = RunCli(static_cast<int>(argv.size()), argv.data(), out, err, lookup);
  return {code, out.str(), err.str()};
}

FakeResponse Json(int status, std::string body, std::string content_type = "application/json") {
  FakeResponse response;
  response.status = status;
  response.body = std::move(body);
  response.content_type = std::move(content_type);
  return response;
}

FakeResponse Json(const bj::value& value) { return Json(200, bj::serialize(value)); }

std::string PathOf(const FakeRequest& request) { return request.target.substr(0, request.target.find('?')); }

std::map<std::string, std::string> QueryOf(const FakeRequest& request) {
  std::map<std::string, std::string> query;
  auto url = boost::urls::parse_origin_form(request.target);
  if (!url) return query;
  for (auto param : url->params()) query[std::string(param.key)] = std::string(param.value);
  return query;
}

// A temporary directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("aiip_cli_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& content) const {
    std::ofstream(path_ / name) << content;
    return (path_ / name).string();
  }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

// ---------------------------------------------------------------- output

TEST(Output, TableAlignsColumnsByCodePoints) {
  bj::array rows = {bj::object{{"id", "state_CI"}, {"name", "Côte d'Ivoire"}, {"state", "CI"}},
                    bj::object{{"id", "org_1"}, {"name", "CERT-FR"}, {"state", nullptr}}};
  std::ostringstream out;
  PrintTable(out, {{"ID", "id"}, {"STATE", "state"}, {"NAME", "name"}}, rows);
  EXPECT_EQ(out.str(),
            "ID        STATE  NAME\n"
            "state_CI  CI     Côte d'Ivoire\n"
            "org_1     -      CERT-FR\n");
}

TEST(Output, CellsShowArraysBooleansAndMissingFields) {
  bj::value roles = bj::array{"admin", "noc"};
  bj::value yes = true;
  bj::value number = 42;
  EXPECT_EQ(Cell(&roles), "admin, noc");
  EXPECT_EQ(Cell(&yes), "yes");
  EXPECT_EQ(Cell(&number), "42");
  bj::value empty = "";
  EXPECT_EQ(Cell(nullptr), "-");
  EXPECT_EQ(Cell(&empty), "-");
}

TEST(Output, EscapesTerminalControlCharacters) {
  EXPECT_EQ(Printable("a\x1b[31mb\n"), "a\\x1b[31mb\\x0a");
  EXPECT_EQ(Printable("x\xc2\x9b"
                      "2Jy"),
            "x\\u009b2Jy");
  EXPECT_EQ(Printable("été"), "été");
}

TEST(Output, ObjectBlockFlattensNestedObjects) {
  std::ostringstream out;
  PrintObject(out, bj::object{{"member", bj::object{{"id", "mbr_1"}, {"roles", bj::array{"admin"}}}},
                              {"organisation", bj::object{{"id", "org_1"}}}});
  EXPECT_EQ(out.str(),
            "member.id        mbr_1\n"
            "member.roles     admin\n"
            "organisation.id  org_1\n");
}

TEST(Output, PrettyJson) {
  std::ostringstream out;
  PrintJson(out, bj::object{{"items", bj::array{1, bj::object{}}}, {"next_cursor", nullptr}});
  EXPECT_EQ(out.str(), "{\n  \"items\": [\n    1,\n    {}\n  ],\n  \"next_cursor\": null\n}\n");
}

// ---------------------------------------------------------------- settings

TEST(Settings, PrecedenceIsFlagThenEnvironmentThenConfigThenDefault) {
  TempDir dir;
  dir.Write("token", "from-config-file\n");
  std::string config =
      dir.Write("config.toml", "server = \"https://config.example\"\ntoken_file = \"token\"\n");
  auto env = [&](std::map<std::string, std::string> vars) {
    return EnvLookup([vars](std::string_view name) -> std::optional<std::string> {
      auto it = vars.find(std::string(name));
      return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
  };

  auto defaults = ResolveSettings({}, env({}));
  ASSERT_TRUE(defaults.has_value());
  EXPECT_EQ(defaults->server, kDefaultServer);
  EXPECT_EQ(defaults->token, "");

  SettingsFlags with_config;
  with_config.config_file = config;
  auto from_config = ResolveSettings(with_config, env({}));
  ASSERT_TRUE(from_config.has_value()) << from_config.error().ToString();
  EXPECT_EQ(from_config->server, "https://config.example");
  EXPECT_EQ(from_config->token, "from-config-file");  // relative to the config file

  auto from_env =
      ResolveSettings(with_config, env({{"AIIP_SERVER", "http://env:1"}, {"AIIP_TOKEN", "env-token"}}));
  ASSERT_TRUE(from_env.has_value());
  EXPECT_EQ(from_env->server, "http://env:1");
  EXPECT_EQ(from_env->token, "env-token");

  SettingsFlags flags = with_config;
  flags.server = "http://flag:2";
  flags.token_file = dir.Write("flag-token", "  flag-token  \n");
  auto from_flags =
      ResolveSettings(flags, env({{"AIIP_SERVER", "http://env:1"}, {"AIIP_TOKEN", "env-token"}}));
  ASSERT_TRUE(from_flags.has_value());
  EXPECT_EQ(from_flags->server, "http://flag:2");
  EXPECT_EQ(from_flags->token, "flag-token");
}

TEST(Settings, DefaultConfigFileIsFoundThroughXdgOrHome) {
  TempDir dir;
  fs::create_directories(dir.path() / ".config/aiip");
  std::ofstream(dir.path() / ".config/aiip/config.toml") << "server = \"http://home:3\"\n";
  auto settings = ResolveSettings({}, [&](std::string_view name) -> std::optional<std::string> {
    if (name == "HOME") return dir.path().string();
    return std::nullopt;
  });
  ASSERT_TRUE(settings.has_value()) << settings.error().ToString();
  EXPECT_EQ(settings->server, "http://home:3");
}

TEST(Settings, RejectsBadConfigFiles) {
  TempDir dir;
  auto try_config = [&](const std::string& content) {
    SettingsFlags flags;
    flags.config_file = dir.Write("c.toml", content);
    return ResolveSettings(flags, [](std::string_view) { return std::optional<std::string>(); });
  };
  auto unknown = try_config("sever = \"http://typo\"\n");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().type(), "invalid-config");
  EXPECT_NE(unknown.error().detail().find("sever"), std::string::npos);
  EXPECT_FALSE(try_config("server = 3\n").has_value());
  EXPECT_FALSE(try_config("server = \n").has_value());
  EXPECT_FALSE(try_config("token_file = \"missing\"\n").has_value());

  SettingsFlags missing;
  missing.config_file = (dir.path() / "nope.toml").string();
  EXPECT_FALSE(
      ResolveSettings(missing, [](std::string_view) { return std::optional<std::string>(); }).has_value());
}

TEST(Settings, TokenFileMustHoldOneToken) {
  TempDir dir;
  EXPECT_EQ(*ReadTokenFile(dir.Write("a", "aiip_abc\n")), "aiip_abc");
  EXPECT_FALSE(ReadTokenFile(dir.Write("b", " \n")).has_value());
  EXPECT_FALSE(ReadTokenFile(dir.Write("c", "one\ntwo\n")).has_value());
  EXPECT_FALSE(ReadTokenFile((dir.path() / "none").string()).has_value());
}

// ---------------------------------------------------------------- parsing and exit codes

TEST(Cli, HelpExitsZeroEverywhere) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--help"},
                                        {"org", "update", "--help"},
                                        {"audit", "verify", "--help"},
                                        {"token", "--help"}}) {
    Outcome outcome = Aiip(args);
    EXPECT_EQ(outcome.code, kExitOk) << args.at(0);
    EXPECT_NE(outcome.out.find("Usage: aiip"), std::string::npos) << outcome.out;
  }
}

TEST(Cli, UsageErrorsExitTwoWithoutTouchingTheNetwork) {
  // The server URL points nowhere: none of these may get as far as connecting.
  const std::map<std::string, std::string> env = {{"AIIP_SERVER", "http://127.0.0.1:1"}};
  for (std::vector<std::string> args :
       {std::vector<std::string>{},
        {"org"},
        {"frobnicate"},
        {"party", "list", "--limit", "0"},
        {"party", "list", "--limit", "501"},
        {"org", "add", "--name", "x"},
        {"member", "update", "mbr_1"},
        {"member", "update", "mbr_1", "--disable", "--enable"},
        {"org", "update", "org_1"},
        {"token", "create", "--member", "mbr_1", "--expires", "tomorrow"},
        {"member", "add", "--org", "o", "--name", "n", "--role", "admin", "--type", "robot"},
        {"audit", "entries", "--start", "5", "--end", "2"},
        {"--token-file", "/nonexistent", "health"}}) {
    Outcome outcome = Aiip(args, env);
    std::string joined;
    for (const auto& arg : args) joined += arg + " ";
    EXPECT_EQ(outcome.code, kExitUsage) << joined << "\n" << outcome.err;
    EXPECT_FALSE(outcome.err.empty()) << joined;
    EXPECT_EQ(outcome.err.find("cannot connect"), std::string::npos) << joined;
  }
}

TEST(Cli, UnreachableServerExitsTwo) {
  Outcome outcome = Aiip({"--server", "http://127.0.0.1:1", "health"});
  EXPECT_EQ(outcome.code, kExitUsage);
  EXPECT_NE(outcome.err.find("error: cannot connect to http://127.0.0.1:1/api/v1/health"), std::string::npos)
      << outcome.err;
}

TEST(Cli, ProblemExitsOneWithTitleDetailAndField) {
  FakeServer server([](const FakeRequest&) {
    return Json(400,
                R"({"type":"urn:aiip:problem:invalid-value","title":"Invalid value","status":400,
                    "detail":"unknown role \"boss\"","field":"/roles/0","request_id":"r1"})",
                "application/problem+json");
  });
  Outcome outcome = Aiip({"member", "add", "--org", "org_1", "--name", "Ann", "--role", "boss"},
                         {{"AIIP_SERVER", server.url()}});
  EXPECT_EQ(outcome.code, kExitProblem);
  EXPECT_EQ(outcome.err, "error: Invalid value: unknown role \"boss\" [field /roles/0]\n");
  EXPECT_EQ(outcome.out, "");
}

TEST(Cli, ProblemWithoutDetailOrFieldPrintsTitleOnly) {
  FakeServer server([](const FakeRequest&) {
    return Json(401, R"({"type":"urn:aiip:problem:unauthenticated","title":"Unauthenticated","status":401})",
                "application/problem+json");
  });
  Outcome outcome = Aiip({"whoami"}, {{"AIIP_SERVER", server.url()}});
  EXPECT_EQ(outcome.code, kExitProblem);
  EXPECT_EQ(outcome.err, "error: Unauthenticated\n");
}

TEST(Cli, MalformedAnswerExitsOne) {
  FakeServer server([](const FakeRequest&) { return Json(200, "[1,2]"); });
  Outcome outcome = Aiip({"org", "show", "org_1"}, {{"AIIP_SERVER", server.url()}});
  EXPECT_EQ(outcome.code, kExitProblem);
  EXPECT_NE(outcome.err.find("error: "), std::string::npos);
}

// ---------------------------------------------------------------- requests and output

TEST(Cli, GlobalOptionsWorkAfterTheSubcommandAndTokenIsSent) {
  FakeServer server([](const FakeRequest&) {
    return Json(bj::object{{"id", "state_FR"}, {"kind", "state"}, {"name", "France"}});
  });
  TempDir dir;
  std::string token_file = dir.Write("token", "aiip_t0k3n\n");
  Outcome outcome =
      Aiip({"party", "show", "state_FR", "--server", server.url(), "--token-file", token_file, "--json"});
  ASSERT_EQ(outcome.code, kExitOk) << outcome.err;
  EXPECT_EQ(outcome.out, "{\n  \"id\": \"state_FR\",\n  \"kind\": \"state\",\n  \"name\": \"France\"\n}\n");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/api/v1/parties/state_FR");
  EXPECT_EQ(seen[0].authorization, "Bearer aiip_t0k3n");
}

TEST(Cli, ObjectsPrintAsKeyValueBlocks) {
  FakeServer server([](const FakeRequest&) {
    return Json(bj::object{{"status", "ok"}, {"database", "ok"}});
  });
  Outcome outcome = Aiip({"health"}, {{"AIIP_SERVER", server.url()}});
  ASSERT_EQ(outcome.code, kExitOk) << outcome.err;
  EXPECT_EQ(outcome.out, "status    ok\ndatabase  ok\n");
}

TEST(Cli, WritesSendTheDocumentedBodies) {
  FakeServer server([](const FakeRequest& r) {
    if (r.method == "DELETE" && r.target.starts_with("/api/v1/organisations/")) return Json(204, "");
    return Json(bj::object{{"id", "x"}});
  });
  const std::map<std::string, std::string> env = {{"AIIP_SERVER", server.url()}, {"AIIP_TOKEN", "t"}};
  struct Case {
    std::vector<std::string> args;
    std::string method, target, body;
  };
  const std::vector<Case> cases = {
      {{"org", "add", "--name", "CERT-FR", "--kind", "csirt", "--state", "FR"},
       "POST",
       "/api/v1/organisations",
       R"({"name":"CERT-FR","kind":"csirt","state":"FR"})"},
      {{"org", "update", "org_1", "--name", "CERT-FR bis", "--version", "3"},
       "PATCH",
       "/api/v1/organisations/org_1",
       R"({"name":"CERT-FR bis","version":3})"},
      {{"org", "delete", "org_1"}, "DELETE", "/api/v1/organisations/org_1", ""},
      {{"contact", "add", "--org", "org_1", "--name", "Duty desk", "--phone", "+33123456789", "--email",
        "duty@cert.fr", "--timezone", "Europe/Paris", "--language", "fr", "--language", "en", "--order", "1"},
       "POST",
       "/api/v1/organisations/org_1/contacts",
       R"({"name":"Duty desk","phone":"+33123456789","email":"duty@cert.fr","timezone":"Europe/Paris",)"
       R"("languages":["fr","en"],"escalation_order":1})"},
      {{"contact", "update", "cnt_1", "--phone", "+33999"},
       "PATCH",
       "/api/v1/contacts/cnt_1",
       R"({"phone":"+33999"})"},
      {{"contact", "remove", "cnt_1"}, "DELETE", "/api/v1/contacts/cnt_1", ""},
      {{"member", "add", "--org", "org_1", "--name", "Bot", "--role", "analyst", "--role", "noc", "--type",
        "tool"},
       "POST",
       "/api/v1/members",
       R"({"organisation":"org_1","name":"Bot","roles":["analyst","noc"],"type":"tool"})"},
      // --role takes one value per occurrence, so the id after it stays the positional.
      {{"member", "update", "--role", "viewer", "mbr_1", "--disable"},
       "PATCH",
       "/api/v1/members/mbr_1",
       R"({"roles":["viewer"],"disabled":true})"},
      {{"member", "update", "mbr_1", "--enable"}, "PATCH", "/api/v1/members/mbr_1", R"({"disabled":false})"},
      {{"token", "revoke", "tok_1"}, "DELETE", "/api/v1/tokens/tok_1", ""},
      {{"org", "show", "a/b"}, "GET", "/api/v1/organisations/a%2Fb", ""},
  };
  for (const Case& c : cases) {
    const size_t before = server.requests().size();
    Outcome outcome = Aiip(c.args, env);
    ASSERT_EQ(outcome.code, kExitOk) << c.target << ": " << outcome.err;
    auto seen = server.requests();
    ASSERT_EQ(seen.size(), before + 1) << c.target;
    EXPECT_EQ(seen.back().method, c.method) << c.target;
    EXPECT_EQ(seen.back().target, c.target);
    EXPECT_EQ(seen.back().body, c.body) << c.target;
  }
  EXPECT_EQ(Aiip({"org", "delete", "org_9"}, env).out, "deleted organisation org_9\n");
  EXPECT_EQ(Aiip({"--json", "org", "delete", "org_9"}, env).out, "");
}

TEST(Cli, TokenCreatePrintsTheSecretAloneOnTheLastLine) {
  FakeServer server([](const FakeRequest&) {
    return Json(201, R"({"id":"tok_1","member":"mbr_1","label":"ci","created_at":"2026-11-22T10:00:00.000Z",
                         "expires_at":"2027-01-31T00:00:00.000Z","revoked_at":null,"token":"aiip_SECRET"})");
  });
  const std::map<std::string, std::string> env = {{"AIIP_SERVER", server.url()}};
  Outcome table = Aiip(
      {"token", "create", "--member", "mbr_1", "--label", "ci", "--expires", "2027-01-31T01:00:00+01:00"},
      env);
  ASSERT_EQ(table.code, kExitOk) << table.err;
  EXPECT_TRUE(table.out.ends_with("\naiip_SECRET\n")) << table.out;
  EXPECT_EQ(table.out.find("aiip_SECRET"), table.out.rfind("aiip_SECRET"));  // shown once
  EXPECT_NE(table.out.find("label       ci\n"), std::string::npos) << table.out;
  EXPECT_EQ(server.requests().back().body,
            R"({"member":"mbr_1","label":"ci","expires_at":"2027-01-31T00:00:00.000Z"})");

  Outcome json = Aiip({"token", "create", "--member", "mbr_1", "--json"}, env);
  ASSERT_EQ(json.code, kExitOk);
  auto parsed = bj::parse(json.out);
  EXPECT_EQ(parsed.at("token").as_string(), "aiip_SECRET");
}

// A list endpoint of three pages (two items each, the last one item).
FakeResponse PagedParties(const FakeRequest& request) {
  auto query = QueryOf(request);
  const std::string cursor = query.count("cursor") ? query["cursor"] : "";
  auto party = [](const std::string& id) {
    return bj::object{{"id", id}, {"kind", "csirt"}, {"state", "FR"}, {"name", "N" + id}};
  };
  if (cursor.empty())
    return Json(bj::object{{"items", bj::array{party("org_1"), party("org_2")}}, {"next_cursor", "c1"}});
  if (cursor == "c1")
    return Json(bj::object{{"items", bj::array{party("org_3"), party("org_4")}}, {"next_cursor", "c2"}});
  return Json(bj::object{{"items", bj::array{party("org_5")}}, {"next_cursor", nullptr}});
}

TEST(Cli, ListShowsOnePageAndPointsToTheNext) {
  FakeServer server(PagedParties);
  Outcome outcome = Aiip({"party", "list", "--state", "FR", "--limit", "2"}, {{"AIIP_SERVER", server.url()}});
  ASSERT_EQ(outcome.code, kExitOk) << outcome.err;
  EXPECT_EQ(outcome.out,
            "ID     KIND   STATE  NAME\n"
            "org_1  csirt  FR     Norg_1\n"
            "org_2  csirt  FR     Norg_2\n");
  EXPECT_EQ(outcome.err, "more results: repeat with --cursor c1 or use --all\n");
  EXPECT_EQ(server.requests().at(0).target, "/api/v1/parties?state=FR&limit=2");
}

TEST(Cli, ListAllFollowsCursors) {
  FakeServer server(PagedParties);
  Outcome outcome = Aiip({"party", "list", "--all", "--json"}, {{"AIIP_SERVER", server.url()}});
  ASSERT_EQ(outcome.code, kExitOk) << outcome.err;
  auto parsed = bj::parse(outcome.out);
  ASSERT_EQ(parsed.at("items").as_array().size(), 5u);
  EXPECT_EQ(parsed.at("items").as_array()[4].at("id").as_string(), "org_5");
  EXPECT_TRUE(parsed.at("next_cursor").is_null());
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1].target, "/api/v1/parties?cursor=c1");
  EXPECT_EQ(seen[2].target, "/api/v1/parties?cursor=c2");
  EXPECT_EQ(server.connections(), 1);  // one kept-alive connection for all pages
}

TEST(Cli, ListAllStopsOnARepeatedCursor) {
  FakeServer server([](const FakeRequest&) {
    return Json(bj::object{{"items", bj::array{bj::object{{"id", "m"}}}}, {"next_cursor", "same"}});
  });
  Outcome outcome = Aiip({"member", "list", "--all"}, {{"AIIP_SERVER", server.url()}});
  EXPECT_EQ(outcome.code, kExitProblem);
  EXPECT_NE(outcome.err.find("repeated the cursor"), std::string::npos) << outcome.err;
}

TEST(Cli, ListFiltersBecomeQueryParameters) {
  FakeServer server([](const FakeRequest&) {
    return Json(bj::object{{"items", bj::array{}}, {"next_cursor", nullptr}});
  });
  const std::map<std::string, std::string> env = {{"AIIP_SERVER", server.url()}};
  ASSERT_EQ(Aiip({"org", "list", "--kind", "law-enforcement-247", "--state", "DE"}, env).code, kExitOk);
  ASSERT_EQ(Aiip({"member", "list", "--org", "org_1"}, env).code, kExitOk);
  ASSERT_EQ(Aiip({"token", "list", "--member", "mbr_1"}, env).code, kExitOk);
  ASSERT_EQ(Aiip({"contact", "list", "--org", "org_1"}, env).code, kExitOk);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].target, "/api/v1/organisations?state=DE&kind=law-enforcement-247");
  EXPECT_EQ(seen[1].target, "/api/v1/members?organisation=org_1");
  EXPECT_EQ(seen[2].target, "/api/v1/tokens?member=mbr_1");
  EXPECT_EQ(seen[3].target, "/api/v1/organisations/org_1/contacts");
}

TEST(Cli, VersionShowsClientAndNode) {
  FakeServer server([](const FakeRequest&) {
    return Json(bj::object{{"version", "0.1.0"}, {"api", "v1"}, {"schema_version", 2}});
  });
  Outcome outcome = Aiip({"version"}, {{"AIIP_SERVER", server.url()}});
  ASSERT_EQ(outcome.code, kExitOk);
  EXPECT_EQ(outcome.out, std::string("client          ") + AIIP_TEST_VERSION +
                             "\nversion         0.1.0\napi             v1\nschema_version  2\n");
}

// ---------------------------------------------------------------- audit

// An in-memory audit log served the way /api/v1/audit serves it, with knobs to make the
// node lie in each way the CLI must catch.
class FakeAuditNode {
 public:
  explicit FakeAuditNode(uint64_t size)
      : key_(*crypto::Ed25519PrivateKey::FromSeed(std::string(32, '\x07'))) {
    for (uint64_t i = 0; i < size; ++i) {
      audit::Entry entry{
          i,
          SystemTime(std::chrono::milliseconds(1'700'000'000'000 + static_cast<int64_t>(i))),
          {"mbr_1", "org_1", "organisation.update", "org_" + std::to_string(i), crypto::Sha256("v")}};
      encoded_.push_back(*audit::EncodeEntry(entry));
      entries_.push_back(entry);
      tree_.Append(audit::HashLeaf(encoded_.back()));
    }
    audit::TreeHead head{size, *tree_.RootAt(size), SystemTime(std::chrono::milliseconds(1'800'000'000'000))};
    sth_ = *audit::SignTreeHead(head, key_);
  }

  // Serve entry `index` with a different action (and a matching leaf hash, so only the
  // tree can tell).
  void ReplaceEntry(uint64_t index) {
    audit::Entry forged = entries_[index];
    forged.fields.action = "organisation.delete";
    encoded_[index] = *audit::EncodeEntry(forged);
    entries_[index] = forged;
  }
  bool wrong_leaf_hash = false;     // list entries with a leaf_hash of other bytes
  bool bad_signature = false;       // flip a bit of the head signature
  bool bad_inclusion_path = false;  // flip a bit of the first audit path hash
  bool bad_consistency = false;     // flip a bit of the first consistency proof hash

  const crypto::Ed25519PublicKey& public_key() const { return key_.PublicKey(); }

  FakeResponse Handle(const FakeRequest& request) {
    const std::string path = PathOf(request);
    auto query = QueryOf(request);
    auto number = [&](const char* key) { return std::stoull(query.at(key)); };
    if (path == "/api/v1/audit/key") {
      return Json(
          bj::object{{"algorithm", "Ed25519"}, {"public_key", Base64Encode(key_.PublicKey().RawBytes())}});
    }
    if (path == "/api/v1/audit/head") {
      std::string signature(sth_.signature.begin(), sth_.signature.end());
      if (bad_signature) signature[0] ^= 1;
      return Json(bj::object{{"size", sth_.head.size},
                             {"root_hash", crypto::DigestHex(sth_.head.root)},
                             {"timestamp", FormatRfc3339(sth_.head.timestamp)},
                             {"signature", Base64Encode(signature)}});
    }
    if (path == "/api/v1/audit/entries") {
      bj::array entries;
      for (uint64_t i = number("start"); i < std::min<uint64_t>(number("end"), encoded_.size()); ++i) {
        const audit::EntryFields& f = entries_[i].fields;
        std::string leaf = crypto::DigestHex(audit::HashLeaf(wrong_leaf_hash ? "other" : encoded_[i]));
        entries.push_back(bj::object{{"index", i},
                                     {"entry", Base64Encode(encoded_[i])},
                                     {"leaf_hash", leaf},
                                     {"time", FormatRfc3339(entries_[i].time)},
                                     {"member", f.member_id},
                                     {"organisation", f.organisation_id},
                                     {"action", f.action},
                                     {"object", f.object_id},
                                     {"object_hash", crypto::DigestHex(f.object_hash)}});
      }
      return Json(bj::object{{"entries", entries}});
    }
    if (path == "/api/v1/audit/proof/inclusion") {
      const uint64_t index = number("index"), size = number("size");
      auto proof = *tree_.InclusionProof(index, size);
      if (bad_inclusion_path && !proof.empty()) proof[0][0] ^= 1;
      return Json(bj::object{{"index", index},
                             {"size", size},
                             {"leaf_hash", crypto::DigestHex(audit::HashLeaf(encoded_[index]))},
                             {"audit_path", Hexes(proof)},
                             {"root_hash", crypto::DigestHex(*tree_.RootAt(size))}});
    }
    if (path == "/api/v1/audit/proof/consistency") {
      const uint64_t first = number("first"), second = number("second");
      auto proof = *tree_.ConsistencyProof(first, second);
      if (bad_consistency && !proof.empty()) proof[0][0] ^= 1;
      return Json(bj::object{{"first", first},
                             {"second", second},
                             {"first_root", crypto::DigestHex(*tree_.RootAt(first))},
                             {"second_root", crypto::DigestHex(*tree_.RootAt(second))},
                             {"proof", Hexes(proof)}});
    }
    return Json(404, R"({"title":"Not found","status":404})", "application/problem+json");
  }

 private:
  static bj::array Hexes(const std::vector<crypto::Sha256Digest>& hashes) {
    bj::array out;
    for (const auto& hash : hashes) out.emplace_back(crypto::DigestHex(hash));
    return out;
  }

  crypto::Ed25519PrivateKey key_;
  std::vector<audit::Entry> entries_;
  std::vector<std::string> encoded_;
  audit::MerkleTree tree_;
  audit::SignedTreeHead sth_;
};

class AuditCliTest : public ::testing::Test {
 protected:
  AuditCliTest() : node_(13), server_([this](const FakeRequest& r) { return node_.Handle(r); }) {}
  Outcome Node(std::vector<std::string> args) {
    return Aiip(std::move(args), {{"AIIP_SERVER", server_.url()}});
  }

  FakeAuditNode node_;
  FakeServer server_;
};

TEST_F(AuditCliTest, VerifyAcceptsAnIntactLog) {
  Outcome outcome = Node({"audit", "verify"});
  EXPECT_EQ(outcome.code, kExitOk) << outcome.err;
  EXPECT_EQ(outcome.out, "ok: 13 entries match the tree head signed at 2027-01-15T08:00:00.000Z\n");
  Outcome json = Node({"audit", "verify", "--json"});
  EXPECT_EQ(bj::parse(json.out), bj::parse(R"({"ok":true,"size":13,"first_bad_index":null,
      "reason":"13 entries match the tree head signed at 2027-01-15T08:00:00.000Z"})"));
}

TEST_F(AuditCliTest, VerifyNamesAReplacedEntry) {
  node_.ReplaceEntry(9);
  Outcome outcome = Node({"audit", "verify"});
  EXPECT_EQ(outcome.code, kExitProblem);
  EXPECT_NE(outcome.err.find("failed at index 9:"), std::string::npos) << outcome.err;
  Outcome json = Node({"audit", "verify", "--json"});
  EXPECT_EQ(json.code, kExitProblem);
  EXPECT_EQ(bj::parse(json.out).at("first_bad_index").to_number<uint64_t>(), 9u);
}

TEST_F(AuditCliTest, VerifyNamesTheFirstEntryWhoseListedLeafHashIsWrong) {
  node_.wrong_leaf_hash = true;
  Outcome outcome = Node({"audit", "verify"});
  EXPECT_EQ(outcome.code, kExitProblem);
  EXPECT_NE(outcome.err.find("failed at index 0: its leaf_hash differs"), std::string::npos) << outcome.err;
}

TEST_F(AuditCliTest, VerifyRejectsABadSignature) {
  node_.bad_signature = true;
  Outcome outcome = Node({"audit", "verify"});
  EXPECT_EQ(outcome.code, kExitProblem);
  EXPECT_NE(outcome.err.find("not signed by the node key"), std::string::npos) << outcome.err;
}

TEST_F(AuditCliTest, VerifyChecksAPinnedKey) {
  TempDir dir;
  std::string right = dir.Write("right.pub", node_.public_key().ToPem());
  std::string other = dir.Write("other.pub", Base64Encode(std::string(32, 'k')) + "\n");
  EXPECT_EQ(Node({"audit", "verify", "--key", right}).code, kExitOk);
  Outcome outcome = Node({"audit", "verify", "--key", other});
  EXPECT_EQ(outcome.code, kExitProblem);
  EXPECT_NE(outcome.err.find("is not the one in"), std::string::npos) << outcome.err;
}

TEST_F(AuditCliTest, InclusionProofVerifiesAtTheHeadAndAtOlderSizes) {
  Outcome at_head = Node({"audit", "proof", "--index", "5"});
  EXPECT_EQ(at_head.code, kExitOk) << at_head.err;
  EXPECT_TRUE(at_head.out.starts_with("verified            yes\n")) << at_head.out;
  Outcome older = Node({"audit", "proof", "--index", "5", "--size", "7", "--json"});
  EXPECT_EQ(older.code, kExitOk) << older.err;
  EXPECT_EQ(bj::parse(older.out).at("proof").at("size").to_number<uint64_t>(), 7u);
  EXPECT_EQ(Node({"audit", "proof", "--index", "13"}).code, kExitUsage);
}

TEST_F(AuditCliTest, InclusionProofFailsOnATamperedPath) {
  node_.bad_inclusion_path = true;
  Outcome outcome = Node({"audit", "proof", "--index", "5"});
  EXPECT_EQ(outcome.code, kExitProblem);
  EXPECT_NE(outcome.err.find("error: "), std::string::npos);
  EXPECT_EQ(outcome.out, "");
}

TEST_F(AuditCliTest, InclusionProofFailsForAReplacedEntry) {
  node_.ReplaceEntry(5);
  Outcome outcome = Node({"audit", "proof", "--index", "5"});
  EXPECT_EQ(outcome.code, kExitProblem);
}

TEST_F(AuditCliTest, ConsistencyProofVerifies) {
  EXPECT_EQ(Node({"audit", "consistency", "--first", "4", "--second", "13"}).code, kExitOk);
  Outcome older = Node({"audit", "consistency", "--first", "4", "--second", "9"});
  EXPECT_EQ(older.code, kExitOk) << older.err;
  EXPECT_EQ(Node({"audit", "consistency", "--first", "9", "--second", "4"}).code, kExitUsage);
  node_.bad_consistency = true;
  EXPECT_EQ(Node({"audit", "consistency", "--first", "4", "--second", "13"}).code, kExitProblem);
}

TEST_F(AuditCliTest, EntriesPrintAsATable) {
  Outcome outcome = Node({"audit", "entries", "--start", "11", "--end", "20"});
  ASSERT_EQ(outcome.code, kExitOk) << outcome.err;
  EXPECT_EQ(outcome.out,
            "INDEX  TIME                      ACTION               OBJECT  MEMBER  ORGANISATION\n"
            "11     2023-11-14T22:13:20.011Z  organisation.update  org_11  mbr_1   org_1\n"
            "12     2023-11-14T22:13:20.012Z  organisation.update  org_12  mbr_1   org_1\n");
}

// Offline verification reads a real SQLite database written by the audit log.
TEST(AuditOffline, VerifiesADataDirectory) {
  TempDir dir;
  auto key = *crypto::Ed25519PrivateKey::FromSeed(std::string(32, '\x09'));
  ASSERT_TRUE(crypto::WritePublicKeyFile(key.PublicKey(), dir.path() / "node.pub").ok());
  {
    store::StoreOptions options;
    options.url = "sqlite:" + (dir.path() / "aiip.db").string();
    auto store = store::Store::Open(options);
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    FakeClock clock(SystemTime(std::chrono::milliseconds(1'750'000'000'000)));
    auto log = audit::AuditLog::Open(**store, key, clock);
    ASSERT_TRUE(log.has_value()) << log.error().ToString();
    for (int i = 0; i < 5; ++i) {
      Status written = (*store)->Write([&](store::Tx& tx) -> Status {
        auto index = (*log)->Append(
            tx, {"mbr_1", "org_1", "member.create", "mbr_" + std::to_string(i), crypto::Sha256("x")});
        return index.has_value() ? Status::Ok() : index.error();
      });
      ASSERT_TRUE(written.ok()) << written.ToString();
    }
    (*store)->Close();
  }
  Outcome ok = Aiip({"audit", "verify", "--data-dir", dir.path().string()});
  EXPECT_EQ(ok.code, kExitOk) << ok.err;
  EXPECT_TRUE(ok.out.starts_with("ok: ")) << ok.out;

  Outcome both =
      Aiip({"audit", "verify", "--data-dir", dir.path().string(), "--server", "http://127.0.0.1:1"});
  EXPECT_EQ(both.code, kExitUsage);

  {
    store::StoreOptions options;
    options.url = "sqlite:" + (dir.path() / "aiip.db").string();
    auto store = store::Store::Open(options);
    ASSERT_TRUE(store.has_value());
    Status tampered = (*store)->Write([](store::Tx& tx) {
      return tx.Exec("UPDATE audit_entries SET entry = ? WHERE idx = 3", {store::Blob{"forged"}});
    });
    ASSERT_TRUE(tampered.ok()) << tampered.ToString();
    (*store)->Close();
  }
  Outcome bad = Aiip({"audit", "verify", "--data-dir", dir.path().string()});
  EXPECT_EQ(bad.code, kExitProblem);
  EXPECT_NE(bad.err.find("at index 3"), std::string::npos) << bad.err;
}

TEST(AuditOffline, MissingDatabaseIsAUsageError) {
  TempDir dir;
  Outcome outcome = Aiip({"audit", "verify", "--data-dir", dir.path().string()});
  EXPECT_EQ(outcome.code, kExitUsage);
}

}  // namespace
}  // namespace aiip::cli
