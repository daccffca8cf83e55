// The aiip CLI against a real node: the interfaces other checks rely on (party list --json,
// org add, member add, token create, audit verify), human-readable tables, and exit codes
// (0 ok, 1 problem from the node, 2 usage error or unreachable node).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/json.h"
#include "tests/integration/harness.h"

namespace aiip::testing {
namespace {
namespace bj = boost::json;

class CliTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    node_ = std::make_unique<NodeProcess>(GetParam());
    node_->Start();
  }
  CommandResult Aiip(std::vector<std::string> args, std::optional<std::string> token = std::nullopt) {
    args.insert(args.begin(), {BinaryPath("aiip").string(), "--server", node_->url()});
    return RunCommand(args, {{"AIIP_TOKEN", token.value_or(node_->AdminToken())}});
  }
  bj::value Json(const CommandResult& r) {
    auto v = json::Parse(r.out);
    EXPECT_TRUE(v.has_value()) << r.out << r.err;
    return v ? *v : bj::value();
  }
  std::unique_ptr<NodeProcess> node_;
};

TEST_P(CliTest, CreatesAnOrganisationAMemberAndATokenThatWorks) {
  auto org = Aiip({"org", "add", "--name", "CERT-NZ", "--kind", "csirt", "--state", "NZ", "--json"});
  ASSERT_EQ(org.exit_code, 0) << org.err;
  std::string org_id(Json(org).at("id").as_string());

  auto member = Aiip({"member", "add", "--org", org_id, "--name", "Duty analyst", "--role", "analyst", "--role",
                      "reporter", "--json"});
  ASSERT_EQ(member.exit_code, 0) << member.err;
  auto member_json = Json(member);
  std::string member_id(member_json.at("id").as_string());
  EXPECT_EQ(member_json.at("roles"), (bj::array{"analyst", "reporter"}));

  // In table mode the token is alone on the last line, for `tail -1`.
  auto token = Aiip({"token", "create", "--member", member_id});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  std::string out = token.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  std::string secret = out.substr(out.rfind('\n') + 1);
  ASSERT_TRUE(secret.starts_with("aiip_")) << token.out;

  auto whoami = Aiip({"whoami", "--json"}, secret);
  ASSERT_EQ(whoami.exit_code, 0) << whoami.err;
  EXPECT_EQ(Json(whoami).at("member").at("id").as_string(), member_id);

  // The analyst may not create organisations: exit 1 with the problem on stderr.
  auto denied = Aiip({"org", "add", "--name", "X", "--kind", "csirt", "--state", "NZ"}, secret);
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("roles"), std::string::npos) << denied.err;
}

TEST_P(CliTest, PartyListJsonHasEveryStateWithItsKind) {
  auto list = Aiip({"party", "list", "--kind", "state", "--limit", "500", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto items = Json(list).at("items").as_array();
  EXPECT_EQ(items.size(), 249u);
  for (const auto& p : items) {
    EXPECT_EQ(p.at("kind").as_string(), "state");
    EXPECT_EQ(p.at("id").as_string(), "state_" + std::string(p.at("state").as_string()));
    EXPECT_FALSE(p.at("name").as_string().empty());
  }
  auto table = Aiip({"party", "list", "--state", "FR"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("France"), std::string::npos) << table.out;
}

TEST_P(CliTest, ErrorsNameTheFieldAndUseDistinctExitCodes) {
  auto bad = Aiip({"org", "add", "--name", "CERT-XX", "--kind", "csirt", "--state", "XX"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("/state"), std::string::npos) << bad.err;
  auto usage = Aiip({"org", "add", "--kind", "csirt"});
  EXPECT_EQ(usage.exit_code, 2) << usage.err;
  auto unreachable = RunCommand({BinaryPath("aiip").string(), "--server", "http://127.0.0.1:1", "health"});
  EXPECT_EQ(unreachable.exit_code, 2) << unreachable.err;
  auto bad_token = Aiip({"party", "list"}, "aiip_not_a_token_at_all_not_a_token_at_all_xx");
  EXPECT_EQ(bad_token.exit_code, 1) << bad_token.err;
}

INSTANTIATE_TEST_SUITE_P(Backends, CliTest, ::testing::ValuesIn(IntegrationBackends()),
                         [](const auto& p) { return BackendName(p.param); });

}  // namespace
}  // namespace aiip::testing
