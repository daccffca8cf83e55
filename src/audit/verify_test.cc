#include "audit/verify.h"

#include <gtest/gtest.h>

#include "audit/log.h"
#include "common/random.h"
#include "store/testing/test_store.h"

namespace aiip::audit {
namespace {

using store::testing::Backend;

EntryFields Fields(int i) {
  return EntryFields{.member_id = "mbr_" + std::to_string(i),
                     .organisation_id = "org_x",
                     .action = "member.create",
                     .object_id = "obj_" + std::to_string(i),
                     .object_hash = crypto::Sha256(std::to_string(i))};
}

// Each test builds a log of 10 entries: entries 0..5 written one per Write (so each has
// its own signed head, sizes 1..6), then 6..9 in one Write (one head, size 10). Then the
// log is closed and the test tampers with the tables directly, as someone with access
// to the database but not to the node key would.
class VerifyTest : public ::testing::TestWithParam<Backend> {
 protected:
  static constexpr uint64_t kSize = 10;

  void SetUp() override {
    auto store = store::testing::OpenTestStore(GetParam());
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    store_ = std::move(*store);
    SeededRandom random(3);
    auto key = crypto::Ed25519PrivateKey::Generate(random);
    ASSERT_TRUE(key.has_value());
    public_key_.emplace(key->PublicKey());
    auto log = AuditLog::Open(*store_, *key, clock_);
    ASSERT_TRUE(log.has_value()) << log.error().ToString();
    for (int i = 0; i < 6; ++i) Write(**log, i, 1);
    Write(**log, 6, 4);
    ASSERT_EQ((*log)->LatestHead().head.size, kSize);
  }

  void Write(AuditLog& log, int first, int count) {
    clock_.Advance(std::chrono::milliseconds(1));
    Status status = store_->Write([&](store::Tx& tx) -> Status {
      for (int i = first; i < first + count; ++i) AIIP_RETURN_IF_ERROR(StatusOf(log.Append(tx, Fields(i))));
      return Status::Ok();
    });
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  void Exec(const std::string& sql, const std::vector<store::Value>& params = {}) {
    Status status = store_->Write([&](store::Tx& tx) -> Status {
      AIIP_RETURN_IF_ERROR(tx.Exec(sql, params));
      if (tx.ChangedRows() == 0) return Internal("no row changed by: " + sql);
      return Status::Ok();
    });
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  std::string EntryBytes(uint64_t index) {
    std::string bytes;
    Status status = store_->Read([&](store::Tx& tx) -> Status {
      AIIP_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT entry FROM audit_entries WHERE idx = ?",
                                                       {static_cast<int64_t>(index)}));
      if (rows.size() != 1) return NotFound("entry");
      bytes = rows[0].BlobBytes(0);
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << status.ToString();
    return bytes;
  }

  // Entry `index` re-encoded with another action (a well-formed forgery).
  std::string ForgedEntry(uint64_t index) {
    auto entry = DecodeEntry(EntryBytes(index));
    EXPECT_TRUE(entry.has_value());
    entry->fields.action = "member.delete";
    return *EncodeEntry(*entry);
  }

  VerifyReport Verify(const crypto::Ed25519PublicKey& key) {
    auto report = VerifyStoredLog(*store_, key);
    EXPECT_TRUE(report.has_value()) << report.error().ToString();
    return report.value_or(VerifyReport{});
  }
  VerifyReport Verify() { return Verify(*public_key_); }

  void ExpectFirstBad(const VerifyReport& report, uint64_t index, std::string_view reason_part) {
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.first_bad_index, index) << report.reason;
    EXPECT_NE(report.reason.find(reason_part), std::string::npos) << report.reason;
  }

  FakeClock clock_{SystemTime(std::chrono::milliseconds(1700000000000))};
  std::unique_ptr<store::Store> store_;
  std::optional<crypto::Ed25519PublicKey> public_key_;
};

TEST_P(VerifyTest, IntactLogVerifies) {
  VerifyReport report = Verify();
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_FALSE(report.first_bad_index.has_value());
  EXPECT_EQ(report.size, kSize);
  EXPECT_EQ(report.heads, 7u);
  EXPECT_EQ(report.verified_size, kSize);
}

TEST_P(VerifyTest, EmptyLogVerifies) {
  auto store = store::testing::OpenTestStore(GetParam());
  ASSERT_TRUE(store.has_value());
  auto report = VerifyStoredLog(**store, *public_key_);
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok) << report->reason;
  EXPECT_EQ(report->size, 0u);
}

TEST_P(VerifyTest, ChangedEntryBytesAreFoundAtTheEntry) {
  Exec("UPDATE audit_entries SET entry = ? WHERE idx = 4", {store::Blob{ForgedEntry(4)}});
  ExpectFirstBad(Verify(), 4, "entry 4 was altered");
}

TEST_P(VerifyTest, ChangedEntryBytesInABatchAreStillFoundAtTheEntry) {
  Exec("UPDATE audit_entries SET entry = ? WHERE idx = 8", {store::Blob{ForgedEntry(8)}});
  ExpectFirstBad(Verify(), 8, "entry 8 was altered");
}

TEST_P(VerifyTest, ChangedEntryAndLeafHashAreFoundByTheFirstHeadThatSignedThem) {
  const std::string forged = ForgedEntry(4);
  Exec("UPDATE audit_entries SET entry = ?, leaf_hash = ? WHERE idx = 4",
       {store::Blob{forged}, store::Blob{crypto::DigestBytes(HashLeaf(forged))}});
  VerifyReport report = Verify();
  ExpectFirstBad(report, 4, "changed within [4, 5)");
  EXPECT_EQ(report.verified_size, 4u);
}

TEST_P(VerifyTest, ChangedEntryAndLeafHashInABatchAreLocatedToTheBatch) {
  const std::string forged = ForgedEntry(8);
  Exec("UPDATE audit_entries SET entry = ?, leaf_hash = ? WHERE idx = 8",
       {store::Blob{forged}, store::Blob{crypto::DigestBytes(HashLeaf(forged))}});
  // Only the head at size 10 covers entry 8; the previous good head is at size 6.
  ExpectFirstBad(Verify(), 6, "changed within [6, 10)");
}

TEST_P(VerifyTest, DeletedMiddleEntryIsMissing) {
  Exec("DELETE FROM audit_entries WHERE idx = 5");
  VerifyReport report = Verify();
  ExpectFirstBad(report, 5, "entry 5 is missing");
  EXPECT_EQ(report.size, 5u);
}

TEST_P(VerifyTest, DeletedLastEntryIsMissing) {
  Exec("DELETE FROM audit_entries WHERE idx = 9");
  ExpectFirstBad(Verify(), 9, "entry 9 is missing");
}

TEST_P(VerifyTest, DeletedLastEntryWithItsCountIsStillMissing) {
  Exec("DELETE FROM audit_entries WHERE idx = 9");
  Exec("UPDATE audit_state SET size = 9 WHERE id = 1");
  ExpectFirstBad(Verify(), 9, "entry 9 is missing");
}

TEST_P(VerifyTest, SwappedRowsAreFoundAtTheFirst) {
  Exec("UPDATE audit_entries SET idx = 100 WHERE idx = 2");
  Exec("UPDATE audit_entries SET idx = 2 WHERE idx = 4");
  Exec("UPDATE audit_entries SET idx = 4 WHERE idx = 100");
  ExpectFirstBad(Verify(), 2, "entry 2 is stored at the wrong position");
}

TEST_P(VerifyTest, AnExtraEntryIsAnUnsignedForgery) {
  Entry extra{.index = kSize, .time = clock_.Now(), .fields = Fields(99)};
  const std::string bytes = *EncodeEntry(extra);
  Exec("INSERT INTO audit_entries (idx, entry, leaf_hash) VALUES (?, ?, ?)",
       {static_cast<int64_t>(kSize), store::Blob{bytes}, store::Blob{crypto::DigestBytes(HashLeaf(bytes))}});
  Exec("UPDATE audit_state SET size = size + 1 WHERE id = 1");
  ExpectFirstBad(Verify(), kSize, "not covered by any signed tree head");
}

TEST_P(VerifyTest, ARowOutsideTheIndexRangeIsReported) {
  Exec("INSERT INTO audit_entries (idx, entry, leaf_hash) VALUES (-1, ?, ?)",
       {store::Blob{EntryBytes(0)}, store::Blob{std::string(32, 'h')}});
  VerifyReport report = Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_FALSE(report.first_bad_index.has_value());
  EXPECT_NE(report.reason.find("invalid index -1"), std::string::npos) << report.reason;
}

TEST_P(VerifyTest, CorruptHeadSignatureIsFoundAtTheEntriesItSigned) {
  Exec("UPDATE audit_heads SET signature = ? WHERE size = 4", {store::Blob{std::string(64, 'x')}});
  ExpectFirstBad(Verify(), 3, "tree head at size 4 has an invalid signature");
}

TEST_P(VerifyTest, AlteredHeadTimestampBreaksItsSignature) {
  Exec("UPDATE audit_heads SET signed_at = ? WHERE size = 10", {std::string("2030-01-01T00:00:00.000Z")});
  ExpectFirstBad(Verify(), 6, "tree head at size 10 has an invalid signature");
}

TEST_P(VerifyTest, DeletedNewestHeadLeavesAnUnsignedTail) {
  Exec("DELETE FROM audit_heads WHERE size = 10");
  ExpectFirstBad(Verify(), 6, "entries 6 to 9 are not covered");
}

TEST_P(VerifyTest, MalformedLeafHashIsFound) {
  Exec("UPDATE audit_entries SET leaf_hash = ? WHERE idx = 3", {store::Blob{"short"}});
  ExpectFirstBad(Verify(), 3, "entry 3 has a malformed leaf hash");
}

TEST_P(VerifyTest, GarbageEntryIsFound) {
  Exec("UPDATE audit_entries SET entry = ? WHERE idx = 7", {store::Blob{"\x01garbage"}});
  ExpectFirstBad(Verify(), 7, "entry 7 does not decode");
}

TEST_P(VerifyTest, MiscountedStateIsFound) {
  Exec("UPDATE audit_state SET size = 12 WHERE id = 1");
  ExpectFirstBad(Verify(), kSize, "audit_state counts 12 entries but 10 are stored");
}

TEST_P(VerifyTest, AnotherKeyVerifiesNothing) {
  SeededRandom random(4);
  auto other = crypto::Ed25519PrivateKey::Generate(random);
  ASSERT_TRUE(other.has_value());
  VerifyReport report = Verify(other->PublicKey());
  ExpectFirstBad(report, 0, "invalid signature");
  EXPECT_EQ(report.verified_size, 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, VerifyTest, ::testing::ValuesIn(store::testing::TestBackends()),
                         [](const auto& param_info) {
                           return store::testing::BackendName(param_info.param);
                         });

}  // namespace
}  // namespace aiip::audit
