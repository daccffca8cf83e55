// Benchmarks of the audit log's hot paths, from the physical limit up:
//
//   BM_Sha256             raw SHA-256 throughput of this machine: the ceiling for everything
//                         below (64-byte messages ~ one Merkle node; 1 MiB ~ bulk).
//   BM_MerkleNodeHash     one RFC 9162 interior node hash, SHA-256(0x01 || l || r).
//   BM_Fdatasync          4 KiB write + fdatasync in the temp dir: the disk's limit on
//                         commits per second, which group commit amortises.
//   BM_DurableAppend      AuditLog::Append inside Store::Write on an SQLite file
//                         (WAL, synchronous=FULL: each commit is fsync'd), N writer threads;
//                         group commit puts concurrent writes into one transaction and one
//                         signed tree head. appends/s counts only writes that returned OK,
//                         i.e. that are durable.
//   BM_InclusionProof1M   the work of serving and checking one inclusion proof in a log of
//                         1,000,000 entries: leaf hash + audit path + root from the
//                         in-memory tree, then RFC 9162 verification by a client.
//   BM_ConsistencyProof1M the same for consistency proofs between two random sizes.
//   BM_OpenLog1M          AuditLog::Open on an SQLite log of 1,000,000 entries: loading
//                         every leaf hash and rebuilding the tree at server start.
//
// The proof benchmarks fill the in-memory tree directly with the leaf hashes of 1,000,000
// encoded entries (not through SQL), since serving a proof never touches the database.
// BM_OpenLog1M builds its database once through the real Append path (10,000 entries per
// Write), which takes a few seconds before the first measurement.
//
// Run a release build: build-audit-rel/bin/audit_bench [--benchmark_filter=REGEX]

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "audit/entry.h"
#include "audit/log.h"
#include "audit/merkle.h"
#include "common/clock.h"
#include "common/random.h"
#include "crypto/sha256.h"
#include "store/store.h"

namespace aiip::audit {
namespace {

constexpr uint64_t kMillion = 1'000'000;

// A directory under the temp dir, removed with its contents at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "aiip-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

crypto::Ed25519PrivateKey BenchKey() {
  SeededRandom random(1);
  return *crypto::Ed25519PrivateKey::Generate(random);
}

EntryFields SampleFields(uint64_t i) {
  return EntryFields{.member_id = "mbr_01jd8x3k5q9w7e2r4t6y8u0i1p",
                     .organisation_id = "org_01jd8x3k5q9w7e2r4t6y8u0i1p",
                     .action = "organisation.update",
                     .object_id = "org_01jd8x3k5q9w7e2r" + std::to_string(i),
                     .object_hash = crypto::Sha256(std::to_string(i))};
}

std::unique_ptr<store::Store> OpenSqlite(const std::filesystem::path& file) {
  store::StoreOptions options;
  options.url = "sqlite:" + file.string();
  auto store = store::Store::Open(options);
  if (!store) {
    std::fprintf(stderr, "cannot open %s: %s\n", file.c_str(), store.error().ToString().c_str());
    std::abort();
  }
  return std::move(*store);
}

// A cheap per-thread pseudo-random sequence (no locking, unlike SeededRandom).
uint64_t NextRandom(uint64_t& x) {
  x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  return x >> 11;
}

// ---- (i) the physical limit -----------------------------------------------------------

void BM_Sha256(benchmark::State& state) {
  const std::string data(static_cast<size_t>(state.range(0)), 'x');
  for (auto _ : state) benchmark::DoNotOptimize(crypto::Sha256(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
  state.counters["hashes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Sha256)->Arg(64)->Arg(1 << 20);

void BM_MerkleNodeHash(benchmark::State& state) {
  Sha256Digest left = crypto::Sha256("left");
  const Sha256Digest right = crypto::Sha256("right");
  for (auto _ : state) {
    left = HashChildren(left, right);
    benchmark::DoNotOptimize(left);
  }
  state.counters["nodes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MerkleNodeHash);

// The physical limit of durability: one 4 KiB write plus fdatasync, as a commit needs at
// least once. appends/s below can reach writes/commit times this rate at best.
void BM_Fdatasync(benchmark::State& state) {
  TempDir dir;
  const std::string path = (dir.path() / "fsync").string();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) std::abort();
  const std::string page(4096, 'x');
  for (auto _ : state) {
    if (::pwrite(fd, page.data(), page.size(), 0) != static_cast<ssize_t>(page.size()) ||
        ::fdatasync(fd) != 0) {
      state.SkipWithError("write or fdatasync failed");
      break;
    }
  }
  ::close(fd);
  state.counters["fsyncs/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Fdatasync)->UseRealTime()->MinTime(1.0)->Unit(benchmark::kMicrosecond);

// ---- (ii) durable appends -------------------------------------------------------------

struct AppendSetup {
  TempDir dir;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<AuditLog> log;
  store::StoreTimings before;
};
AppendSetup* g_append = nullptr;  // created and destroyed by thread 0 around the loop

void BM_DurableAppend(benchmark::State& state) {
  if (state.thread_index() == 0) {
    g_append = new AppendSetup;
    g_append->store = OpenSqlite(g_append->dir.path() / "audit.db");
    auto log = AuditLog::Open(*g_append->store, BenchKey(), SystemClock());
    if (!log) std::abort();
    g_append->log = std::move(*log);
    g_append->before = g_append->store->Timings();
  }
  // The loop starts only once every thread reached it, so g_append is set by then.
  const EntryFields fields = SampleFields(static_cast<uint64_t>(state.thread_index()));
  state.SetLabel("SQLite file, synchronous=FULL");
  int64_t durable = 0;
  for (auto _ : state) {
    Status status =
        g_append->store->Write([&](store::Tx& tx) { return StatusOf(g_append->log->Append(tx, fields)); });
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
    ++durable;
  }
  state.SetItemsProcessed(durable);
  state.counters["appends/s"] = benchmark::Counter(static_cast<double>(durable), benchmark::Counter::kIsRate);
  if (state.thread_index() == 0) {
    // Every thread has left the loop (the library waits for all at its end).
    const store::StoreTimings after = g_append->store->Timings();
    const double commits = static_cast<double>(after.commits - g_append->before.commits);
    const double writes = static_cast<double>(after.writes - g_append->before.writes);
    state.counters["writes/commit"] = writes / std::max(commits, 1.0);
    state.counters["commit_us"] =
        static_cast<double>(after.commit_us - g_append->before.commit_us) / std::max(commits, 1.0);
    g_append->log.reset();
    g_append->store->Close();
    delete g_append;
    g_append = nullptr;
  }
}
BENCHMARK(BM_DurableAppend)
    ->Threads(1)
    ->Threads(8)
    ->Threads(32)
    ->Threads(128)
    ->Threads(512)
    ->UseRealTime()
    ->MinTime(2.0)
    ->Unit(benchmark::kMicrosecond);

// ---- (iii), (iv) proofs in a log of a million entries -----------------------------------

const MerkleTree& MillionLeafTree() {
  static const MerkleTree* tree = [] {
    std::vector<Sha256Digest> leaves;
    leaves.reserve(kMillion);
    const SystemTime time{std::chrono::milliseconds(1700000000000)};
    for (uint64_t i = 0; i < kMillion; ++i) {
      const Entry entry{i, time, SampleFields(i)};
      leaves.push_back(HashLeaf(*EncodeEntry(entry)));
    }
    auto* t = new MerkleTree;
    t->Reserve(kMillion);
    t->Append(leaves);
    return t;
  }();
  return *tree;
}

void BM_InclusionProof1M(benchmark::State& state) {
  const MerkleTree& tree = MillionLeafTree();
  const Sha256Digest root = *tree.RootAt(kMillion);  // what the client holds: the signed root
  uint64_t x = 17 + static_cast<uint64_t>(state.thread_index());
  state.SetLabel("tree filled directly; proof served, then verified");
  for (auto _ : state) {
    const uint64_t index = NextRandom(x) % kMillion;
    // Server: what AuditLog::InclusionProof returns.
    auto leaf = tree.LeafHash(index);
    auto path = tree.InclusionProof(index, kMillion);
    auto served_root = tree.RootAt(kMillion);
    // Client: RFC 9162 §2.1.3.2 against the root of a signed head.
    if (!leaf || !path || !served_root || !VerifyInclusion(*leaf, index, kMillion, *path, root).ok()) {
      state.SkipWithError("inclusion proof failed to verify");
      break;
    }
  }
  state.counters["proofs/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_InclusionProof1M)->Threads(1)->Threads(2)->UseRealTime();

void BM_ConsistencyProof1M(benchmark::State& state) {
  const MerkleTree& tree = MillionLeafTree();
  uint64_t x = 29 + static_cast<uint64_t>(state.thread_index());
  state.SetLabel("random sizes; proof and both roots served, then verified");
  for (auto _ : state) {
    const uint64_t second = 2 + NextRandom(x) % (kMillion - 1);
    const uint64_t first = 1 + NextRandom(x) % (second - 1);
    auto proof = tree.ConsistencyProof(first, second);
    auto first_root = tree.RootAt(first);
    auto second_root = tree.RootAt(second);
    if (!proof || !first_root || !second_root ||
        !VerifyConsistency(first, second, *first_root, *second_root, *proof).ok()) {
      state.SkipWithError("consistency proof failed to verify");
      break;
    }
  }
  state.counters["proofs/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ConsistencyProof1M)->Threads(1)->Threads(2)->UseRealTime();

// ---- loading a million-entry log at start ---------------------------------------------

const std::filesystem::path& MillionEntryDatabase() {
  static TempDir* dir = new TempDir;  // kept (and its file) for the whole run
  static const std::filesystem::path file = [] {
    std::filesystem::path path = dir->path() / "million.db";
    auto store = OpenSqlite(path);
    auto log = AuditLog::Open(*store, BenchKey(), SystemClock());
    if (!log) std::abort();
    constexpr uint64_t kPerWrite = 10000;
    for (uint64_t base = 0; base < kMillion; base += kPerWrite) {
      Status status = store->Write([&](store::Tx& tx) -> Status {
        for (uint64_t i = base; i < base + kPerWrite; ++i) {
          AIIP_RETURN_IF_ERROR(StatusOf((*log)->Append(tx, SampleFields(i))));
        }
        return Status::Ok();
      });
      if (!status.ok()) std::abort();
    }
    log->reset();
    store->Close();
    return path;
  }();
  return file;
}

void BM_OpenLog1M(benchmark::State& state) {
  const std::filesystem::path& file = MillionEntryDatabase();
  for (auto _ : state) {
    auto store = OpenSqlite(file);
    const auto start = std::chrono::steady_clock::now();
    auto log = AuditLog::Open(*store, BenchKey(), SystemClock());
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    if (!log || (*log)->LatestHead().head.size != kMillion) {
      state.SkipWithError("the log did not load");
      break;
    }
    state.SetIterationTime(elapsed.count());
    log->reset();
    store->Close();
  }
  state.counters["entries"] = static_cast<double>(kMillion);
}
BENCHMARK(BM_OpenLog1M)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace aiip::audit

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("what", "AIIP audit log; see the comment at the top of bench/audit_bench.cc");
  benchmark::AddCustomContext("durability", "SQLite WAL, synchronous=FULL: every commit is fsync'd");
  benchmark::AddCustomContext("targets", ">= 50,000 durable appends/s; >= 100,000 inclusion proofs/s");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
