// Tests of `aiip vuln scan`, run in-process on the real SBOMs and advisories of
// ../shared/data: output, --json, VEX, exit codes. The scan is offline: no server is
// configured, and the environment is empty.

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "aiip/cli.h"

namespace aiip::cli {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome Aiip(std::vector<std::string> args) {
  args.insert(args.begin(), "aiip");
  std::vector<const char*> argv;
  for (const auto& arg : args) argv.push_back(arg.c_str());
  std::ostringstream out, err;
  const EnvLookup no_environment = [](std::string_view) -> std::optional<std::string> {
    return std::nullopt;
  };
  const int code = RunCli(static_cast<int>(argv.size()), argv.data(), out, err, no_environment);
  return {code, out.str(), err.str()};
}

std::string Data(const std::string& relative) {
  return std::string(AIIP_SOURCE_DIR) + "/../shared/data/" + relative;
}

const std::string kProton = Data("sbom/cyclonedx-proton-bridge_proton-bridge-v1.6.3.bom.json");

TEST(VulnScan, ProtonBridgeAgainstGoAdvisoriesAsJson) {
  const Outcome outcome =
      Aiip({"vuln", "scan", kProton, "--advisories", Data("advisories/osv-go"), "--json"});
  ASSERT_EQ(outcome.code, 1) << outcome.err;
  const bj::value json = bj::parse(outcome.out);
  const bj::array& findings = json.at("findings").as_array();
  // The list pinned (and checked by hand) in tests/data/advisories/matcher.
  std::ifstream pinned_file(std::string(AIIP_SOURCE_DIR) +
                            "/tests/data/advisories/matcher/proton_bridge_expected.json");
  std::stringstream pinned_text;
  pinned_text << pinned_file.rdbuf();
  const bj::value pinned = bj::parse(pinned_text.str());
  std::set<std::pair<std::string, std::string>> got, want;
  for (const auto& f : findings) {
    got.emplace(std::string(f.at("purl").as_string()), std::string(f.at("id").as_string()));
    for (const char* key : {"aliases", "sources", "fixed"}) EXPECT_TRUE(f.at(key).is_array()) << key;
    EXPECT_EQ(f.at("confidence"), "purl");
    EXPECT_EQ(f.at("suppressed"), false);
  }
  for (const auto& f : pinned.at("findings").as_array()) {
    want.emplace(std::string(f.at("purl").as_string()), std::string(f.at("id").as_string()));
  }
  EXPECT_EQ(got, want);
  // One finding in full: golang.org/x/text and CVE-2022-32149.
  for (const auto& f : findings) {
    if (f.at("id") != "CVE-2022-32149") continue;
    EXPECT_EQ(f.at("purl"), "pkg:golang/golang.org/x/text@v0.3.5-0.20201125200606-c27b9fd57aec");
    EXPECT_EQ(f.at("sources"), bj::parse(R"(["GO-2022-1059"])"));
    EXPECT_EQ(f.at("fixed"), bj::parse(R"(["0.3.8"])"));
    bool has_go_alias = false;
    for (const auto& alias : f.at("aliases").as_array())
      has_go_alias = has_go_alias || alias == "GO-2022-1059";
    EXPECT_TRUE(has_go_alias);
  }
}

TEST(VulnScan, MergesAcrossSeveralAdvisoryDirectories) {
  // CVE-2022-21698 (prometheus/client_golang) is both GO-2022-0322 and a CVE 5 record.
  const std::string dir = fs::temp_directory_path() / ("vuln_cli_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string sbom = dir + "/list.txt";
  std::ofstream(sbom) << "pkg:golang/github.com/prometheus/client_golang@v1.11.0\n";
  const Outcome outcome = Aiip({"vuln", "scan", sbom, "--advisories", Data("advisories/osv-go"),
                                "--advisories", Data("advisories/cve5/CVE-2022-21698.json"), "--json"});
  fs::remove_all(dir);
  ASSERT_EQ(outcome.code, 1) << outcome.err;
  const bj::value json = bj::parse(outcome.out);
  bool found = false;
  for (const auto& f : json.at("findings").as_array()) {
    if (f.at("id") != "CVE-2022-21698") continue;
    found = true;
    EXPECT_EQ(f.at("sources"), bj::parse(R"(["GO-2022-0322"])"));
  }
  EXPECT_TRUE(found) << outcome.out;
}

TEST(VulnScan, TableOutputAndNothingAffected) {
  // keycloak is Maven: the Go advisories affect nothing in it.
  const Outcome clean = Aiip({"vuln", "scan", Data("sbom/cyclonedx-keycloak-10.0.2_bom.json"), "--advisories",
                              Data("advisories/osv-go")});
  EXPECT_EQ(clean.code, 0) << clean.err;
  EXPECT_NE(clean.out.find("PURL"), std::string::npos);
  EXPECT_NE(clean.err.find("0 affected"), std::string::npos) << clean.err;

  const Outcome affected = Aiip({"vuln", "scan", kProton, "--advisories", Data("advisories/osv-go")});
  EXPECT_EQ(affected.code, 1) << affected.err;
  EXPECT_NE(affected.out.find("pkg:golang/golang.org/x/net@v0.0.0-20200707034311-ab3426394381"),
            std::string::npos);
  EXPECT_NE(affected.err.find("34 affected"), std::string::npos) << affected.err;
}

TEST(VulnScan, VexSuppressesAndExitsZero) {
  const std::string dir = fs::temp_directory_path() / ("vuln_cli_vex_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // GHSA-288c-cq4h-88gq (CVE-2020-25649), jackson-databind; the SBOM and VEX are the CycloneDX examples.
  std::ofstream(dir + "/ghsa.json") << R"({"id": "GHSA-288c-cq4h-88gq", "modified": "2023-01-01T00:00:00Z",
    "aliases": ["CVE-2020-25649"],
    "affected": [{"package": {"ecosystem": "Maven", "name": "com.fasterxml.jackson.core:jackson-databind"},
                  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.10.0"}, {"fixed": "2.10.5.1"}]}]}]})";
  const Outcome without = Aiip({"vuln", "scan", Data("sbom/vex/bom.json"), "--advisories", dir, "--json"});
  const Outcome with = Aiip({"vuln", "scan", Data("sbom/vex/bom.json"), "--advisories", dir, "--vex",
                             Data("sbom/vex/vex.json"), "--json"});
  fs::remove_all(dir);
  EXPECT_EQ(without.code, 1) << without.err;
  ASSERT_EQ(with.code, 0) << with.err;
  const bj::value json = bj::parse(with.out);
  ASSERT_EQ(json.at("findings").as_array().size(), 1u);
  const bj::value& finding = json.at("findings").at(0);
  EXPECT_EQ(finding.at("id"), "CVE-2020-25649");
  EXPECT_EQ(finding.at("suppressed"), true);
  EXPECT_NE(std::string(finding.at("reason").as_string()).find("not_affected"), std::string::npos);
}

TEST(VulnScan, ErrorsExitTwo) {
  // Missing file, missing --advisories, unparsable SBOM.
  EXPECT_EQ(Aiip({"vuln", "scan", "/nonexistent.json", "--advisories", Data("advisories/cve5")}).code, 2);
  EXPECT_EQ(Aiip({"vuln", "scan", kProton}).code, 2);
  const Outcome bad = Aiip(
      {"vuln", "scan", Data("advisories/cve5/CVE-2022-21698.json"), "--advisories", Data("advisories/cve5")});
  EXPECT_EQ(bad.code, 2) << bad.err;
  EXPECT_NE(bad.err.find("error:"), std::string::npos);
}

}  // namespace
}  // namespace aiip::cli
