// DbStore: the Store implementation shared by both engines — group-commit writer thread,
// reader pool, migrations and timings — over Connections made by engine-specific
// factories. Internal to the store module; Store::Open is the public way in.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "common/embedded.h"
#include "store/connection.h"
#include "store/store.h"

namespace aiip::store {

// Store::Open with an explicit set of migrations instead of the embedded ones (tests use
// it to run the runner on their own schemas). Same contract as Store::Open.
Result<std::unique_ptr<Store>> OpenStore(const StoreOptions& options,
                                         std::span<const EmbeddedFile> migrations);

class DbStore final : public Store {
 public:
  // Takes over `writer` (already migrated to `schema_version`), opens the reader pool and
  // starts the writer thread. Returns the error of the first reader that fails to open.
  static Result<std::unique_ptr<DbStore>> Start(Dialect dialect, const StoreOptions& options,
                                                ConnectionFactory writer_factory,
                                                ConnectionFactory reader_factory,
                                                std::unique_ptr<Connection> writer, int64_t schema_version);
  ~DbStore() override;

  Status Read(const std::function<Status(Tx&)>& fn) override;
  Status Write(const std::function<Status(Tx&)>& fn) override;
  void SetBatchObserver(BatchObserver* observer) override { observer_.store(observer); }
  int SchemaVersion() const override { return static_cast<int>(schema_version_); }
  Dialect dialect() const override { return dialect_; }
  StoreTimings Timings() const override;
  void Close() override;

 private:
  struct PendingWrite {
    const std::function<Status(Tx&)>* fn;
    Status result;  // set by the writer before its batch's `done`
  };
  // A group-commit batch. Write calls join the newest queued batch that has room (fewer
  // than max_batch writes) or queue a new one; the writer takes the oldest whole, so the
  // batches are the same as taking up to max_batch writes off a queue. Once the writer has
  // set every result it sets `done` and wakes all of the batch's callers with one futex
  // wake, instead of one wake per caller, each of which could hand the CPU to the woken
  // caller before the writer had woken the rest or started the next batch.
  struct Batch {
    std::vector<PendingWrite*> writes;  // guarded by queue_mu_ while queued
    std::atomic<uint32_t> done{0};
  };

  DbStore(Dialect dialect, const StoreOptions& options, ConnectionFactory writer_factory,
          ConnectionFactory reader_factory, std::unique_ptr<Connection> writer, int64_t schema_version);

  // Writer thread.
  void WriterLoop();
  void RunBatch(Batch& batch);
  // Runs the batch transaction, filling `results` with each write's own status; returns
  // non-OK if the transaction as a whole did not commit.
  Status RunBatchTransaction(const std::vector<PendingWrite*>& batch, std::vector<Status>& results);
  // Rolls the batch back after `cause`; returns `cause`.
  Status AbortBatch(Status cause, bool notify_observer);
  // Starts a transaction on `conn` (replacing it first if its session is lost). A session
  // found lost at BEGIN is replaced and BEGIN retried once: nothing has run on it yet.
  Status BeginOn(std::unique_ptr<Connection>& conn, const ConnectionFactory& factory, TxMode mode);

  // Reader pool. A null slot is a connection still to be (re)opened.
  std::unique_ptr<Connection> AcquireReader();
  void ReleaseReader(std::unique_ptr<Connection> conn);

  const Dialect dialect_;
  const int max_batch_;
  const int64_t schema_version_;
  const ConnectionFactory writer_factory_;
  const ConnectionFactory reader_factory_;
  std::atomic<BatchObserver*> observer_{nullptr};

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::shared_ptr<Batch>> queue_;  // guarded by queue_mu_
  bool closing_ = false;             // guarded by queue_mu_
  std::once_flag close_once_;
  std::unique_ptr<Connection> writer_;  // owned by the writer thread once it runs
  std::thread writer_thread_;
  std::thread::id writer_id_;  // set before the store is handed out; read by Write

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by pool_mu_

  std::atomic<uint64_t> reads_{0}, read_us_{0};
  std::atomic<uint64_t> writes_{0}, write_us_{0};
  std::atomic<uint64_t> commits_{0}, commit_us_{0};
  std::atomic<uint64_t> write_failures_{0};
};

}  // namespace aiip::store
