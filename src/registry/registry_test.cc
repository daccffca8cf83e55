// Registry service tests on a real store (SQLite and PostgreSQL): validation, permissions,
// tokens, bootstrap, demonstration data, and one audit event per change in the same
// transaction.
#include "registry/registry.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/json.h"
#include "store/testing/test_store.h"

namespace aiip::registry {
namespace {
namespace bj = boost::json;
using store::testing::Backend;

bj::object Obj(std::string_view text) { return json::ParseObject(text).value(); }

class RegistryTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto db = store::testing::TestDatabase::Create(GetParam());
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
    store::StoreOptions options;
    options.url = db_->url();
    auto s = store::Store::Open(options);
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    store_ = std::move(*s);
    auto ref = ReferenceData::LoadSystem();
    ASSERT_TRUE(ref.has_value()) << ref.error().ToString();
    reference_ = std::move(*ref);
    registry_ = std::make_unique<Registry>(
        *store_, reference_,
        [this](store::Tx& tx, const AuditEvent& e) -> Status {
          events_.push_back(e);
          // A marker row proves the event is written in the change's own transaction.
          return tx.Exec("INSERT INTO node_meta (name, value) VALUES (?, ?)",
                         {"audit-" + std::to_string(events_.size()) + "-" + e.action, e.object});
        },
        clock_, random_);
    ASSERT_TRUE(registry_->ImportStates().ok());
    admin_ = Actor::System();
  }
  void TearDown() override {
    registry_.reset();
    if (store_) store_->Close();
    store_.reset();
  }
  int64_t Count(const std::string& sql) {
    int64_t n = -1;
    EXPECT_TRUE(store_->Read([&](store::Tx& tx) -> Status {
                        auto rows = tx.Query(sql);
                        if (!rows) return rows.error();
                        n = rows->at(0).Int(0);
                        return Status::Ok();
                      }).ok());
    return n;
  }

  FakeClock clock_{SystemTime(std::chrono::milliseconds(1790000000000))};
  SeededRandom random_{42};
  std::unique_ptr<store::testing::TestDatabase> db_;
  std::unique_ptr<store::Store> store_;
  ReferenceData reference_;
  std::unique_ptr<Registry> registry_;
  std::vector<AuditEvent> events_;
  Actor admin_;
};

TEST_P(RegistryTest, ImportsEveryIsoStateOnceWithOneAuditEvent) {
  EXPECT_EQ(Count("SELECT COUNT(*) FROM states"), static_cast<int64_t>(reference_.states().size()));
  ASSERT_TRUE(registry_->ImportStates().ok());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].action, "states.import");
  auto fr = registry_->GetParty("state_FR");
  ASSERT_TRUE(fr.has_value());
  EXPECT_EQ(fr->at("alpha3").as_string(), "FRA");
}

TEST_P(RegistryTest, CreatesOrganisationsMembersAndTokensWithAuditEvents) {
  auto org = registry_->CreateOrganisation(admin_, Obj(R"({"name":"CERT-EE","kind":"csirt","state":"EE"})"));
  ASSERT_TRUE(org.has_value()) << org.error().ToString();
  EXPECT_TRUE(org->id.starts_with("org_"));
  auto member = registry_->CreateMember(
      admin_, Obj(R"({"organisation":")" + org->id + R"(","name":"Analyst","roles":["analyst","reporter"]})"));
  ASSERT_TRUE(member.has_value()) << member.error().ToString();
  auto token = registry_->CreateToken(admin_, Obj(R"({"member":")" + member->id + R"(","label":"laptop"})"));
  ASSERT_TRUE(token.has_value()) << token.error().ToString();

  auto actor = registry_->Authenticate(token->secret);
  ASSERT_TRUE(actor.has_value()) << actor.error().ToString();
  EXPECT_EQ(actor->member, member->id);
  EXPECT_EQ(actor->organisation, org->id);
  EXPECT_EQ(actor->state, "EE");
  EXPECT_TRUE(actor->HasRole("analyst"));
  EXPECT_FALSE(actor->HasRole("admin"));

  // The secret is stored only as its hash.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tokens WHERE label = 'laptop'"), 1);
  bool secret_found = false;
  ASSERT_TRUE(store_->Read([&](store::Tx& tx) -> Status {
                      auto rows = tx.Query("SELECT hash FROM tokens");
                      if (!rows) return rows.error();
                      for (const auto& r : *rows) secret_found |= r.BlobBytes(0).find(token->secret) != std::string::npos;
                      return Status::Ok();
                    }).ok());
  EXPECT_FALSE(secret_found);

  ASSERT_EQ(events_.size(), 4u);  // states.import + 3
  EXPECT_EQ(events_[1].action, "organisation.create");
  EXPECT_EQ(events_[2].action, "member.create");
  EXPECT_EQ(events_[3].action, "token.create");
  EXPECT_EQ(events_[3].object_json.find(token->secret), std::string::npos) << "secrets never reach the audit log";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM node_meta WHERE name LIKE 'audit-%'"), 4);
}

TEST_P(RegistryTest, AFailedWriteLeavesNoTraceAndNoAuditEvent) {
  ASSERT_TRUE(registry_->CreateOrganisation(admin_, Obj(R"({"name":"Dup","kind":"csirt","state":"DE"})")).has_value());
  auto dup = registry_->CreateOrganisation(admin_, Obj(R"({"name":"Dup","kind":"operator","state":"DE"})"));
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code(), Code::kConflict);
  EXPECT_EQ(dup.error().field(), "/name");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM organisations WHERE name = 'Dup'"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM node_meta WHERE name LIKE 'audit-%organisation.create'"), 1);
}

TEST_P(RegistryTest, TokensExpireAndRevoke) {
  auto org = registry_->CreateOrganisation(admin_, Obj(R"({"name":"NOC","kind":"operator","state":"NL"})")).value();
  auto member = registry_->CreateMember(admin_, Obj(R"({"organisation":")" + org.id + R"(","name":"n","roles":["noc"]})")).value();
  auto token = registry_
                   ->CreateToken(admin_, Obj(R"({"member":")" + member.id + R"(","expires_at":"2026-09-22T00:00:00+02:00"})"))
                   .value();
  EXPECT_EQ(token.token.expires_at, "2026-09-21T22:00:00.000Z");
  ASSERT_TRUE(registry_->Authenticate(token.secret).has_value());
  clock_.Advance(std::chrono::hours(24 * 365));
  auto expired = registry_->Authenticate(token.secret);
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().code(), Code::kUnauthenticated);

  auto other = registry_->CreateToken(admin_, Obj(R"({"member":")" + member.id + R"("})")).value();
  Actor self = registry_->Authenticate(other.secret).value();
  ASSERT_TRUE(registry_->RevokeToken(self, other.token.id).has_value());
  EXPECT_EQ(registry_->Authenticate(other.secret).error().code(), Code::kUnauthenticated);
  EXPECT_EQ(registry_->Authenticate("aiip_garbage").error().code(), Code::kUnauthenticated);
  EXPECT_EQ(registry_->Authenticate("not-even-a-token").error().code(), Code::kUnauthenticated);
}

TEST_P(RegistryTest, AuthenticationCacheNeverOutlivesALocalRevocationOrItsTtl) {
  auto org = registry_->CreateOrganisation(admin_, Obj(R"({"name":"Cache","kind":"operator","state":"NO"})")).value();
  auto member = registry_->CreateMember(admin_, Obj(R"({"organisation":")" + org.id + R"(","name":"n","roles":["noc"]})")).value();
  auto local = registry_->CreateToken(admin_, Obj(R"({"member":")" + member.id + R"("})")).value();
  auto remote = registry_->CreateToken(admin_, Obj(R"({"member":")" + member.id + R"("})")).value();
  ASSERT_TRUE(registry_->Authenticate(local.secret).has_value());
  ASSERT_TRUE(registry_->Authenticate(remote.secret).has_value());

  // Revoked through this registry: refused at once, although the lookup was cached.
  ASSERT_TRUE(registry_->RevokeToken(admin_, local.token.id).has_value());
  EXPECT_EQ(registry_->Authenticate(local.secret).error().code(), Code::kUnauthenticated);

  // Revoked by another node sharing the database: refused once the TTL has passed.
  ASSERT_TRUE(registry_->Authenticate(remote.secret).has_value());
  ASSERT_TRUE(store_->Write([&](store::Tx& tx) {
                      return tx.Exec("UPDATE tokens SET revoked_at = '2026-01-01T00:00:00.000Z' WHERE id = ?",
                                     {remote.token.id});
                    }).ok());
  clock_.Advance(Registry::kAuthCacheTtl);
  EXPECT_EQ(registry_->Authenticate(remote.secret).error().code(), Code::kUnauthenticated);
}

TEST_P(RegistryTest, OrgAdminsManageOnlyTheirOwnOrganisation) {
  auto a = registry_->CreateOrganisation(admin_, Obj(R"({"name":"A","kind":"csirt","state":"AT"})")).value();
  auto b = registry_->CreateOrganisation(admin_, Obj(R"({"name":"B","kind":"csirt","state":"CZ"})")).value();
  auto boss = registry_->CreateMember(admin_, Obj(R"({"organisation":")" + a.id + R"(","name":"boss","roles":["org-admin"]})")).value();
  Actor actor = registry_->Authenticate(registry_->CreateToken(admin_, Obj(R"({"member":")" + boss.id + R"("})"))->secret).value();

  EXPECT_TRUE(registry_->CreateMember(actor, Obj(R"({"organisation":")" + a.id + R"(","name":"x","roles":["analyst"]})")).has_value());
  EXPECT_EQ(registry_->CreateMember(actor, Obj(R"({"organisation":")" + b.id + R"(","name":"x","roles":["analyst"]})")).error().code(),
            Code::kPermissionDenied);
  EXPECT_EQ(registry_->CreateMember(actor, Obj(R"({"organisation":")" + a.id + R"(","name":"y","roles":["admin"]})")).error().code(),
            Code::kPermissionDenied);
  auto page = registry_->ListMembers(actor, std::nullopt, PageRequest{});
  ASSERT_TRUE(page.has_value());
  for (const auto& m : page->items) EXPECT_EQ(m.organisation, a.id);
  auto outsider = registry_->CreateMember(admin_, Obj(R"({"organisation":")" + b.id + R"(","name":"o","roles":["noc"]})")).value();
  EXPECT_EQ(registry_->GetMember(actor, outsider.id).error().code(), Code::kNotFound);
}

TEST_P(RegistryTest, OnlyAdministratorsRecordClientRelations) {
  auto provider = registry_->CreateOrganisation(admin_, Obj(R"({"name":"MSSP","kind":"company","state":"DE"})")).value();
  auto client = registry_->CreateOrganisation(admin_, Obj(R"({"name":"Clinic","kind":"company","state":"DE"})")).value();
  auto boss = registry_->CreateMember(admin_, Obj(R"({"organisation":")" + provider.id + R"(","name":"boss","roles":["org-admin"]})")).value();
  Actor org_admin = registry_->Authenticate(registry_->CreateToken(admin_, Obj(R"({"member":")" + boss.id + R"("})"))->secret).value();
  const std::string body = R"({"client":")" + client.id + R"("})";

  // The provider's own manager may not widen its AMBER audience by itself.
  EXPECT_EQ(registry_->AddClient(org_admin, provider.id, Obj(body)).error().code(), Code::kPermissionDenied);
  const size_t audited = events_.size();
  auto added = registry_->AddClient(admin_, provider.id, Obj(body));
  ASSERT_TRUE(added.has_value()) << added.error().ToString();
  EXPECT_EQ(added->client, client.id);
  ASSERT_EQ(events_.size(), audited + 1);
  EXPECT_EQ(events_.back().action, "client.add");
  EXPECT_EQ(registry_->AddClient(admin_, provider.id, Obj(body)).error().code(), Code::kConflict);
  EXPECT_EQ(registry_->AddClient(admin_, provider.id, Obj(R"({"client":")" + provider.id + R"("})")).error().field(), "/client");
  auto unknown = registry_->AddClient(admin_, provider.id, Obj(R"({"client":"org_nobody"})"));
  EXPECT_EQ(unknown.error().code(), Code::kNotFound);
  EXPECT_EQ(unknown.error().field(), "/client");
  EXPECT_EQ(registry_->AddClient(admin_, "org_nobody", Obj(body)).error().code(), Code::kNotFound);
  EXPECT_EQ(registry_->AddClient(admin_, provider.id, Obj(R"({"client":1})")).error().field(), "/client");

  auto listed = registry_->ListClients(org_admin, provider.id);
  ASSERT_TRUE(listed.has_value()) << listed.error().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->at(0).client, client.id);
  EXPECT_EQ(registry_->ListClients(org_admin, client.id).error().code(), Code::kPermissionDenied);

  EXPECT_EQ(registry_->RemoveClient(org_admin, provider.id, client.id).code(), Code::kPermissionDenied);
  EXPECT_TRUE(registry_->RemoveClient(admin_, provider.id, client.id).ok());
  EXPECT_EQ(events_.back().action, "client.remove");
  EXPECT_EQ(registry_->RemoveClient(admin_, provider.id, client.id).code(), Code::kNotFound);
  EXPECT_TRUE(registry_->ListClients(admin_, provider.id)->empty());

  // Deleting an organisation takes its relations with it.
  ASSERT_TRUE(registry_->AddClient(admin_, provider.id, Obj(body)).has_value());
  EXPECT_TRUE(registry_->DeleteOrganisation(admin_, client.id).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM organisation_clients"), 0);
}

TEST_P(RegistryTest, BootstrapCreatesOneAdministratorAndAPrivateTokenFile) {
  auto dir = std::filesystem::temp_directory_path() / ("aiip-reg-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto first = registry_->Bootstrap(dir / "admin.token");
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  EXPECT_TRUE(*first);
  struct stat st{};
  ASSERT_EQ(::stat((dir / "admin.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  std::ifstream in(dir / "admin.token");
  std::string secret;
  in >> secret;
  auto admin = registry_->Authenticate(secret);
  ASSERT_TRUE(admin.has_value());
  EXPECT_TRUE(admin->HasRole("admin"));
  EXPECT_FALSE(admin->state.has_value());
  EXPECT_EQ(admin->organisation_kind, "agency");
  EXPECT_FALSE(registry_->Bootstrap(dir / "admin.token").value());  // idempotent

  // The last administrator cannot remove its own role or be disabled.
  auto demoted = registry_->UpdateMember(*admin, admin->member, Obj(R"({"roles":["viewer"]})"));
  ASSERT_FALSE(demoted.has_value());
  EXPECT_EQ(demoted.error().code(), Code::kConflict);
  EXPECT_EQ(registry_->UpdateMember(*admin, admin->member, Obj(R"({"disabled":true})")).error().code(), Code::kConflict);
  std::filesystem::remove_all(dir);
}

TEST_P(RegistryTest, DemonstrationDataLoadsOnceWithEveryKind) {
  std::ifstream in(std::string(AIIP_SOURCE_DIR) + "/data/demo/registry.json");
  std::stringstream text;
  text << in.rdbuf();
  auto created = registry_->LoadDemo(text.str(), "registry.json");
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  EXPECT_GT(*created, 30);
  EXPECT_EQ(registry_->LoadDemo(text.str(), "registry.json").value(), 0);
  for (auto kind : kOrganisationKinds) {
    auto page = registry_->ListOrganisations(PartyFilter{std::nullopt, std::string(kind)}, PageRequest{});
    ASSERT_TRUE(page.has_value());
    EXPECT_FALSE(page->items.empty()) << "no demo organisation of kind " << kind;
  }
  EXPECT_EQ(registry_->LoadDemo("{", "broken.json").error().type(), "malformed-json");
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistryTest, ::testing::ValuesIn(store::testing::TestBackends()),
                         [](const auto& p) { return store::testing::BackendName(p.param); });

}  // namespace
}  // namespace aiip::registry
