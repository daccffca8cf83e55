#include "audit/log.h"

#include <algorithm>

#include "audit/tables.h"

namespace aiip::audit {
namespace {

using internal::DigestColumn;
using internal::IntColumn;

// Rows per query when loading the log at startup: large enough that query overhead is
// negligible, small enough that one chunk of rows stays a few MB.
constexpr int64_t kLoadChunk = 50000;

Status Corrupt(std::string detail) {
  return DataLoss("audit log failed its integrity check: " + std::move(detail) +
                  "; run `aiip audit verify` to locate the damage");
}

Status OutOfRange(std::string detail) { return InvalidArgument("tree-size-out-of-range", std::move(detail)); }

}  // namespace

Result<std::unique_ptr<AuditLog>> AuditLog::Open(store::Store& store, crypto::Ed25519PrivateKey key,
                                                 const Clock& clock) {
  std::unique_ptr<AuditLog> log(new AuditLog(store, std::move(key), clock));
  if (Status loaded = store.Read([&](store::Tx& tx) { return log->Load(tx); }); !loaded.ok()) {
    return Err(loaded);
  }
  store.SetBatchObserver(log.get());
  return log;
}

AuditLog::~AuditLog() { store_.SetBatchObserver(nullptr); }

Status AuditLog::Load(store::Tx& tx) {
  AIIP_ASSIGN_OR_RETURN(store::Rows state, tx.Query("SELECT size FROM audit_state WHERE id = 1"));
  const std::optional<int64_t> recorded = state.size() == 1 ? IntColumn(state[0], 0) : std::nullopt;
  if (!recorded) return Corrupt("audit_state has no valid row 1");

  // Keyset pagination over the primary key: each chunk is an index range scan.
  std::vector<Sha256Digest> chunk;
  uint64_t next = 0;
  for (;;) {
    AIIP_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query("SELECT idx, leaf_hash FROM audit_entries WHERE idx >= ? ORDER BY idx LIMIT ?",
                 {static_cast<int64_t>(next), kLoadChunk}));
    chunk.clear();
    for (const store::Row& row : rows) {
      const std::optional<int64_t> idx = IntColumn(row, 0);
      if (!idx || static_cast<uint64_t>(*idx) != next) {
        return Corrupt("entry " + std::to_string(next) + " is missing");
      }
      const std::optional<Sha256Digest> leaf = DigestColumn(row, 1);
      if (!leaf) return Corrupt("entry " + std::to_string(next) + " has a malformed leaf hash");
      chunk.push_back(*leaf);
      ++next;
    }
    tree_.Append(chunk);
    if (static_cast<int64_t>(rows.size()) < kLoadChunk) break;
  }
  if (static_cast<uint64_t>(*recorded) != next) {
    return Corrupt("audit_state counts " + std::to_string(*recorded) + " entries but " +
                   std::to_string(next) + " are stored");
  }

  AIIP_ASSIGN_OR_RETURN(store::Rows heads, tx.Query("SELECT " + std::string(internal::kHeadColumns) +
                                                    " FROM audit_heads ORDER BY size DESC LIMIT 1"));
  if (heads.empty()) {
    if (next != 0) return Corrupt("no tree head is stored for " + std::to_string(next) + " entries");
    // An empty log has nothing to store yet; its head is signed fresh on each start.
    AIIP_ASSIGN_OR_RETURN(latest_head_, SignTreeHead(TreeHead{0, EmptyRoot(), clock_.Now()}, key_));
    return Status::Ok();
  }
  Result<SignedTreeHead> newest = internal::HeadFromRow(heads[0]);
  if (!newest) return Corrupt(newest.error().detail());
  if (newest->head.size != next) {
    return Corrupt("the newest tree head covers " + std::to_string(newest->head.size) + " entries but " +
                   std::to_string(next) + " are stored");
  }
  AIIP_ASSIGN_OR_RETURN(Sha256Digest root, tree_.RootAt(next));
  if (newest->head.root != root) return Corrupt("the stored entries do not match the newest tree head");
  if (!VerifyTreeHeadSignature(*newest, key_.PublicKey())) {
    return Corrupt("the newest tree head is not signed by this node's key");
  }
  latest_head_ = *newest;
  committed_size_.store(next);
  return Status::Ok();
}

Result<uint64_t> AuditLog::Append(store::Tx& tx, const EntryFields& fields) {
  // The increment comes first: its row lock is what orders concurrent appenders. On
  // PostgreSQL, RETURNING saves a round trip to the server; SQLite runs in-process, and
  // there a plain UPDATE and SELECT cost less than half of its RETURNING machinery.
  store::Rows rows;
  if (tx.dialect() == store::Dialect::kPostgres) {
    AIIP_ASSIGN_OR_RETURN(rows,
                          tx.Query("UPDATE audit_state SET size = size + 1 WHERE id = 1 RETURNING size"));
  } else {
    AIIP_RETURN_IF_ERROR(tx.Exec("UPDATE audit_state SET size = size + 1 WHERE id = 1"));
    AIIP_ASSIGN_OR_RETURN(rows, tx.Query("SELECT size FROM audit_state WHERE id = 1"));
  }
  const std::optional<int64_t> size = rows.size() == 1 ? IntColumn(rows[0], 0) : std::nullopt;
  if (!size || *size < 1) return Err(Corrupt("audit_state has no valid row 1"));

  const Entry entry{static_cast<uint64_t>(*size - 1), clock_.Now(), fields};
  AIIP_ASSIGN_OR_RETURN(std::string encoded, EncodeEntry(entry));
  const Sha256Digest leaf = HashLeaf(encoded);
  AIIP_RETURN_IF_ERROR(tx.Exec("INSERT INTO audit_entries (idx, entry, leaf_hash) VALUES (?, ?, ?)",
                               {static_cast<int64_t>(entry.index), store::Blob{std::move(encoded)},
                                store::Blob{crypto::DigestBytes(leaf)}}));
  return entry.index;
}

Status AuditLog::BeforeCommit(store::Tx& tx) {
  pending_head_.reset();
  // Everything at or beyond the tree's size is new: this batch's entries, and — with
  // several nodes on one database — entries the others committed since our last batch.
  const uint64_t base = tree_.size();
  AIIP_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query("SELECT idx, leaf_hash FROM audit_entries WHERE idx >= ? ORDER BY idx",
                                 {static_cast<int64_t>(base)}));
  if (rows.empty()) return Status::Ok();  // no audited write in this batch: nothing to sign
  std::vector<Sha256Digest> leaves;
  leaves.reserve(rows.size());
  for (const store::Row& row : rows) {
    const uint64_t expected = base + leaves.size();
    const std::optional<int64_t> idx = IntColumn(row, 0);
    if (!idx || static_cast<uint64_t>(*idx) != expected) {
      return Corrupt("entry " + std::to_string(expected) + " is missing");
    }
    const std::optional<Sha256Digest> leaf = DigestColumn(row, 1);
    if (!leaf) return Corrupt("entry " + std::to_string(expected) + " has a malformed leaf hash");
    leaves.push_back(*leaf);
  }
  tree_.Append(leaves);  // tentatively: AfterRollback cuts them off again
  const uint64_t size = base + leaves.size();
  AIIP_ASSIGN_OR_RETURN(Sha256Digest root, tree_.RootAt(size));
  // Heads never go back in time, even if the wall clock does, so clients may order them
  // by timestamp.
  const SystemTime timestamp = std::max(clock_.Now(), LatestHead().head.timestamp);
  AIIP_ASSIGN_OR_RETURN(SignedTreeHead sth, SignTreeHead(TreeHead{size, root, timestamp}, key_));
  AIIP_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO audit_heads (" + std::string(internal::kHeadColumns) + ") VALUES (?, ?, ?, ?)",
              internal::HeadParams(sth)));
  pending_head_ = sth;
  return Status::Ok();
}

void AuditLog::AfterCommit() {
  if (!pending_head_) return;
  // Size first: a reader that sees the new head must be able to get proofs at its size.
  committed_size_.store(pending_head_->head.size);
  {
    std::lock_guard lock(head_mu_);
    latest_head_ = *pending_head_;
  }
  pending_head_.reset();
}

void AuditLog::AfterRollback() {
  pending_head_.reset();
  tree_.Truncate(committed_size_.load());
}

SignedTreeHead AuditLog::LatestHead() const {
  std::lock_guard lock(head_mu_);
  return latest_head_;
}

Result<std::vector<LogEntry>> AuditLog::Entries(uint64_t start, uint64_t end) const {
  if (start > end || end - start > kMaxEntriesPerRead) {
    return Err(InvalidArgument(
        "invalid-range",
        "need start <= end and at most " + std::to_string(kMaxEntriesPerRead) + " entries per read"));
  }
  end = std::min(end, committed_size_.load());
  std::vector<LogEntry> entries;
  if (start >= end) return entries;
  entries.reserve(end - start);
  Status status = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query("SELECT idx, entry FROM audit_entries WHERE idx >= ? AND idx < ? ORDER BY idx",
                 {static_cast<int64_t>(start), static_cast<int64_t>(end)}));
    for (const store::Row& row : rows) {
      const uint64_t expected = start + entries.size();
      const std::optional<int64_t> idx = IntColumn(row, 0);
      const std::string* bytes = internal::BlobColumn(row, 1);
      if (!idx || static_cast<uint64_t>(*idx) != expected || bytes == nullptr) {
        return Corrupt("entry " + std::to_string(expected) + " is missing");
      }
      Result<Entry> entry = DecodeEntry(*bytes);
      if (!entry) return Corrupt("entry " + std::to_string(expected) + ": " + entry.error().detail());
      const Sha256Digest leaf = HashLeaf(*bytes);
      // Serve nothing the tree does not vouch for: the entry must be the one its proofs cover.
      if (entry->index != expected || tree_.LeafHash(expected) != leaf) {
        return Corrupt("entry " + std::to_string(expected) + " does not match the log's tree");
      }
      entries.push_back(LogEntry{std::move(*entry), *bytes, leaf});
    }
    if (entries.size() != end - start)
      return Corrupt("entry " + std::to_string(start + entries.size()) + " is missing");
    return Status::Ok();
  });
  if (!status.ok()) return Err(status);
  return entries;
}

Result<InclusionProofData> AuditLog::InclusionProof(uint64_t index, uint64_t size) const {
  const uint64_t committed = committed_size_.load();
  if (index >= size || size > committed) {
    return Err(OutOfRange("need index " + std::to_string(index) + " < size " + std::to_string(size) +
                          " <= log size " + std::to_string(committed)));
  }
  // The tree never shrinks below the committed size, so these reads agree with each other.
  InclusionProofData data;
  data.index = index;
  data.size = size;
  AIIP_ASSIGN_OR_RETURN(data.leaf_hash, tree_.LeafHash(index));
  AIIP_ASSIGN_OR_RETURN(data.audit_path, tree_.InclusionProof(index, size));
  AIIP_ASSIGN_OR_RETURN(data.root, tree_.RootAt(size));
  return data;
}

Result<ConsistencyProofData> AuditLog::ConsistencyProof(uint64_t first, uint64_t second) const {
  const uint64_t committed = committed_size_.load();
  if (first > second || second > committed) {
    return Err(OutOfRange("need first " + std::to_string(first) + " <= second " + std::to_string(second) +
                          " <= log size " + std::to_string(committed)));
  }
  ConsistencyProofData data;
  data.first = first;
  data.second = second;
  AIIP_ASSIGN_OR_RETURN(data.first_root, tree_.RootAt(first));
  AIIP_ASSIGN_OR_RETURN(data.second_root, tree_.RootAt(second));
  AIIP_ASSIGN_OR_RETURN(data.proof, tree_.ConsistencyProof(first, second));
  return data;
}

}  // namespace aiip::audit
