#include "store/db_store.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <climits>
#include <exception>
#include <utility>

#include "common/clock.h"
#include "common/log.h"

namespace aiip::store {
namespace {

uint64_t MicrosSince(std::chrono::steady_clock::time_point start) {
  auto elapsed = SystemClock().Monotonic() - start;
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
}

// The Tx handed to callbacks. PostgreSQL aborts a transaction at its first failed
// statement while SQLite carries on; to behave the same on both, a failed statement makes
// every later one in the same callback fail too, and a callback that returns OK after a
// failed statement fails with that statement's error (its savepoint is rolled back).
class GuardedTx final : public Tx {
 public:
  explicit GuardedTx(Connection& conn) : conn_(conn) {}

  Status Exec(std::string_view sql, const std::vector<Value>& params) override {
    if (!first_error_.ok()) return Aborted();
    Status status = conn_.Exec(sql, params);
    Record(status);
    return status;
  }
  Result<Rows> Query(std::string_view sql, const std::vector<Value>& params) override {
    if (!first_error_.ok()) return Err(Aborted());
    Result<Rows> rows = conn_.Query(sql, params);
    if (!rows) Record(rows.error());
    return rows;
  }
  int64_t ChangedRows() const override { return conn_.ChangedRows(); }
  Dialect dialect() const override { return conn_.dialect(); }

  const Status& first_error() const { return first_error_; }

 private:
  void Record(const Status& s) {
    if (!s.ok() && first_error_.ok()) first_error_ = s;
  }
  Status Aborted() const {
    return Internal("statement after a failed statement in the same transaction (first failure: " +
                    first_error_.ToString() + ")");
  }

  Connection& conn_;
  Status first_error_;
};

// Runs a callback on `conn` under GuardedTx rules. A throwing callback must not take down
// the writer thread and strand every queued caller, so exceptions become kInternal here.
Status RunCallback(const std::function<Status(Tx&)>& fn, Connection& conn) {
  GuardedTx tx(conn);
  Status status;
  try {
    status = fn(tx);
  } catch (const std::exception& e) {
    status = Internal(std::string("store callback threw: ") + e.what());
  } catch (...) {
    status = Internal("store callback threw a non-standard exception");
  }
  if (status.ok() && !tx.first_error().ok()) return tx.first_error();
  return status;
}

// A batch's completion flag, waited on and woken with the futex directly: std::atomic's
// wait spins and calls sched_yield before sleeping, which with hundreds of waiting
// callers on two cores takes the CPU from the writer thread.
void WaitUntilSet(std::atomic<uint32_t>& flag) {
  static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
  while (flag.load(std::memory_order_acquire) == 0) {
    // Returns at once (EAGAIN) if the flag is no longer 0; EINTR and spurious wakes loop.
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&flag), FUTEX_WAIT_PRIVATE, 0u, nullptr, nullptr, 0);
  }
}

void SetAndWakeAll(std::atomic<uint32_t>& flag) {
  flag.store(1, std::memory_order_release);
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&flag), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

}  // namespace

DbStore::DbStore(Dialect dialect, const StoreOptions& options, ConnectionFactory writer_factory,
                 ConnectionFactory reader_factory, std::unique_ptr<Connection> writer, int64_t schema_version)
    : dialect_(dialect),
      max_batch_(options.max_batch),
      schema_version_(schema_version),
      writer_factory_(std::move(writer_factory)),
      reader_factory_(std::move(reader_factory)),
      writer_(std::move(writer)) {}

Result<std::unique_ptr<DbStore>> DbStore::Start(Dialect dialect, const StoreOptions& options,
                                                ConnectionFactory writer_factory,
                                                ConnectionFactory reader_factory,
                                                std::unique_ptr<Connection> writer, int64_t schema_version) {
  assert(options.reader_connections >= 1 && options.max_batch >= 1);
  std::unique_ptr<DbStore> store(new DbStore(dialect, options, std::move(writer_factory),
                                             std::move(reader_factory), std::move(writer), schema_version));
  for (int i = 0; i < options.reader_connections; ++i) {
    AIIP_ASSIGN_OR_RETURN(std::unique_ptr<Connection> reader, store->reader_factory_());
    store->idle_readers_.push_back(std::move(reader));
  }
  store->writer_thread_ = std::thread([s = store.get()] { s->WriterLoop(); });
  store->writer_id_ = store->writer_thread_.get_id();
  return store;
}

DbStore::~DbStore() { Close(); }

void DbStore::Close() {
  std::call_once(close_once_, [this] {
    {
      std::lock_guard lock(queue_mu_);
      closing_ = true;
    }
    queue_cv_.notify_all();
    if (writer_thread_.joinable()) writer_thread_.join();
  });
}

StoreTimings DbStore::Timings() const {
  StoreTimings t;
  t.reads = reads_.load();
  t.read_us = read_us_.load();
  t.writes = writes_.load();
  t.write_us = write_us_.load();
  t.commits = commits_.load();
  t.commit_us = commit_us_.load();
  t.write_failures = write_failures_.load();
  return t;
}

// ---- Writes ----

Status DbStore::Write(const std::function<Status(Tx&)>& fn) {
  assert(std::this_thread::get_id() != writer_id_ && "Write called from inside a write callback");
  auto start = SystemClock().Monotonic();
  PendingWrite pending{&fn, {}};
  std::shared_ptr<Batch> batch;
  {
    std::lock_guard lock(queue_mu_);
    if (!closing_) {
      if (queue_.empty() || queue_.back()->writes.size() >= static_cast<size_t>(max_batch_)) {
        queue_.push_back(std::make_shared<Batch>());
      }
      batch = queue_.back();
      batch->writes.push_back(&pending);
    }
  }
  Status status = Unavailable("the store is closed");
  if (batch != nullptr) {
    queue_cv_.notify_one();
    WaitUntilSet(batch->done);
    status = std::move(pending.result);
  }
  writes_.fetch_add(1);
  write_us_.fetch_add(MicrosSince(start));
  if (!status.ok()) write_failures_.fetch_add(1);
  return status;
}

void DbStore::WriterLoop() {
  for (;;) {
    std::shared_ptr<Batch> batch;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) break;  // closing, and everything queued before has been run
      // Whatever queued up while the previous batch was committing forms the next batch:
      // the fsync of one commit is shared by all of them. Once off the queue no Write
      // joins it.
      batch = std::move(queue_.front());
      queue_.pop_front();
    }
    RunBatch(*batch);
  }
  writer_.reset();
}

void DbStore::RunBatch(Batch& batch) {
  // Writes the transaction never reached keep OK here and so receive the batch failure.
  std::vector<Status> results(batch.writes.size());
  Status batch_status = RunBatchTransaction(batch.writes, results);
  for (size_t i = 0; i < batch.writes.size(); ++i) {
    batch.writes[i]->result = results[i].ok() ? batch_status : std::move(results[i]);
  }
  // Every result is in place before any caller wakes; a caller may return (and its
  // PendingWrite go away) as soon as it sees `done`, so nothing touches them after it.
  // `batch` itself stays alive through the wake: WriterLoop holds a reference.
  SetAndWakeAll(batch.done);
}

Status DbStore::BeginOn(std::unique_ptr<Connection>& conn, const ConnectionFactory& factory, TxMode mode) {
  for (int attempt = 0;; ++attempt) {
    if (conn == nullptr || conn->Broken()) {
      conn.reset();
      AIIP_ASSIGN_OR_RETURN(conn, factory());
    }
    Status status = conn->Begin(mode);
    if (status.ok() || attempt > 0 || !conn->Broken()) return status;
    log::Warn("store: database session lost, reconnecting", {{"error", status.ToString()}});
  }
}

Status DbStore::RunBatchTransaction(const std::vector<PendingWrite*>& batch, std::vector<Status>& results) {
  if (Status s = BeginOn(writer_, writer_factory_, TxMode::kWrite); !s.ok()) {
    // A session that cannot even BEGIN is in an unknown state; start afresh next batch.
    writer_.reset();
    return s;
  }
  bool any_ok = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    // One savepoint per write, so a failing write is undone without touching the others.
    if (Status s = writer_->ExecDirect("SAVEPOINT w"); !s.ok()) return AbortBatch(s, any_ok);
    results[i] = RunCallback(*batch[i]->fn, *writer_);
    Status control;
    if (results[i].ok()) {
      any_ok = true;
      control = writer_->ExecDirect("RELEASE w");
    } else {
      control = writer_->ExecDirect("ROLLBACK TO w");
      if (control.ok()) control = writer_->ExecDirect("RELEASE w");
    }
    if (!control.ok()) return AbortBatch(control, any_ok);
  }
  if (!any_ok) {
    // Nothing to keep: ROLLBACK avoids a pointless fsync.
    if (!writer_->Rollback().ok()) writer_.reset();
    return Status::Ok();
  }
  BatchObserver* observer = observer_.load();
  if (observer != nullptr) {
    Status s = RunCallback([observer](Tx& tx) { return observer->BeforeCommit(tx); }, *writer_);
    if (!s.ok()) return AbortBatch(s, true);
  }
  auto commit_start = SystemClock().Monotonic();
  if (Status s = writer_->Commit(); !s.ok()) return AbortBatch(s, true);
  commits_.fetch_add(1);
  commit_us_.fetch_add(MicrosSince(commit_start));
  if (observer != nullptr) observer->AfterCommit();
  return Status::Ok();
}

Status DbStore::AbortBatch(Status cause, bool notify_observer) {
  if (Status s = writer_->Rollback(); !s.ok()) {
    log::Warn("store: rollback failed, dropping the writer session", {{"error", s.ToString()}});
    writer_.reset();
  }
  BatchObserver* observer = observer_.load();
  if (notify_observer && observer != nullptr) observer->AfterRollback();
  return cause;
}

// ---- Reads ----

std::unique_ptr<Connection> DbStore::AcquireReader() {
  std::unique_lock lock(pool_mu_);
  pool_cv_.wait(lock, [this] { return !idle_readers_.empty(); });
  std::unique_ptr<Connection> conn = std::move(idle_readers_.back());
  idle_readers_.pop_back();
  return conn;
}

void DbStore::ReleaseReader(std::unique_ptr<Connection> conn) {
  {
    std::lock_guard lock(pool_mu_);
    idle_readers_.push_back(std::move(conn));
  }
  pool_cv_.notify_one();
}

Status DbStore::Read(const std::function<Status(Tx&)>& fn) {
  auto start = SystemClock().Monotonic();
  std::unique_ptr<Connection> conn = AcquireReader();
  Status status = BeginOn(conn, reader_factory_, TxMode::kRead);
  if (status.ok()) {
    status = RunCallback(fn, *conn);
    Status end = status.ok() ? conn->Commit() : conn->Rollback();
    if (status.ok()) status = end;
    // A session whose transaction did not end cleanly would poison the next Read.
    if (!end.ok()) conn.reset();
  } else {
    conn.reset();
  }
  ReleaseReader(std::move(conn));
  reads_.fetch_add(1);
  read_us_.fetch_add(MicrosSince(start));
  return status;
}

}  // namespace aiip::store
