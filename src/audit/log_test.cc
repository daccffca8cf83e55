#include "audit/log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "audit/verify.h"
#include "common/random.h"
#include "store/testing/test_store.h"

namespace aiip::audit {
namespace {

using store::testing::Backend;

EntryFields Fields(int i) {
  return EntryFields{.member_id = "mbr_" + std::to_string(i),
                     .organisation_id = "org_x",
                     .action = "organisation.update",
                     .object_id = "obj_" + std::to_string(i),
                     .object_hash = crypto::Sha256("object " + std::to_string(i))};
}

class AuditLogTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto db = store::testing::TestDatabase::Create(GetParam());
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
    OpenStore();
    SeededRandom random(77);
    auto key = crypto::Ed25519PrivateKey::Generate(random);
    ASSERT_TRUE(key.has_value());
    key_.emplace(std::move(*key));
    OpenLog();
  }

  void TearDown() override {
    log_.reset();
    store_.reset();
  }

  void OpenStore() {
    store::StoreOptions options;
    options.url = db_->url();
    auto store = store::Store::Open(options);
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    store_ = std::move(*store);
  }

  void OpenLog() {
    auto log = AuditLog::Open(*store_, *key_, clock_);
    ASSERT_TRUE(log.has_value()) << log.error().ToString();
    log_ = std::move(*log);
  }

  void Reopen() {
    log_.reset();
    store_->Close();
    store_.reset();
    OpenStore();
    OpenLog();
  }

  // One Write appending `count` entries; returns their indices.
  std::vector<uint64_t> AppendBatch(int first, int count) {
    std::vector<uint64_t> indices;
    Status status = store_->Write([&](store::Tx& tx) -> Status {
      indices.clear();
      for (int i = first; i < first + count; ++i) {
        AIIP_ASSIGN_OR_RETURN(uint64_t index, log_->Append(tx, Fields(i)));
        indices.push_back(index);
      }
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << status.ToString();
    return indices;
  }

  uint64_t AppendOne(int i) {
    auto indices = AppendBatch(i, 1);
    return indices.empty() ? UINT64_MAX : indices[0];
  }

  // Checks every inclusion and consistency proof the log serves at its current size.
  void ExpectProofsVerify() {
    const SignedTreeHead head = log_->LatestHead();
    ASSERT_TRUE(VerifyTreeHeadSignature(head, log_->PublicKey()));
    const uint64_t size = head.head.size;
    auto entries = log_->Entries(0, size);
    ASSERT_TRUE(entries.has_value()) << entries.error().ToString();
    ASSERT_EQ(entries->size(), size);
    std::vector<Sha256Digest> leaves;
    for (const LogEntry& e : *entries) leaves.push_back(e.leaf_hash);
    EXPECT_EQ(RootOfLeaves(leaves), head.head.root);
    for (uint64_t index = 0; index < size; ++index) {
      auto proof = log_->InclusionProof(index, size);
      ASSERT_TRUE(proof.has_value()) << proof.error().ToString();
      EXPECT_EQ(proof->leaf_hash, leaves[index]);
      EXPECT_EQ(proof->root, head.head.root);
      EXPECT_TRUE(VerifyInclusion(leaves[index], index, size, proof->audit_path, head.head.root).ok());
    }
    for (uint64_t first = 0; first <= size; ++first) {
      auto proof = log_->ConsistencyProof(first, size);
      ASSERT_TRUE(proof.has_value()) << proof.error().ToString();
      EXPECT_EQ(proof->first_root, RootOfLeaves(std::span(leaves).first(first)));
      EXPECT_TRUE(VerifyConsistency(first, size, proof->first_root, proof->second_root, proof->proof).ok());
    }
  }

  FakeClock clock_{SystemTime(std::chrono::milliseconds(1700000000000))};
  std::unique_ptr<store::testing::TestDatabase> db_;
  std::unique_ptr<store::Store> store_;
  std::optional<crypto::Ed25519PrivateKey> key_;
  std::unique_ptr<AuditLog> log_;
};

TEST_P(AuditLogTest, EmptyLogHasASignedEmptyHead) {
  const SignedTreeHead head = log_->LatestHead();
  EXPECT_EQ(head.head.size, 0u);
  EXPECT_EQ(head.head.root, EmptyRoot());
  EXPECT_TRUE(VerifyTreeHeadSignature(head, log_->PublicKey()));
  EXPECT_TRUE(log_->Entries(0, 10)->empty());
  EXPECT_EQ(log_->InclusionProof(0, 1).error().type(), "tree-size-out-of-range");
  EXPECT_TRUE(log_->ConsistencyProof(0, 0).has_value());
}

TEST_P(AuditLogTest, AppendsAreIndexedSignedAndProvable) {
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(std::chrono::milliseconds(10));
    EXPECT_EQ(AppendOne(i), static_cast<uint64_t>(i));
    const SignedTreeHead head = log_->LatestHead();
    EXPECT_EQ(head.head.size, static_cast<uint64_t>(i + 1));
    EXPECT_EQ(head.head.timestamp, clock_.Now());
  }
  EXPECT_EQ(AppendBatch(5, 4), (std::vector<uint64_t>{5, 6, 7, 8}));
  EXPECT_EQ(log_->LatestHead().head.size, 9u);
  ExpectProofsVerify();

  auto entries = log_->Entries(2, 4);
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].entry.index, 2u);
  EXPECT_EQ((*entries)[0].entry.fields, Fields(2));
  EXPECT_EQ((*entries)[0].entry.time, SystemTime(std::chrono::milliseconds(1700000000030)));
  EXPECT_EQ(*EncodeEntry((*entries)[0].entry), (*entries)[0].encoded);
  EXPECT_EQ(HashLeaf((*entries)[0].encoded), (*entries)[0].leaf_hash);

  // Reads stop at the log's size; oversized or inverted ranges are refused.
  EXPECT_EQ(log_->Entries(7, 100)->size(), 2u);
  EXPECT_TRUE(log_->Entries(50, 60)->empty());
  EXPECT_EQ(log_->Entries(5, 4).error().type(), "invalid-range");
  EXPECT_EQ(log_->Entries(0, kMaxEntriesPerRead + 1).error().type(), "invalid-range");
  EXPECT_TRUE(log_->Entries(0, kMaxEntriesPerRead).has_value());
  EXPECT_EQ(log_->InclusionProof(3, 10).error().type(), "tree-size-out-of-range");
  EXPECT_EQ(log_->InclusionProof(3, 3).error().type(), "tree-size-out-of-range");
  EXPECT_EQ(log_->ConsistencyProof(4, 3).error().type(), "tree-size-out-of-range");
  EXPECT_EQ(log_->ConsistencyProof(4, 10).error().type(), "tree-size-out-of-range");
}

TEST_P(AuditLogTest, WritesWithoutEntriesSignNothing) {
  AppendOne(0);
  const SignedTreeHead before = log_->LatestHead();
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(store_->Write([](store::Tx&) { return Status::Ok(); }).ok());
  EXPECT_EQ(log_->LatestHead(), before);
}

TEST_P(AuditLogTest, AFailedWriteLeavesNoEntryAndNoGap) {
  AppendOne(0);
  Status failed = store_->Write([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(uint64_t index, log_->Append(tx, Fields(1)));
    EXPECT_EQ(index, 1u);
    return Conflict("the change itself failed");
  });
  EXPECT_EQ(failed.code(), Code::kConflict);
  EXPECT_EQ(log_->LatestHead().head.size, 1u);
  EXPECT_EQ(AppendOne(2), 1u);  // the index was not used up
  ExpectProofsVerify();
}

TEST_P(AuditLogTest, ARolledBackBatchIsCutFromTheTree) {
  AppendOne(0);
  // Occupy the head row this batch will sign, so its BeforeCommit fails and the whole
  // batch rolls back after the log appended the leaf to its tree.
  Status failed = store_->Write([&](store::Tx& tx) -> Status {
    AIIP_RETURN_IF_ERROR(StatusOf(log_->Append(tx, Fields(1))));
    return tx.Exec("INSERT INTO audit_heads (size, root, signed_at, signature) VALUES (2, ?, ?, ?)",
                   {store::Blob{std::string(32, 'r')}, std::string("2023-11-14T22:13:20.000Z"),
                    store::Blob{std::string(64, 's')}});
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(log_->LatestHead().head.size, 1u);
  EXPECT_EQ(AppendOne(2), 1u);
  EXPECT_EQ(log_->LatestHead().head.size, 2u);
  ExpectProofsVerify();
}

TEST_P(AuditLogTest, HeadTimestampsNeverGoBack) {
  AppendOne(0);
  const SystemTime first = log_->LatestHead().head.timestamp;
  clock_.Advance(std::chrono::milliseconds(-5000));
  AppendOne(1);
  EXPECT_EQ(log_->LatestHead().head.timestamp, first);
}

TEST_P(AuditLogTest, InvalidFieldsFailTheWrite) {
  EntryFields bad = Fields(0);
  bad.action = "\xff";
  Status status = store_->Write([&](store::Tx& tx) { return StatusOf(log_->Append(tx, bad)); });
  EXPECT_EQ(status.type(), "invalid-audit-entry");
  EXPECT_EQ(AppendOne(1), 0u);
}

TEST_P(AuditLogTest, ConcurrentWritersGetContiguousIndices) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Status status = store_->Write([&](store::Tx& tx) -> Status {
          AIIP_ASSIGN_OR_RETURN(uint64_t index, log_->Append(tx, Fields(t * 1000 + i)));
          got[t].push_back(index);
          return Status::Ok();
        });
        ASSERT_TRUE(status.ok()) << status.ToString();
      }
    });
  }
  // Readers run alongside, and only ever see committed, provable sizes.
  std::thread reader([&] {
    for (int k = 0; k < 200; ++k) {
      const SignedTreeHead head = log_->LatestHead();
      if (head.head.size == 0) continue;
      auto proof = log_->InclusionProof(head.head.size - 1, head.head.size);
      ASSERT_TRUE(proof.has_value()) << proof.error().ToString();
      ASSERT_TRUE(
          VerifyInclusion(proof->leaf_hash, proof->index, proof->size, proof->audit_path, head.head.root)
              .ok());
    }
  });
  for (auto& thread : threads) thread.join();
  reader.join();

  std::set<uint64_t> all;
  for (const auto& indices : got) all.insert(indices.begin(), indices.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*all.rbegin(), static_cast<uint64_t>(kThreads * kPerThread - 1));
  EXPECT_EQ(log_->LatestHead().head.size, static_cast<uint64_t>(kThreads * kPerThread));
  ExpectProofsVerify();

  auto report = VerifyStoredLog(*store_, log_->PublicKey());
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_TRUE(report->ok) << report->reason;
  EXPECT_EQ(report->size, static_cast<uint64_t>(kThreads * kPerThread));
}

TEST_P(AuditLogTest, ReopenLoadsTheSameLog) {
  for (int i = 0; i < 6; ++i) AppendOne(i);
  AppendBatch(6, 5);
  const SignedTreeHead head = log_->LatestHead();
  Reopen();
  EXPECT_EQ(log_->LatestHead(), head);
  ExpectProofsVerify();
  EXPECT_EQ(AppendOne(11), 11u);
  ExpectProofsVerify();
}

TEST_P(AuditLogTest, OpenRefusesALogItCannotVouchFor) {
  for (int i = 0; i < 3; ++i) AppendOne(i);
  log_.reset();  // tamper behind the log's back, as an attacker with database access would

  auto open_error = [&]() -> Status {
    auto log = AuditLog::Open(*store_, *key_, clock_);
    return log.has_value() ? Status::Ok() : log.error();
  };
  auto exec = [&](std::string sql, std::vector<store::Value> params = {}) {
    Status status = store_->Write([&](store::Tx& tx) { return tx.Exec(sql, params); });
    ASSERT_TRUE(status.ok()) << status.ToString();
  };

  // Another key did not sign these heads.
  SeededRandom random(5);
  auto other_key = crypto::Ed25519PrivateKey::Generate(random);
  auto other = AuditLog::Open(*store_, *other_key, clock_);
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code(), Code::kDataLoss);

  // An entry changed together with its leaf hash no longer matches the newest head.
  exec("UPDATE audit_entries SET leaf_hash = ? WHERE idx = 1", {store::Blob{std::string(32, 'x')}});
  EXPECT_EQ(open_error().code(), Code::kDataLoss);
}

TEST_P(AuditLogTest, OpenRefusesAnUnsignedTail) {
  for (int i = 0; i < 3; ++i) AppendOne(i);
  log_.reset();
  ASSERT_TRUE(
      store_->Write([](store::Tx& tx) { return tx.Exec("DELETE FROM audit_heads WHERE size = 3"); }).ok());
  auto log = AuditLog::Open(*store_, *key_, clock_);
  ASSERT_FALSE(log.has_value());
  EXPECT_EQ(log.error().code(), Code::kDataLoss);
  EXPECT_NE(log.error().detail().find("covers 2 entries but 3 are stored"), std::string::npos)
      << log.error().detail();
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditLogTest, ::testing::ValuesIn(store::testing::TestBackends()),
                         [](const auto& param_info) {
                           return store::testing::BackendName(param_info.param);
                         });

}  // namespace
}  // namespace aiip::audit
