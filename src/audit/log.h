// AuditLog: AIIP's transparency log, a Certificate-Transparency-style append-only Merkle
// log (RFC 9162) of every mutating API call, kept in the Store next to the data it
// describes (doc/audit_log_format.md).
//
// Writing. Each mutating request is one Store::Write; inside it the request calls
// Append, so the change and its entry commit or vanish together. Append takes the next
// index from the audit_state row (whose row lock hands indices out one transaction at a
// time, also to other nodes sharing one PostgreSQL) and inserts the encoded entry with its
// leaf hash. The log is also the store's BatchObserver: just before each group-commit
// batch commits, it adds the batch's new leaves to its in-memory tree, signs a tree head
// over the new size with the node key and inserts it in the same transaction. Every
// committed batch therefore ends with a signed head — there is never an unsigned tail —
// and a batch that rolls back takes its leaves and head with it.
//
// Reading. Heads, entries and proofs are served from the in-memory tree (every complete
// subtree hash, ~64 MB per million entries) and never exceed the last committed size, so
// a client is never shown an entry or a root that might still roll back. Several nodes
// may share one database if they share the node key: each signs heads over the common
// log, and sees the others' entries at its own next batch (its queries lag until then).
//
// Thread-safety: Append runs inside Write callbacks (on the store's writer thread); the
// queries may be called from any thread at any time, concurrently with writes.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/entry.h"
#include "audit/merkle.h"
#include "common/clock.h"
#include "common/status.h"
#include "crypto/ed25519.h"
#include "store/store.h"

namespace aiip::audit {

// The most entries one Entries call returns.
inline constexpr uint64_t kMaxEntriesPerRead = 1000;

// One stored entry: decoded, as the exact bytes the leaf hash covers, and that hash.
struct LogEntry {
  Entry entry;
  std::string encoded;
  Sha256Digest leaf_hash{};
};

struct InclusionProofData {
  uint64_t index = 0;
  uint64_t size = 0;
  Sha256Digest leaf_hash{};
  std::vector<Sha256Digest> audit_path;  // RFC 9162 §2.1.3.1, leaf to root
  Sha256Digest root{};                   // MTH of the first `size` entries
};

struct ConsistencyProofData {
  uint64_t first = 0;
  uint64_t second = 0;
  Sha256Digest first_root{};
  Sha256Digest second_root{};
  std::vector<Sha256Digest> proof;  // RFC 9162 §2.1.4.1
};

class AuditLog final : public store::BatchObserver {
 public:
  // Loads the log stored in `store` (schema 0002_audit applied) into memory and registers
  // the log as the store's batch observer; call before the store's first Write. Checks on
  // the way that indices are contiguous from 0, that audit_state counts the entries, and
  // that the newest stored head is signed by `key` over exactly the stored entries;
  // otherwise returns kDataLoss (run `aiip audit verify` to locate the damage) rather than
  // extend a log that no longer matches its signatures. Database errors are returned as
  // is. `store` and `clock` must outlive the log.
  static Result<std::unique_ptr<AuditLog>> Open(store::Store& store, crypto::Ed25519PrivateKey key,
                                                const Clock& clock);

  // Unregisters the log from the store. No Write may be in flight (close the store or
  // stop writing first).
  ~AuditLog() override;
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends an entry for `fields`, timestamped now, inside `tx` — the transaction of the
  // Write that makes the change it records. Returns the entry's index. Fails with
  // InvalidArgument("invalid-audit-entry") for a field that cannot be encoded, or the
  // database error; the Write must then fail too (return the status), so that its
  // savepoint also undoes the index increment.
  Result<uint64_t> Append(store::Tx& tx, const EntryFields& fields);

  // The newest committed signed tree head. Before the first entry it is a head of size 0
  // (the empty root) signed when the log was opened. Thread-safe; no database access.
  SignedTreeHead LatestHead() const;

  // The entries with index in [start, min(end, LatestHead().size)), read from the
  // database. InvalidArgument("invalid-range") if start > end or end - start exceeds
  // kMaxEntriesPerRead. kDataLoss if a stored entry does not decode or does not match the
  // tree (the log was altered after it was loaded). Thread-safe.
  Result<std::vector<LogEntry>> Entries(uint64_t start, uint64_t end) const;

  // The inclusion proof of entry `index` in the tree of `size` entries.
  // InvalidArgument("tree-size-out-of-range") unless index < size <= LatestHead().size.
  // Thread-safe; O(log n), no database access.
  Result<InclusionProofData> InclusionProof(uint64_t index, uint64_t size) const;

  // The consistency proof between sizes `first` and `second`.
  // InvalidArgument("tree-size-out-of-range") unless first <= second <= LatestHead().size.
  // Thread-safe; O(log n), no database access.
  Result<ConsistencyProofData> ConsistencyProof(uint64_t first, uint64_t second) const;

  // The key that verifies this log's tree heads.
  const crypto::Ed25519PublicKey& PublicKey() const { return key_.PublicKey(); }

  // store::BatchObserver; called by the store's writer thread only.
  Status BeforeCommit(store::Tx& tx) override;
  void AfterCommit() override;
  void AfterRollback() override;

 private:
  AuditLog(store::Store& store, crypto::Ed25519PrivateKey key, const Clock& clock)
      : store_(store), key_(std::move(key)), clock_(clock) {}

  Status Load(store::Tx& tx);

  store::Store& store_;
  const crypto::Ed25519PrivateKey key_;
  const Clock& clock_;

  // Holds every committed leaf, plus — between BeforeCommit and AfterCommit/Rollback —
  // the leaves of the batch being committed.
  MerkleTree tree_;
  // The size of the newest committed head; queries never look beyond it.
  std::atomic<uint64_t> committed_size_{0};

  mutable std::mutex head_mu_;
  SignedTreeHead latest_head_;  // guarded by head_mu_

  // The head signed by BeforeCommit for the batch in flight (writer thread only).
  std::optional<SignedTreeHead> pending_head_;
};

}  // namespace aiip::audit
