// The transparency log end to end: entries written through the API are verified online and
// offline by `aiip audit verify`; tampering with the database directly (changed, removed
// or reordered entries) is detected offline, naming the first bad index, and a node refuses
// to start on a log that no longer matches its signed heads.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <boost/json.hpp>

#include "tests/integration/harness.h"

namespace aiip::testing {
namespace {
namespace bj = boost::json;

class AuditEndToEnd : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    node_ = std::make_unique<NodeProcess>(GetParam());
    node_->Start();
    ASSERT_FALSE(HasFatalFailure());
    auto client = node_->Client();
    for (int i = 0; i < 12; ++i) {
      auto r = client->Post("/api/v1/organisations", {},
                            bj::object{{"name", "Org " + std::to_string(i)}, {"kind", "csirt"}, {"state", "IE"}});
      ASSERT_TRUE(r.has_value()) << r.error().ToString();
    }
    auto head = client->Get("/api/v1/audit/head");
    ASSERT_TRUE(head.has_value());
    size_ = head->at("size").as_int64();
    ASSERT_GE(size_, 15);
  }

  // Runs `sql` directly on the node's database, as an intruder with file access would.
  void Tamper(const std::string& sql) {
    if (GetParam() == Backend::kSqlite) {
      sqlite3* db = nullptr;
      ASSERT_EQ(sqlite3_open((node_->data_dir() / "aiip.db").c_str(), &db), SQLITE_OK);
      char* error = nullptr;
      ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
      sqlite3_close(db);
    } else {
      PGconn* conn = PQconnectdb(node_->database_url().c_str());
      ASSERT_EQ(PQstatus(conn), CONNECTION_OK);
      PGresult* res = PQexec(conn, sql.c_str());
      ASSERT_EQ(PQresultStatus(res), PGRES_COMMAND_OK) << PQresultErrorMessage(res);
      PQclear(res);
      PQfinish(conn);
    }
  }
  std::string BlobLiteral(const std::string& hex) {
    return GetParam() == Backend::kSqlite ? "X'" + hex + "'" : "'\\x" + hex + "'::bytea";
  }

  CommandResult VerifyOffline() {
    return RunCommand({BinaryPath("aiip").string(), "audit", "verify", "--data-dir", node_->data_dir().string()});
  }

  std::unique_ptr<NodeProcess> node_;
  int64_t size_ = 0;
};

TEST_P(AuditEndToEnd, ProofsFromTheServerVerifyInTheCli) {
  std::map<std::string, std::string> env{{"AIIP_TOKEN", node_->AdminToken()}};
  auto aiip = BinaryPath("aiip").string();
  CommandResult proof = RunCommand({aiip, "--server", node_->url(), "audit", "proof", "--index", "3"}, env);
  EXPECT_EQ(proof.exit_code, 0) << proof.out << proof.err;
  CommandResult consistency =
      RunCommand({aiip, "--server", node_->url(), "audit", "consistency", "--first", "2", "--second",
                  std::to_string(size_)},
                 env);
  EXPECT_EQ(consistency.exit_code, 0) << consistency.out << consistency.err;
  CommandResult online = RunCommand({aiip, "--server", node_->url(), "audit", "verify"}, env);
  EXPECT_EQ(online.exit_code, 0) << online.out << online.err;
  ASSERT_EQ(node_->Stop() & 0x7f, 0);
  CommandResult offline = VerifyOffline();
  EXPECT_EQ(offline.exit_code, 0) << offline.out << offline.err;
}

TEST_P(AuditEndToEnd, ChangedEntryIsDetectedAtItsIndex) {
  node_->Stop();
  Tamper("UPDATE audit_entries SET entry = " + BlobLiteral("01deadbeef") + " WHERE idx = 7");
  CommandResult r = VerifyOffline();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("index 7"), std::string::npos) << r.out << r.err;
}

TEST_P(AuditEndToEnd, NodeRefusesToExtendALogThatNoLongerMatchesItsSignedHeads) {
  node_->Stop();
  // An intruder who rewrites an entry also rewrites its leaf hash; the signed heads catch it.
  Tamper("UPDATE audit_entries SET leaf_hash = " + BlobLiteral(std::string(64, 'a')) + " WHERE idx = 5");
  CommandResult r = VerifyOffline();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_GT(node_->StartExpectingFailure(), 0) << node_->Log();
  EXPECT_NE(node_->Log().find("aiip audit verify"), std::string::npos) << node_->Log();
}

TEST_P(AuditEndToEnd, RemovedEntryIsDetectedAtItsIndex) {
  node_->Stop();
  Tamper("DELETE FROM audit_entries WHERE idx = 4");
  CommandResult r = VerifyOffline();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("index 4"), std::string::npos) << r.out << r.err;
}

TEST_P(AuditEndToEnd, ReorderedEntriesAreDetectedAtTheFirstMovedIndex) {
  node_->Stop();
  Tamper("UPDATE audit_entries SET idx = -1 WHERE idx = 9; UPDATE audit_entries SET idx = 9 WHERE idx = 10; "
         "UPDATE audit_entries SET idx = 10 WHERE idx = -1");
  CommandResult r = VerifyOffline();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("index 9"), std::string::npos) << r.out << r.err;
}

TEST_P(AuditEndToEnd, TruncatedLogIsDetected) {
  node_->Stop();
  std::string last = std::to_string(size_ - 1);
  Tamper("DELETE FROM audit_entries WHERE idx = " + last + "; UPDATE audit_state SET size = size - 1");
  CommandResult r = VerifyOffline();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("index " + last), std::string::npos) << r.out << r.err;
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditEndToEnd, ::testing::ValuesIn(IntegrationBackends()),
                         [](const auto& p) { return BackendName(p.param); });

}  // namespace
}  // namespace aiip::testing
