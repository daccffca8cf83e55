#include "advisories/inventory/inventory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace aiip::advisories {
namespace {

namespace bj = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string SharedSbom(std::string_view file) {
  return Slurp(std::string(AIIP_SOURCE_DIR) + "/../shared/data/sbom/" + std::string(file));
}

std::string OwnData(std::string_view file) {
  return Slurp(std::string(AIIP_SOURCE_DIR) + "/tests/data/advisories/sbom/" + std::string(file));
}

bool HasWarning(const Inventory& inv, std::string_view prefix, std::string_view text) {
  return std::any_of(inv.warnings.begin(), inv.warnings.end(), [&](const std::string& w) {
    return w.starts_with(std::string(prefix) + ": ") && w.find(text) != std::string::npos;
  });
}

const Component* FindOrigin(const Inventory& inv, std::string_view origin) {
  for (const Component& c : inv.components) {
    if (c.origin == origin) return &c;
  }
  return nullptr;
}

// Counts computed independently with python3 (json.load; components counted recursively,
// metadata.component included; one VEX statement per affects[] entry, one for a
// vulnerability without affects; histogram of analysis.state).
struct SbomFacts {
  const char* file;
  const char* format;
  size_t components;
  size_t with_purl;
  size_t vex;
  const char* states;
};

constexpr SbomFacts kShared[] = {
    {"cyclonedx-cern-lhc-vdm-editor-e564943_bom.json", "cyclonedx-1.2", 44, 44, 0, ""},
    {"cyclonedx-dropwizard-1.3.15_bom.json", "cyclonedx-1.2", 168, 168, 0, ""},
    {"cyclonedx-juice-shop_v11.1.2_bom.json", "cyclonedx-1.2", 841, 841, 0, ""},
    {"cyclonedx-juice-shop_via_npm_flat_bom.1.4.json", "cyclonedx-1.4", 1116, 1116, 0, ""},
    {"cyclonedx-keycloak-10.0.2_bom.json", "cyclonedx-1.2", 904, 904, 0, ""},
    {"cyclonedx-laravel-7.12.0_bom.1.4.json", "cyclonedx-1.4", 63, 63, 0, ""},
    {"cyclonedx-proton-bridge_proton-bridge-v1.6.3.bom.json", "cyclonedx-1.2", 202, 202, 0, ""},
    {"cyclonedx-protonmail-webclient-v4-0912dff_bom.json", "cyclonedx-1.2", 884, 884, 0, ""},
    {"vex/CISA-Use-Cases_Case-1_vex-affected.json", "cyclonedx-1.4", 1, 0, 1, "exploitable=1"},
    {"vex/CISA-Use-Cases_Case-1_vex-fixed.json", "cyclonedx-1.4", 1, 0, 1, "resolved=1"},
    {"vex/CISA-Use-Cases_Case-1_vex-not_affected.json", "cyclonedx-1.4", 1, 0, 1, "not_affected=1"},
    {"vex/CISA-Use-Cases_Case-1_vex-under_investigation.json", "cyclonedx-1.4", 1, 0, 1, "in_triage=1"},
    {"vex/CISA-Use-Cases_Case-2_vex.json", "cyclonedx-1.4", 1, 0, 19, "not_affected=19"},
    {"vex/CISA-Use-Cases_Case-3_vex.json", "cyclonedx-1.4", 1, 0, 19,
     "exploitable=5,in_triage=5,not_affected=6,resolved=3"},
    {"vex/CISA-Use-Cases_Case-4_vex.json", "cyclonedx-1.4", 1, 0, 1, "exploitable=1"},
    {"vex/CISA-Use-Cases_Case-5_vex.json", "cyclonedx-1.4", 1, 0, 1, "in_triage=1"},
    {"vex/CISA-Use-Cases_Case-6_vex.json", "cyclonedx-1.4", 1, 0, 2, "exploitable=1,not_affected=1"},
    {"vex/CISA-Use-Cases_Case-7_bom-1.json", "cyclonedx-1.4", 1, 0, 0, ""},
    {"vex/CISA-Use-Cases_Case-7_bom-2.json", "cyclonedx-1.4", 1, 0, 0, ""},
    {"vex/CISA-Use-Cases_Case-7_vex.json", "cyclonedx-1.4", 0, 0, 5,
     "exploitable=2,not_affected=2,resolved=1"},
    {"vex/CISA-Use-Cases_Case-8_bom-1.json", "cyclonedx-1.4", 1, 0, 0, ""},
    {"vex/CISA-Use-Cases_Case-8_bom-2.json", "cyclonedx-1.4", 1, 0, 0, ""},
    {"vex/CISA-Use-Cases_Case-8_vex.json", "cyclonedx-1.4", 0, 0, 11,
     "exploitable=4,not_affected=5,resolved=2"},
    {"vex/Use-Cases_Case-10_vex.json", "cyclonedx-1.4", 1, 0, 1, "not_affected=1"},
    {"vex/Use-Cases_Case-11_vex.json", "cyclonedx-1.4", 1, 0, 19, "not_affected=19"},
    {"vex/Use-Cases_Case-12_vex.json", "cyclonedx-1.4", 1, 0, 3, "exploitable=1,not_affected=2"},
    {"vex/Use-Cases_Case-13_bom-1.json", "cyclonedx-1.4", 1, 0, 0, ""},
    {"vex/Use-Cases_Case-13_bom-2.json", "cyclonedx-1.4", 1, 0, 0, ""},
    {"vex/Use-Cases_Case-13_bom-3.json", "cyclonedx-1.4", 1, 0, 0, ""},
    {"vex/Use-Cases_Case-13_vex.json", "cyclonedx-1.4", 0, 0, 3, "exploitable=1,not_affected=2"},
    {"vex/Use-Cases_Case-1_vex.json", "cyclonedx-1.4", 1, 0, 1, "not_affected=1"},
    {"vex/Use-Cases_Case-2_vex.json", "cyclonedx-1.4", 1, 0, 1, "exploitable=1"},
    {"vex/Use-Cases_Case-3_vex.json", "cyclonedx-1.4", 1, 0, 1, "in_triage=1"},
    {"vex/Use-Cases_Case-4_vex.json", "cyclonedx-1.4", 1, 0, 1, "not_affected=1"},
    {"vex/Use-Cases_Case-5_vex.json", "cyclonedx-1.4", 1, 0, 2, "exploitable=1,not_affected=1"},
    {"vex/Use-Cases_Case-6_bom-1.json", "cyclonedx-1.4", 1, 0, 0, ""},
    {"vex/Use-Cases_Case-6_bom-2.json", "cyclonedx-1.4", 1, 0, 0, ""},
    {"vex/Use-Cases_Case-6_bom-3.json", "cyclonedx-1.4", 1, 0, 0, ""},
    {"vex/Use-Cases_Case-6_vex.json", "cyclonedx-1.4", 0, 0, 3, "not_affected=3"},
    {"vex/Use-Cases_Case-7_vex.json", "cyclonedx-1.4", 0, 0, 1, "not_affected=1"},
    {"vex/Use-Cases_Case-8_vex.json", "cyclonedx-1.4", 1, 0, 1, "not_affected=1"},
    {"vex/Use-Cases_Case-9_bom-1.json", "cyclonedx-1.4", 1, 0, 0, ""},
    {"vex/Use-Cases_Case-9_bom-2.json", "cyclonedx-1.4", 1, 0, 0, ""},
    {"vex/Use-Cases_Case-9_bom-3.json", "cyclonedx-1.4", 1, 0, 0, ""},
    {"vex/Use-Cases_Case-9_vex.json", "cyclonedx-1.4", 0, 0, 57, "not_affected=57"},
    {"vex/bom.json", "cyclonedx-1.3", 4, 4, 0, ""},
    {"vex/vex.json", "cyclonedx-1.4", 0, 0, 1, "not_affected=1"},
};

std::string StateHistogram(const Inventory& inv) {
  std::map<std::string, int> counts;
  for (const VexStatement& s : inv.vex) ++counts[s.state];
  std::string out;
  for (const auto& [state, n] : counts) {
    if (!out.empty()) out += ',';
    out += state + "=" + std::to_string(n);
  }
  return out;
}

TEST(InventoryTest, EverySharedSbomParsesWithTheCountsPythonFinds) {
  for (const SbomFacts& f : kShared) {
    SCOPED_TRACE(f.file);
    Result<Inventory> inv = ParseInventory(SharedSbom(f.file));
    ASSERT_TRUE(inv.has_value()) << inv.error().ToString();
    EXPECT_EQ(inv->format, f.format);
    EXPECT_EQ(inv->components.size(), f.components);
    EXPECT_EQ(static_cast<size_t>(std::count_if(inv->components.begin(), inv->components.end(),
                                                [](const Component& c) { return !c.purl.empty(); })),
              f.with_purl);
    EXPECT_EQ(inv->vex.size(), f.vex);
    EXPECT_EQ(StateHistogram(*inv), f.states);
    // Every purl the real SBOMs carry is valid: the only warnings are for components
    // without any identifier.
    for (const std::string& w : inv->warnings) EXPECT_THAT(w, HasSubstr("neither a purl nor a CPE"));
    for (const Component& c : inv->components) {
      EXPECT_TRUE(c.origin == "/metadata/component" || c.origin.starts_with("/components/") ||
                  c.origin.starts_with("/metadata/component/components/"))
          << c.origin;
    }
  }
}

TEST(InventoryTest, KeycloakComponentsInDetail) {
  Result<Inventory> inv = ParseCycloneDx(SharedSbom("cyclonedx-keycloak-10.0.2_bom.json"));
  ASSERT_TRUE(inv.has_value());
  EXPECT_EQ(inv->name, "keycloak-parent");
  EXPECT_EQ(inv->version, "10.0.2");
  const Component& root = inv->components.front();
  EXPECT_EQ(root.origin, "/metadata/component");
  EXPECT_EQ(root.purl, "pkg:maven/org.keycloak/keycloak-parent@10.0.2");
  EXPECT_EQ(root.group, "org.keycloak");
  EXPECT_EQ(root.type, "application");
  const Component* first = FindOrigin(*inv, "/components/0");
  ASSERT_NE(first, nullptr);
  EXPECT_FALSE(first->bom_ref.empty());
  EXPECT_FALSE(first->name.empty());
  EXPECT_TRUE(first->purl.starts_with("pkg:maven/")) << first->purl;
}

TEST(InventoryTest, NpmScopesAndSubpathsFromJuiceShop) {
  Result<Inventory> inv = ParseInventory(SharedSbom("cyclonedx-juice-shop_via_npm_flat_bom.1.4.json"));
  ASSERT_TRUE(inv.has_value());
  const auto it = std::find_if(inv->components.begin(), inv->components.end(),
                               [](const Component& c) { return c.name == "parser" && c.group == "@babel"; });
  ASSERT_NE(it, inv->components.end());
  EXPECT_EQ(it->purl, "pkg:npm/%40babel/parser@7.21.2#packages/babel-parser");
}

TEST(InventoryTest, VexUseCaseStatements) {
  Result<Inventory> inv = ParseInventory(SharedSbom("vex/Use-Cases_Case-5_vex.json"));
  ASSERT_TRUE(inv.has_value());
  ASSERT_EQ(inv->vex.size(), 2u);
  const VexStatement& a = inv->vex[0];
  EXPECT_EQ(a.vulnerability_id, "CVE-2020-25649");
  EXPECT_EQ(a.component_ref, "acme-product");
  EXPECT_EQ(a.state, "exploitable");
  ASSERT_EQ(a.versions.size(), 1u);
  EXPECT_EQ(a.versions[0].range, "vers:semver/<7.0.0|>=1.5.0");
  EXPECT_EQ(a.versions[0].status, "affected");
  EXPECT_EQ(a.origin, "/vulnerabilities/0/affects/0");
  const VexStatement& b = inv->vex[1];
  EXPECT_EQ(b.state, "not_affected");
  EXPECT_EQ(b.justification, "code_not_reachable");
  EXPECT_THAT(b.detail, HasSubstr("not reachable"));

  Result<Inventory> refs = ParseInventory(SharedSbom("vex/vex.json"));
  ASSERT_TRUE(refs.has_value());
  ASSERT_EQ(refs->vex.size(), 1u);
  EXPECT_THAT(refs->vex[0].aliases, ElementsAre("SNYK-JAVA-COMFASTERXMLJACKSONCORE-1048302"));
  EXPECT_EQ(refs->vex[0].component_ref,
            "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#pkg:maven/com.fasterxml.jackson.core/"
            "jackson-databind@2.10.0?type=jar");

  // "Applies to all products": no affects, one statement without a target.
  Result<Inventory> all = ParseInventory(SharedSbom("vex/Use-Cases_Case-7_vex.json"));
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->vex.size(), 1u);
  EXPECT_EQ(all->vex[0].component_ref, "");
  EXPECT_EQ(all->vex[0].origin, "/vulnerabilities/0");
  EXPECT_TRUE(all->components.empty());
}

TEST(InventoryTest, NestedCycloneDxWithBadEntriesKeepsTheRest) {
  Result<Inventory> inv = ParseInventory(OwnData("cyclonedx-1.6-firmware-nested.json"));
  ASSERT_TRUE(inv.has_value()) << inv.error().ToString();
  EXPECT_EQ(inv->format, "cyclonedx-1.6");
  EXPECT_EQ(inv->name, "edge-router-firmware");
  EXPECT_EQ(inv->version, "4.2.1");
  std::vector<std::string> origins;
  for (const Component& c : inv->components) origins.push_back(c.origin);
  EXPECT_THAT(origins,
              ElementsAre("/metadata/component", "/metadata/component/components/0", "/components/0",
                          "/components/0/components/0", "/components/0/components/1",
                          "/components/0/components/1/components/0", "/components/1", "/components/2",
                          "/components/3", "/components/4", "/components/5", "/components/7"));
  const Component* fw = FindOrigin(*inv, "/metadata/component");
  EXPECT_THAT(fw->cpes, ElementsAre("cpe:2.3:o:examplenetworks:edge_router_firmware:4.2.1:*:*:*:*:*:*:*"));
  const Component* popper = FindOrigin(*inv, "/components/0/components/1/components/0");
  EXPECT_EQ(popper->purl, "pkg:npm/popper.js@1.14.7");
  EXPECT_EQ(popper->bom_ref, "webui/bootstrap/popper");
  const Component* openssl = FindOrigin(*inv, "/components/1");
  EXPECT_EQ(openssl->purl,
            "pkg:generic/openssl@1.1.1w?download_url=https://www.openssl.org/source/openssl-1.1.1w.tar.gz");
  EXPECT_THAT(openssl->cpes, ElementsAre("cpe:2.3:a:openssl:openssl:1.1.1w:*:*:*:*:*:*:*"));
  const Component* dropbear = FindOrigin(*inv, "/components/3");
  EXPECT_EQ(dropbear->name, "dropbear");
  EXPECT_EQ(dropbear->purl, "");
  EXPECT_TRUE(dropbear->cpes.empty());
  EXPECT_TRUE(HasWarning(*inv, "/components/3/purl", "qualifiers:"));
  EXPECT_TRUE(HasWarning(*inv, "/components/3/cpe", "binding:"));
  EXPECT_TRUE(HasWarning(*inv, "/components/4/purl", "namespace:"));
  EXPECT_TRUE(HasWarning(*inv, "/components/5", "neither a purl nor a CPE"));
  EXPECT_TRUE(HasWarning(*inv, "/components/6", "must be an object"));
  EXPECT_TRUE(HasWarning(*inv, "/components/7/version", "must be a string"));
  EXPECT_TRUE(HasWarning(*inv, "/components/7/components", "must be an array"));
  const Component* zlib = FindOrigin(*inv, "/components/7");
  EXPECT_EQ(zlib->name, "zlib1g");  // taken from the purl when the component has none
  EXPECT_EQ(zlib->version, "1:1.2.13.dfsg-1");

  ASSERT_EQ(inv->vex.size(), 4u);
  EXPECT_EQ(inv->vex[0].component_ref, "openssl");
  EXPECT_THAT(inv->vex[0].aliases, ElementsAre("GHSA-xxxx-yyyy-zzzz"));
  ASSERT_EQ(inv->vex[0].versions.size(), 2u);
  EXPECT_EQ(inv->vex[0].versions[0].version, "1.1.1w");
  EXPECT_EQ(inv->vex[0].versions[0].status, "unaffected");
  EXPECT_EQ(inv->vex[0].versions[1].range, "vers:generic/>=1.1.1a|<=1.1.1v");
  EXPECT_EQ(inv->vex[1].component_ref, "urn:cdx:0d6a3f0e-8c1b-4a57-9c53-3e0f6c1f2b11/3#kernel");
  EXPECT_EQ(inv->vex[2].vulnerability_id, "CVE-2020-11022");
  EXPECT_EQ(inv->vex[2].state, "exploitable");
  EXPECT_EQ(inv->vex[3].state, "wontfix");
  EXPECT_TRUE(HasWarning(*inv, "/vulnerabilities/0/affects/0/versions/2", "neither a version nor a range"));
  EXPECT_TRUE(HasWarning(*inv, "/vulnerabilities/0/affects/2", "no ref"));
  EXPECT_TRUE(HasWarning(*inv, "/vulnerabilities/2/analysis/state", "not a CycloneDX analysis state"));
  EXPECT_TRUE(HasWarning(*inv, "/vulnerabilities/2/analysis/justification", "not a CycloneDX justification"));
  EXPECT_TRUE(HasWarning(*inv, "/vulnerabilities/3", "no id"));
}

TEST(InventoryTest, SpdxDebianHost) {
  Result<Inventory> inv = ParseInventory(OwnData("spdx-2.3-debian-12-host.json"));
  ASSERT_TRUE(inv.has_value()) << inv.error().ToString();
  EXPECT_EQ(inv->format, "spdx-2.3");
  EXPECT_EQ(inv->name, "debian");  // the package the document DESCRIBES
  EXPECT_EQ(inv->version, "12.12");
  ASSERT_EQ(inv->components.size(), 16u);
  EXPECT_TRUE(inv->warnings.empty()) << inv->warnings.front();
  const Component& os = inv->components[0];
  EXPECT_EQ(os.type, "operating_system");
  EXPECT_EQ(os.purl, "");
  EXPECT_THAT(os.cpes, ElementsAre("cpe:2.3:o:debian:debian_linux:12.0:*:*:*:*:*:*:*"));
  const Component* git = FindOrigin(*inv, "/packages/5");
  ASSERT_NE(git, nullptr);
  EXPECT_EQ(git->bom_ref, "SPDXRef-Package-deb-git");
  EXPECT_EQ(git->version, "1:2.39.5-0+deb12u3");
  EXPECT_EQ(git->purl, "pkg:deb/debian/git@1:2.39.5-0%2Bdeb12u3?arch=amd64&distro=debian-12");
  EXPECT_THAT(git->cpes, ElementsAre("cpe:2.3:a:git-scm:git:2.39.5:*:*:*:*:*:*:*"));
  const Component* libssl = FindOrigin(*inv, "/packages/10");
  ASSERT_NE(libssl, nullptr);
  EXPECT_EQ(libssl->purl,
            "pkg:deb/debian/"
            "libssl3@3.0.19-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl%403.0.19-1~deb12u2");
  EXPECT_EQ(libssl->type, "library");
}

TEST(InventoryTest, SpdxPythonServiceWarnsPerPackage) {
  Result<Inventory> inv = ParseInventory(OwnData("spdx-2.3-python-service.json"));
  ASSERT_TRUE(inv.has_value()) << inv.error().ToString();
  EXPECT_EQ(inv->name, "portal-backend");
  EXPECT_EQ(inv->version, "2.4.0");
  ASSERT_EQ(inv->components.size(), 9u);
  EXPECT_EQ(inv->components[1].purl, "pkg:pypi/django@3.2.18");
  EXPECT_EQ(inv->components[1].name, "Django");  // as the document names it
  EXPECT_THAT(inv->components[1].cpes,
              ElementsAre("cpe:2.3:a:djangoproject:django:3.2.18:*:*:*:*:python:*:*"));
  EXPECT_EQ(inv->components[2].purl, "pkg:pypi/pyyaml@5.3.1");
  EXPECT_THAT(inv->components[2].cpes, ElementsAre("cpe:2.3:a:pyyaml:pyyaml:5.3.1:*:*:*:*:*:*:*"));
  EXPECT_EQ(inv->components[3].purl, "pkg:pypi/typing-extensions@4.5.0");
  EXPECT_EQ(inv->components[6].purl, "pkg:npm/%40babel/traverse@7.22.5");
  EXPECT_EQ(inv->components[7].purl, "");
  EXPECT_EQ(inv->components[8].purl, "");
  EXPECT_EQ(inv->components[8].name, "internal-auth");
  EXPECT_TRUE(HasWarning(*inv, "/packages/7", "neither a purl nor a CPE"));
  EXPECT_TRUE(HasWarning(*inv, "/packages/8/externalRefs/0/referenceLocator", "scheme:"));
  EXPECT_EQ(inv->warnings.size(), 2u);
}

TEST(InventoryTest, Spdx22GoAgent) {
  Result<Inventory> inv = ParseSpdx(OwnData("spdx-2.2-go-agent.json"));
  ASSERT_TRUE(inv.has_value()) << inv.error().ToString();
  EXPECT_EQ(inv->format, "spdx-2.2");
  EXPECT_EQ(inv->name, "github.com/example-noc/traceback-agent");
  ASSERT_EQ(inv->components.size(), 5u);
  EXPECT_EQ(inv->components[3].purl, "pkg:golang/github.com/BurntSushi/toml@v0.3.1");
  EXPECT_EQ(inv->components[3].group, "github.com/BurntSushi");
  EXPECT_THAT(inv->components[4].cpes, ElementsAre("cpe:2.3:a:golang:go:1.20.1:*:*:*:*:*:*:*"));
  EXPECT_TRUE(HasWarning(*inv, "/packages/4/externalRefs/1/referenceLocator", "binding:"));
  EXPECT_EQ(inv->warnings.size(), 1u);
}

TEST(InventoryTest, PlainLists) {
  Result<Inventory> purls = ParseInventory(OwnData("purls.txt"));
  ASSERT_TRUE(purls.has_value()) << purls.error().ToString();
  EXPECT_EQ(purls->format, "purl-list");
  ASSERT_EQ(purls->components.size(), 8u);
  EXPECT_EQ(purls->components[0].origin, "line 2");
  EXPECT_EQ(purls->components[0].purl, "pkg:deb/debian/nginx@1.22.1-9?arch=amd64&distro=debian-12");
  EXPECT_EQ(purls->components[0].name, "nginx");
  EXPECT_EQ(purls->components[0].group, "debian");
  EXPECT_EQ(purls->components[2].origin, "line 5");
  EXPECT_EQ(purls->components[2].purl, "pkg:npm/%40angular/core@15.2.9");
  EXPECT_EQ(purls->components[3].purl, "pkg:pypi/jinja2@3.1.2");
  EXPECT_EQ(purls->components[5].purl, "pkg:golang/github.com/gorilla/websocket@v1.4.2#examples/chat");
  EXPECT_EQ(purls->components[6].purl, "pkg:composer/laravel/framework@v7.12.0");
  EXPECT_THAT(purls->components[7].cpes, ElementsAre("cpe:2.3:a:nginx:nginx:1.22.1:*:*:*:*:*:*:*"));
  EXPECT_EQ(purls->components[7].name, "nginx");
  EXPECT_EQ(purls->components[7].version, "1.22.1");

  Result<Inventory> cpes = ParseInventory(OwnData("cpes.txt"));
  ASSERT_TRUE(cpes.has_value()) << cpes.error().ToString();
  EXPECT_EQ(cpes->format, "cpe-list");
  ASSERT_EQ(cpes->components.size(), 3u);
  EXPECT_THAT(cpes->components[1].cpes, ElementsAre("cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"));
  EXPECT_EQ(cpes->components[2].origin, "line 4");
  EXPECT_EQ(cpes->components[2].version, "");  // NA
}

TEST(InventoryTest, InvalidDocumentsNameTheField) {
  const bj::array cases = bj::parse(OwnData("invalid.json")).as_array();
  ASSERT_GE(cases.size(), 20u);
  for (const bj::value& item : cases) {
    const bj::object& c = item.as_object();
    SCOPED_TRACE(std::string(c.at("description").as_string()));
    Result<Inventory> inv = ParseInventory(std::string(c.at("input").as_string()));
    ASSERT_FALSE(inv.has_value());
    EXPECT_EQ(inv.error().code(), Code::kInvalidArgument);
    EXPECT_EQ(inv.error().type(), std::string(c.at("type").as_string())) << inv.error().ToString();
    EXPECT_EQ(inv.error().field(), std::string(c.at("field").as_string())) << inv.error().ToString();
    if (const bj::value* prefix = c.if_contains("detail_prefix")) {
      EXPECT_TRUE(inv.error().detail().starts_with(std::string(prefix->as_string()))) << inv.error().detail();
    }
  }
}

TEST(InventoryTest, FormatSpecificEntryPointsRefuseOtherFormats) {
  EXPECT_EQ(ParseCycloneDx(OwnData("spdx-2.2-go-agent.json")).error().field(), "/bomFormat");
  EXPECT_EQ(ParseSpdx(SharedSbom("vex/vex.json")).error().field(), "/spdxVersion");
  EXPECT_EQ(ParsePlainList("{\"bomFormat\": \"CycloneDX\"}").error().type(), "invalid-value");
}

TEST(InventoryTest, ByteOrderMarkAndLeadingWhitespace) {
  Result<Inventory> inv = ParseInventory(
      "\xEF\xBB\xBF\n  {\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[]}");
  ASSERT_TRUE(inv.has_value()) << inv.error().ToString();
  EXPECT_EQ(inv->format, "cyclonedx-1.5");
  Result<Inventory> list = ParseInventory("\xEF\xBB\xBFpkg:cargo/rand@0.7.2\n");
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  EXPECT_EQ(list->components[0].purl, "pkg:cargo/rand@0.7.2");
}

// Debug and sanitizer builds are far slower than Release; this budget only catches a
// quadratic slip. The Release figure is measured by bench/sbom_parse_bench.
TEST(InventoryTest, KeycloakParsesWithinBudget) {
  const std::string bytes = SharedSbom("cyclonedx-keycloak-10.0.2_bom.json");
  const auto start = std::chrono::steady_clock::now();
  Result<Inventory> inv = ParseInventory(bytes);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(inv.has_value());
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 2000);
}

}  // namespace
}  // namespace aiip::advisories
