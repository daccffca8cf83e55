#include "store/store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/time.h"
#include "store/db_store.h"
#include "store/migrate.h"
#include "store/sql_text.h"
#include "store/testing/test_store.h"

namespace aiip::store {
namespace {

namespace st = ::aiip::store::testing;
using ::testing::ElementsAre;

constexpr std::string_view kBaseSchema = R"sql(
-- Tables for the store tests; the comment ends with a semicolon that ends nothing;
CREATE TABLE kv (
  k TEXT PRIMARY KEY,
  i BIGINT,
  d DOUBLE PRECISION,
  t TEXT,
  b BLOB
);
CREATE TABLE parent (
  id BIGINT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  a TEXT,
  b TEXT
);
CREATE UNIQUE INDEX parent_ab ON parent(a, b);
CREATE TABLE child (
  id BIGINT PRIMARY KEY,
  parent_id BIGINT NOT NULL REFERENCES parent(id),
  qty BIGINT,
  CONSTRAINT child_qty_nonneg CHECK (qty >= 0)
);
)sql";

const EmbeddedFile kTestMigrations[] = {
    {"0001_base.sql", kBaseSchema},
    {"0002_items.sql", "CREATE TABLE items (id BIGINT PRIMARY KEY, writer BIGINT NOT NULL, payload BLOB)"},
};

std::string BackendParamName(const ::testing::TestParamInfo<st::Backend>& info) {
  return st::BackendName(info.param);
}

// Reads one integer, e.g. a COUNT(*).
int64_t QueryInt(Store& store, std::string_view sql, const std::vector<Value>& params = {}) {
  int64_t out = -1;
  Status s = store.Read([&](Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(Rows rows, tx.Query(sql, params));
    out = rows.at(0).Int(0);
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

Status InsertItem(Store& store, int64_t id, int64_t writer = 0) {
  return store.Write([&](Tx& tx) {
    return tx.Exec("INSERT INTO items (id, writer) VALUES (?, ?)", {id, writer});
  });
}

class StoreTest : public ::testing::TestWithParam<st::Backend> {
 protected:
  void SetUp() override {
    auto db = st::TestDatabase::Create(GetParam());
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
    Reopen();
  }
  void TearDown() override { store_.reset(); }

  Result<std::unique_ptr<Store>> OpenWith(std::span<const EmbeddedFile> migrations,
                                          StoreOptions options = {}) {
    options.url = db_->url();
    return OpenStore(options, migrations);
  }
  // (Re)opens store_ with the test schema.
  void Reopen(StoreOptions options = {}) {
    store_.reset();
    auto store = OpenWith(kTestMigrations, options);
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    store_ = std::move(*store);
  }
  bool IsPostgres() const { return GetParam() == st::Backend::kPostgres; }

  std::unique_ptr<st::TestDatabase> db_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreTest, RoundTripsEveryValueType) {
  const std::string nul_bytes("a\0b\xff\x00z", 6);
  Status s = store_->Write([&](Tx& tx) -> Status {
    AIIP_RETURN_IF_ERROR(tx.Exec("INSERT INTO kv (k, i, d, t, b) VALUES (?, ?, ?, ?, ?)",
                                 {"full", INT64_MAX, 0.1, "h\xc3\xa9llo 'q' ?", Blob{nul_bytes}}));
    AIIP_RETURN_IF_ERROR(tx.Exec("INSERT INTO kv (k, i, d, t, b) VALUES (?, ?, ?, ?, ?)",
                                 {"edge", INT64_MIN, -1e300, "", Blob{}}));
    return tx.Exec("INSERT INTO kv (k, i, d, t, b) VALUES (?, ?, ?, ?, ?)",
                   {"null", Null{}, Null{}, Null{}, Null{}});
  });
  ASSERT_TRUE(s.ok()) << s.ToString();

  s = store_->Read([&](Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT k, i, d, t, b FROM kv ORDER BY k"));
    EXPECT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].Text(0), "edge");
    EXPECT_EQ(rows[0].Int(1), INT64_MIN);
    EXPECT_EQ(rows[0].Double(2), -1e300);
    EXPECT_EQ(rows[0].Text(3), "");
    EXPECT_EQ(rows[0].At(4), Value(Blob{}));
    EXPECT_EQ(rows[1].Int(1), INT64_MAX);
    EXPECT_EQ(rows[1].Double(2), 0.1);
    EXPECT_EQ(rows[1].Text(3), "h\xc3\xa9llo 'q' ?");
    EXPECT_EQ(rows[1].BlobBytes(4), nul_bytes);
    for (size_t c = 1; c < 5; ++c) EXPECT_TRUE(rows[2].IsNull(c)) << c;
    EXPECT_EQ(rows[2].OptionalText(3), std::nullopt);
    EXPECT_EQ(rows[2].OptionalInt(1), std::nullopt);
    // Parameters come back unchanged without a table, too.
    AIIP_ASSIGN_OR_RETURN(
        Rows echo, tx.Query("SELECT ?, ?, ?, ?, ?", {int64_t{-7}, 2.5, "text", Blob{nul_bytes}, Null{}}));
    EXPECT_EQ(echo.at(0).At(0), Value(int64_t{-7}));
    EXPECT_EQ(echo.at(0).At(1), Value(2.5));
    EXPECT_EQ(echo.at(0).At(2), Value("text"));
    EXPECT_EQ(echo.at(0).At(3), Value(Blob{nul_bytes}));
    EXPECT_TRUE(echo.at(0).IsNull(4));
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_P(StoreTest, AggregatesReadAsIntegers) {
  ASSERT_TRUE(InsertItem(*store_, 1, 5).ok());
  ASSERT_TRUE(InsertItem(*store_, 2, 7).ok());
  // PostgreSQL's SUM(bigint) is NUMERIC, COUNT is bigint, comparisons are boolean.
  Status s = store_->Read([&](Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT SUM(writer), COUNT(*), MAX(id) > 1 FROM items"));
    EXPECT_EQ(rows.at(0).Int(0), 12);
    EXPECT_EQ(rows.at(0).Int(1), 2);
    EXPECT_EQ(rows.at(0).Int(2), 1);
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_P(StoreTest, TranslatesPlaceholdersOutsideLiteralsAndComments) {
  Status s = store_->Read([&](Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(
        Rows rows,
        tx.Query("SELECT ? AS a, '?' AS b, 'it''s ?' AS c, /* ? */ ? AS d -- ?\n", {int64_t{1}, "x"}));
    EXPECT_EQ(rows.at(0).Int(0), 1);
    EXPECT_EQ(rows.at(0).Text(1), "?");
    EXPECT_EQ(rows.at(0).Text(2), "it's ?");
    EXPECT_EQ(rows.at(0).Text(3), "x");
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();

  // A NULL parameter whose place implies no type needs a CAST for PostgreSQL.
  s = store_->Read([&](Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT CASE WHEN CAST(? AS TEXT) IS NULL THEN 1 ELSE 0 END, "
                                              "CASE WHEN CAST(? AS TEXT) IS NULL THEN 1 ELSE 0 END",
                                              {Null{}, "set"}));
    EXPECT_EQ(rows.at(0).Int(0), 1);
    EXPECT_EQ(rows.at(0).Int(1), 0);
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();

  s = store_->Read([](Tx& tx) { return tx.Exec("SELECT ?, ?", {int64_t{1}}); });
  EXPECT_EQ(s.code(), Code::kInternal) << s.ToString();
}

TEST_P(StoreTest, ConstraintViolationsAreConflictsNamingTheConstraint) {
  ASSERT_TRUE(store_
                  ->Write([](Tx& tx) {
                    return tx.Exec("INSERT INTO parent (id, name, a, b) VALUES (1, 'p', 'x', 'y')");
                  })
                  .ok());
  auto exec = [&](std::string_view sql) { return store_->Write([&](Tx& tx) { return tx.Exec(sql); }); };

  struct Case {
    std::string_view sql;
    std::string_view constraint;
  };
  const Case cases[] = {
      {"INSERT INTO parent (id, name) VALUES (1, 'q')", "parent_pkey"},
      {"INSERT INTO parent (id, name) VALUES (2, 'p')", "parent_name_key"},
      {"INSERT INTO parent (id, name, a, b) VALUES (3, 'r', 'x', 'y')", "parent_ab"},
      {"INSERT INTO child (id, parent_id, qty) VALUES (1, 1, -1)", "child_qty_nonneg"},
      {"INSERT INTO parent (id, name) VALUES (4, NULL)", "parent.name"},
      {"INSERT INTO child (id, parent_id, qty) VALUES (2, 99, 1)",
       IsPostgres() ? "child_parent_id_fkey" : ""},
  };
  for (const Case& c : cases) {
    Status s = exec(c.sql);
    EXPECT_EQ(s.code(), Code::kConflict) << c.sql << ": " << s.ToString();
    EXPECT_EQ(s.type(), "constraint-violation") << c.sql;
    EXPECT_EQ(ViolatedConstraint(s), c.constraint) << c.sql << ": " << s.ToString();
  }
  EXPECT_EQ(QueryInt(*store_, "SELECT COUNT(*) FROM parent"), 1);
  EXPECT_EQ(QueryInt(*store_, "SELECT COUNT(*) FROM child"), 0);
  EXPECT_EQ(ViolatedConstraint(NotFound("x")), "");
}

TEST_P(StoreTest, StatementAfterAFailedStatementFailsAndTheWriteWithIt) {
  ASSERT_TRUE(InsertItem(*store_, 1).ok());
  Status later;
  Status s = store_->Write([&](Tx& tx) {
    Status dup = tx.Exec("INSERT INTO items (id, writer) VALUES (1, 0)");
    EXPECT_EQ(dup.code(), Code::kConflict);
    later = tx.Exec("INSERT INTO items (id, writer) VALUES (2, 0)");
    return Status::Ok();  // swallowing the failure does not rescue the write
  });
  EXPECT_EQ(later.code(), Code::kInternal) << later.ToString();
  EXPECT_EQ(s.code(), Code::kConflict) << s.ToString();
  EXPECT_EQ(QueryInt(*store_, "SELECT COUNT(*) FROM items"), 1);
}

TEST_P(StoreTest, FailingWritesRollBackOnlyThemselvesWithinConcurrentBatches) {
  ASSERT_TRUE(InsertItem(*store_, 0).ok());
  constexpr int kThreads = 16;
  constexpr int kWritesPerThread = 40;
  std::vector<std::vector<Status>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int j = 0; j < kWritesPerThread; ++j) {
        int64_t id = t * 1000 + j + 1;
        results[t].push_back(store_->Write([&](Tx& tx) -> Status {
          AIIP_RETURN_IF_ERROR(tx.Exec("INSERT INTO items (id, writer) VALUES (?, ?)", {id, int64_t{t}}));
          switch (j % 4) {
            case 0:  // fails after writing
              return InvalidArgument("deliberate", "fails after its insert");
            case 1:  // violates the primary key after writing
              return tx.Exec("INSERT INTO items (id, writer) VALUES (0, ?)", {int64_t{t}});
            default:
              return tx.Exec("UPDATE items SET payload = ? WHERE id = ?", {Blob{"ok"}, id});
          }
        }));
      }
    });
  }
  for (auto& thread : threads) thread.join();

  std::set<int64_t> expected{0};
  for (int t = 0; t < kThreads; ++t) {
    for (int j = 0; j < kWritesPerThread; ++j) {
      const Status& s = results[t][j];
      switch (j % 4) {
        case 0:
          EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.ToString();
          break;
        case 1:
          EXPECT_EQ(s.code(), Code::kConflict) << s.ToString();
          break;
        default:
          EXPECT_TRUE(s.ok()) << s.ToString();
          expected.insert(t * 1000 + j + 1);
      }
    }
  }
  std::set<int64_t> stored;
  Status s = store_->Read([&](Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT id FROM items"));
    for (const Row& row : rows) stored.insert(row.Int(0));
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(stored, expected);
  EXPECT_EQ(QueryInt(*store_, "SELECT COUNT(*) FROM items WHERE id > 0 AND payload IS NULL"), 0);

  StoreTimings timings = store_->Timings();
  EXPECT_EQ(timings.writes, kThreads * kWritesPerThread + 1u);
  EXPECT_EQ(timings.write_failures, kThreads * kWritesPerThread / 2u);
  // Group commit: fewer COMMITs than successful writes.
  EXPECT_LT(timings.commits, expected.size());
}

class RecordingObserver final : public BatchObserver {
 public:
  Status BeforeCommit(Tx& tx) override {
    Result<Rows> rows = tx.Query("SELECT COUNT(*) FROM items");
    if (!rows) return rows.error();
    events.push_back("before:" + std::to_string(rows->at(0).Int(0)));
    if (!fail_with.ok()) return fail_with;
    // Like the audit log's tree head: the observer's own write joins the batch.
    return tx.Exec("INSERT INTO kv (k, i) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET i = kv.i + 1",
                   {"batches", int64_t{1}});
  }
  void AfterCommit() override { events.push_back("commit"); }
  void AfterRollback() override { events.push_back("rollback"); }

  std::vector<std::string> events;
  Status fail_with;
};

TEST_P(StoreTest, ObserverSeesEachBatchBeforeAndAfterCommit) {
  RecordingObserver observer;
  store_->SetBatchObserver(&observer);
  ASSERT_TRUE(InsertItem(*store_, 1).ok());
  EXPECT_THAT(observer.events, ElementsAre("before:1", "commit"));
  EXPECT_EQ(QueryInt(*store_, "SELECT i FROM kv WHERE k = 'batches'"), 1);

  // A batch whose only write fails is rolled back without the observer.
  EXPECT_FALSE(InsertItem(*store_, 1).ok());
  EXPECT_THAT(observer.events, ElementsAre("before:1", "commit"));
}

TEST_P(StoreTest, FailingBeforeCommitRollsBackTheWholeBatch) {
  RecordingObserver observer;
  observer.fail_with = Unavailable("signer unavailable");
  store_->SetBatchObserver(&observer);
  Status s = InsertItem(*store_, 1);
  EXPECT_EQ(s, observer.fail_with);
  EXPECT_THAT(observer.events, ElementsAre("before:1", "rollback"));
  EXPECT_EQ(QueryInt(*store_, "SELECT COUNT(*) FROM items"), 0);
  EXPECT_EQ(QueryInt(*store_, "SELECT COUNT(*) FROM kv"), 0);

  // The writer is fine afterwards.
  observer.fail_with = Status::Ok();
  EXPECT_TRUE(InsertItem(*store_, 2).ok());
  EXPECT_EQ(QueryInt(*store_, "SELECT COUNT(*) FROM items"), 1);
}

TEST_P(StoreTest, ReadSeesCommittedDataOnlyInOneSnapshot) {
  int64_t seen_during_write = -1;
  Status s = store_->Write([&](Tx& tx) -> Status {
    AIIP_RETURN_IF_ERROR(tx.Exec("INSERT INTO items (id, writer) VALUES (1, 0)"));
    // Another thread's Read, while this write is in its open transaction.
    std::thread([&] { seen_during_write = QueryInt(*store_, "SELECT COUNT(*) FROM items"); }).join();
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(seen_during_write, 0);
  EXPECT_EQ(QueryInt(*store_, "SELECT COUNT(*) FROM items"), 1);

  int64_t first = -1, second = -1;
  s = store_->Read([&](Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(Rows before, tx.Query("SELECT COUNT(*) FROM items"));
    first = before.at(0).Int(0);
    Status w;
    std::thread([&] { w = InsertItem(*store_, 2); }).join();
    EXPECT_TRUE(w.ok()) << w.ToString();
    AIIP_ASSIGN_OR_RETURN(Rows after, tx.Query("SELECT COUNT(*) FROM items"));
    second = after.at(0).Int(0);
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 1);
  EXPECT_EQ(QueryInt(*store_, "SELECT COUNT(*) FROM items"), 2);
}

TEST_P(StoreTest, ReadTransactionsCannotWrite) {
  Status s = store_->Read([](Tx& tx) { return tx.Exec("INSERT INTO items (id, writer) VALUES (1, 0)"); });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(QueryInt(*store_, "SELECT COUNT(*) FROM items"), 0);
}

TEST_P(StoreTest, ReportsChangedRows) {
  std::vector<int64_t> changed;
  Status s = store_->Write([&](Tx& tx) -> Status {
    for (int64_t id = 1; id <= 3; ++id) {
      AIIP_RETURN_IF_ERROR(tx.Exec("INSERT INTO items (id, writer) VALUES (?, 0)", {id}));
    }
    changed.push_back(tx.ChangedRows());
    AIIP_RETURN_IF_ERROR(tx.Exec("UPDATE items SET writer = 1 WHERE id >= ?", {int64_t{2}}));
    changed.push_back(tx.ChangedRows());
    AIIP_RETURN_IF_ERROR(tx.Exec("UPDATE items SET writer = 1 WHERE id > 100"));
    changed.push_back(tx.ChangedRows());
    AIIP_ASSIGN_OR_RETURN(Rows deleted, tx.Query("DELETE FROM items WHERE id = 3 RETURNING id"));
    EXPECT_EQ(deleted.at(0).Int(0), 3);
    changed.push_back(tx.ChangedRows());
    AIIP_ASSIGN_OR_RETURN(Rows remaining, tx.Query("SELECT id FROM items"));
    EXPECT_EQ(remaining.size(), 2u);
    changed.push_back(tx.ChangedRows());
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_THAT(changed, ElementsAre(1, 2, 0, 1, 0));
}

TEST_P(StoreTest, AppliesMigrationsOnceAndRecordsThem) {
  EXPECT_EQ(store_->SchemaVersion(), 2);
  auto applied = [&] {
    std::vector<std::string> out;
    Status s = store_->Read([&](Tx& tx) -> Status {
      AIIP_ASSIGN_OR_RETURN(
          Rows rows, tx.Query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version"));
      for (const Row& row : rows) {
        EXPECT_TRUE(ParseRfc3339(row.Text(2)).has_value()) << row.Text(2);
        out.push_back(std::to_string(row.Int(0)) + " " + row.Text(1) + " " + row.Text(2));
      }
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  };
  std::vector<std::string> first = applied();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_TRUE(first[0].starts_with("1 0001_base.sql ")) << first[0];
  EXPECT_TRUE(first[1].starts_with("2 0002_items.sql ")) << first[1];

  // Reopening re-runs nothing (the CREATE TABLEs would fail) and changes no record.
  Reopen();
  EXPECT_EQ(store_->SchemaVersion(), 2);
  EXPECT_EQ(applied(), first);

  // A new migration is applied on the next open.
  const EmbeddedFile three[] = {kTestMigrations[0],
                                kTestMigrations[1],
                                {"0003_more.sql", "CREATE TABLE more (id BIGINT PRIMARY KEY);\n"}};
  store_.reset();
  auto store = OpenWith(three);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  store_ = std::move(*store);
  EXPECT_EQ(store_->SchemaVersion(), 3);
  EXPECT_EQ(applied().size(), 3u);
}

TEST_P(StoreTest, RefusesASchemaNewerThanTheBinary) {
  store_.reset();
  auto store = OpenWith(std::span(kTestMigrations, 1));
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(store.error().type(), "schema-too-new");

  StoreOptions read_only;
  read_only.apply_migrations = false;
  store = OpenWith(std::span(kTestMigrations, 1), read_only);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().type(), "schema-too-new");
}

TEST_P(StoreTest, FailedMigrationLeavesThePreviousVersion) {
  store_.reset();
  const EmbeddedFile broken[] = {
      kTestMigrations[0],
      kTestMigrations[1],
      {"0003_broken.sql", "CREATE TABLE ok3 (id BIGINT);\nCREATE TABLE broken (;\n"}};
  auto store = OpenWith(broken);
  ASSERT_FALSE(store.has_value());
  EXPECT_THAT(store.error().detail(), ::testing::HasSubstr("0003_broken.sql"));

  // Neither statement of 0003 stuck, so a fixed 0003 can create ok3.
  const EmbeddedFile fixed[] = {
      kTestMigrations[0], kTestMigrations[1], {"0003_fixed.sql", "CREATE TABLE ok3 (id BIGINT)"}};
  store = OpenWith(fixed);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  EXPECT_EQ((*store)->SchemaVersion(), 3);
}

TEST_P(StoreTest, WithoutApplyingMigrationsReportsTheVersion) {
  StoreOptions options;
  options.apply_migrations = false;
  Reopen(options);
  EXPECT_EQ(store_->SchemaVersion(), 2);

  auto fresh = st::TestDatabase::Create(GetParam());
  ASSERT_TRUE(fresh.has_value()) << fresh.error().ToString();
  options.url = (*fresh)->url();
  auto store = OpenStore(options, kTestMigrations);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  EXPECT_EQ((*store)->SchemaVersion(), 0);
}

TEST_P(StoreTest, NodesStartingTogetherMigrateOnce) {
  auto fresh = st::TestDatabase::Create(GetParam());
  ASSERT_TRUE(fresh.has_value()) << fresh.error().ToString();
  StoreOptions options;
  options.url = (*fresh)->url();
  std::vector<Result<std::unique_ptr<Store>>> stores(4);
  std::vector<std::thread> threads;
  for (auto& result : stores) threads.emplace_back([&] { result = OpenStore(options, kTestMigrations); });
  for (auto& thread : threads) thread.join();
  for (auto& result : stores) {
    ASSERT_TRUE(result.has_value()) << result.error().ToString();
    EXPECT_EQ((*result)->SchemaVersion(), 2);
  }
  EXPECT_EQ(QueryInt(**stores[0], "SELECT COUNT(*) FROM schema_migrations"), 2);
}

TEST_P(StoreTest, EmbeddedMigrationsApply) {
  auto parsed = ParseMigrations(EmbeddedMigrations());
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  auto store = st::OpenTestStore(GetParam());
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  EXPECT_EQ((*store)->SchemaVersion(), parsed->empty() ? 0 : parsed->back().version);
  EXPECT_EQ(QueryInt(**store, "SELECT COUNT(*) FROM schema_migrations"),
            static_cast<int64_t>(parsed->size()));
}

TEST_P(StoreTest, ReopenKeepsCommittedData) {
  ASSERT_TRUE(InsertItem(*store_, 42, 7).ok());
  Reopen();
  EXPECT_EQ(QueryInt(*store_, "SELECT writer FROM items WHERE id = ?", {int64_t{42}}), 7);
}

TEST_P(StoreTest, CloseDrainsQueuedWritesThenRefusesNewOnes) {
  StoreOptions options;
  options.max_batch = 1;  // every queued write waits for its own batch
  Reopen(options);

  std::promise<void> gate;
  std::shared_future<void> opened = gate.get_future().share();
  std::atomic<bool> first_running{false};
  constexpr int kQueued = 8;
  std::vector<Status> results(kQueued + 1);
  std::vector<std::thread> threads;
  threads.emplace_back([&] {
    results[0] = store_->Write([&](Tx& tx) {
      first_running = true;
      opened.wait();
      return tx.Exec("INSERT INTO items (id, writer) VALUES (0, 0)");
    });
  });
  while (!first_running) std::this_thread::yield();
  for (int i = 1; i <= kQueued; ++i) {
    threads.emplace_back([&, i] { results[i] = InsertItem(*store_, i); });
  }
  // Give the writers time to queue behind the blocked first write; there is no hook to
  // observe the queue, and 200 ms is ample even under sanitizers.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::thread closer([&] { store_->Close(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  gate.set_value();
  closer.join();
  for (auto& thread : threads) thread.join();

  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(InsertItem(*store_, 100).code(), Code::kUnavailable);
  EXPECT_EQ(QueryInt(*store_, "SELECT COUNT(*) FROM items"), kQueued + 1);
  store_->Close();  // idempotent
}

TEST_P(StoreTest, QueuedWritesFormBatchesOfAtMostMaxBatchEachWithItsOwnResult) {
  StoreOptions options;
  options.max_batch = 3;
  Reopen(options);

  std::promise<void> gate;
  std::shared_future<void> opened = gate.get_future().share();
  std::atomic<bool> first_running{false};
  constexpr int kQueued = 10;
  std::vector<Status> results(kQueued + 1);
  std::vector<std::thread> threads;
  threads.emplace_back([&] {
    results[0] = store_->Write([&](Tx& tx) {
      first_running = true;
      opened.wait();
      return tx.Exec("INSERT INTO items (id, writer) VALUES (0, 0)");
    });
  });
  while (!first_running) std::this_thread::yield();
  for (int i = 1; i <= kQueued; ++i) {
    threads.emplace_back([&, i] {
      results[i] = store_->Write([i](Tx& tx) -> Status {
        AIIP_RETURN_IF_ERROR(tx.Exec("INSERT INTO items (id, writer) VALUES (?, 0)", {int64_t{i}}));
        if (i % 3 == 0) return InvalidArgument("deliberate", "write " + std::to_string(i));
        return Status::Ok();
      });
    });
  }
  // As above: 200 ms for every write to queue behind the blocked first one.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  gate.set_value();
  for (auto& thread : threads) thread.join();

  for (int i = 0; i <= kQueued; ++i) {
    if (i != 0 && i % 3 == 0) {
      EXPECT_EQ(results[i].code(), Code::kInvalidArgument) << i << ": " << results[i].ToString();
      EXPECT_NE(results[i].ToString().find("write " + std::to_string(i)), std::string::npos);
    } else {
      EXPECT_TRUE(results[i].ok()) << i << ": " << results[i].ToString();
    }
  }
  EXPECT_EQ(QueryInt(*store_, "SELECT COUNT(*) FROM items"), kQueued + 1 - kQueued / 3);
  // The blocked write alone, then the ten queued ones in batches of 3, 3, 3 and 1; a batch
  // whose writes all failed is rolled back, not committed, and (queue order being up to
  // the threads) at most one batch can be all failures.
  uint64_t commits = store_->Timings().commits;
  EXPECT_GE(commits, 4u);
  EXPECT_LE(commits, 5u);
}

TEST_P(StoreTest, CountsTimings) {
  ASSERT_TRUE(InsertItem(*store_, 1).ok());
  EXPECT_FALSE(InsertItem(*store_, 1).ok());
  QueryInt(*store_, "SELECT COUNT(*) FROM items");
  StoreTimings t = store_->Timings();
  EXPECT_EQ(t.writes, 2u);
  EXPECT_EQ(t.write_failures, 1u);
  EXPECT_EQ(t.commits, 1u);
  EXPECT_EQ(t.reads, 1u);
  EXPECT_GT(t.write_us, 0u);
  EXPECT_GT(t.commit_us, 0u);
}

TEST_P(StoreTest, ReplacesALostWriterSession) {
  if (!IsPostgres()) GTEST_SKIP() << "SQLite has no session to lose";
  int64_t pid = 0;
  ASSERT_TRUE(store_
                  ->Write([&](Tx& tx) -> Status {
                    AIIP_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT pg_backend_pid()"));
                    pid = rows.at(0).Int(0);
                    return Status::Ok();
                  })
                  .ok());
  // The two-argument form waits until the backend has exited.
  EXPECT_EQ(
      QueryInt(*store_, "SELECT CASE WHEN pg_terminate_backend(CAST(? AS INTEGER), 10000) THEN 1 ELSE 0 END",
               {pid}),
      1);
  Status s = InsertItem(*store_, 1);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(QueryInt(*store_, "SELECT COUNT(*) FROM items"), 1);
}

TEST_P(StoreTest, ReplacesALostReaderSession) {
  if (!IsPostgres()) GTEST_SKIP() << "SQLite has no session to lose";
  StoreOptions options;
  options.reader_connections = 1;
  Reopen(options);
  int64_t pid = QueryInt(*store_, "SELECT pg_backend_pid()");
  Status s = store_->Write(
      [&](Tx& tx) { return tx.Exec("SELECT pg_terminate_backend(CAST(? AS INTEGER), 10000)", {pid}); });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_NE(QueryInt(*store_, "SELECT pg_backend_pid()"), pid);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::ValuesIn(st::TestBackends()), BackendParamName);

TEST(SqliteStoreTest, ConfiguresEveryConnectionForDurability) {
  auto store = st::OpenTestStore(st::Backend::kSqlite);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  auto pragmas = [](Tx& tx, std::vector<std::string>& out) -> Status {
    for (const char* pragma : {"PRAGMA journal_mode", "PRAGMA synchronous", "PRAGMA foreign_keys"}) {
      AIIP_ASSIGN_OR_RETURN(Rows rows, tx.Query(pragma));
      const Value& v = rows.at(0).At(0);
      out.push_back(std::holds_alternative<std::string>(v) ? std::get<std::string>(v)
                                                           : std::to_string(std::get<int64_t>(v)));
    }
    return Status::Ok();
  };
  std::vector<std::string> reader, writer;
  ASSERT_TRUE((*store)->Read([&](Tx& tx) { return pragmas(tx, reader); }).ok());
  ASSERT_TRUE((*store)->Write([&](Tx& tx) { return pragmas(tx, writer); }).ok());
  // synchronous=2 is FULL: every COMMIT fsyncs the WAL.
  EXPECT_THAT(reader, ElementsAre("wal", "2", "1"));
  EXPECT_THAT(writer, ElementsAre("wal", "2", "1"));
}

TEST(StoreOpenTest, RejectsUnusableUrls) {
  StoreOptions options;
  for (const char* url : {"", "sqlite:", ":memory:", "sqlite::memory:"}) {
    options.url = url;
    auto store = Store::Open(options);
    ASSERT_FALSE(store.has_value()) << url;
    EXPECT_EQ(store.error().code(), Code::kInvalidArgument) << url;
  }
  options.url = "sqlite:/nonexistent-dir/aiip.db";
  auto store = Store::Open(options);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code(), Code::kUnavailable) << store.error().ToString();

  options.url = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2";
  store = Store::Open(options);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code(), Code::kUnavailable) << store.error().ToString();
}

TEST(SqlTextTest, TranslatesPlaceholders) {
  int n = 0;
  EXPECT_EQ(ToPostgresPlaceholders("SELECT ?, '?', \"a?\", 'x''?' /* ? */ , ? -- ?\n ?", &n),
            "SELECT $1, '?', \"a?\", 'x''?' /* ? */ , $2 -- ?\n $3");
  EXPECT_EQ(n, 3);
  EXPECT_EQ(ToPostgresPlaceholders("SELECT 1", &n), "SELECT 1");
  EXPECT_EQ(n, 0);
  // An unterminated literal swallows the rest rather than rewriting inside it.
  EXPECT_EQ(ToPostgresPlaceholders("SELECT 'a?", &n), "SELECT 'a?");
  EXPECT_EQ(n, 0);
}

TEST(SqlTextTest, TranslatesBlobToBytea) {
  EXPECT_EQ(
      ToPostgresTypes("CREATE TABLE t (a BLOB, blob_x TEXT, c blob NOT NULL, d TEXT DEFAULT 'BLOB') -- BLOB"),
      "CREATE TABLE t (a BYTEA, blob_x TEXT, c BYTEA NOT NULL, d TEXT DEFAULT 'BLOB') -- BLOB");
}

TEST(SqlTextTest, SplitsStatementsAtLineEndSemicolons) {
  EXPECT_THAT(SplitStatements("-- header;\n\nCREATE TABLE a (x TEXT);\nCREATE TABLE b (\n  y TEXT\n);  \n"
                              "-- only a comment;\n\nINSERT INTO a VALUES ('p; q')"),
              ElementsAre("-- header;\n\nCREATE TABLE a (x TEXT)", "CREATE TABLE b (\n  y TEXT\n)",
                          "-- only a comment;\n\nINSERT INTO a VALUES ('p; q')"));
  EXPECT_THAT(SplitStatements("\n-- nothing\n"), ::testing::IsEmpty());
}

TEST(MigrationsTest, ParsesNamesAndOrdersByVersion) {
  const EmbeddedFile files[] = {{"0010_b.sql", ""}, {"2_a.sql", ""}};
  auto parsed = ParseMigrations(files);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].version, 2);
  EXPECT_EQ((*parsed)[1].name, "0010_b.sql");

  for (std::string_view bad : {"x_a.sql", "0001a.sql", "0000_zero.sql", "0001_.sql", "0001_a.txt", "0001"}) {
    const EmbeddedFile one[] = {{bad, ""}};
    EXPECT_FALSE(ParseMigrations(one).has_value()) << bad;
  }
  const EmbeddedFile twins[] = {{"1_a.sql", ""}, {"001_b.sql", ""}};
  EXPECT_FALSE(ParseMigrations(twins).has_value());
}

}  // namespace
}  // namespace aiip::store
