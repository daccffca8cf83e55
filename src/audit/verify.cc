#include "audit/verify.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "audit/entry.h"
#include "audit/merkle.h"
#include "audit/tables.h"

namespace aiip::audit {
namespace {

using internal::BlobColumn;
using internal::DigestColumn;
using internal::IntColumn;

constexpr int64_t kChunk = 10000;

// The RFC 9162 root of a growing list of leaves in O(log n) memory: keeps only the
// complete subtrees along the right edge (one per set bit of the size, largest first),
// which is all MTH needs, since MTH(D[n]) = H(s0, H(s1, ... H(s_{k-1}, s_k))).
class RootAccumulator {
 public:
  void Append(const Sha256Digest& leaf) {
    subtrees_.push_back(leaf);
    ++size_;
    // Each trailing zero of the new size is a pair of equal subtrees completing.
    for (uint64_t n = size_; (n & 1) == 0; n >>= 1) {
      Sha256Digest right = subtrees_.back();
      subtrees_.pop_back();
      subtrees_.back() = HashChildren(subtrees_.back(), right);
    }
  }

  Sha256Digest Root() const {
    if (subtrees_.empty()) return EmptyRoot();
    Sha256Digest root = subtrees_.back();
    for (size_t i = subtrees_.size() - 1; i-- > 0;) root = HashChildren(subtrees_[i], root);
    return root;
  }

 private:
  uint64_t size_ = 0;
  std::vector<Sha256Digest> subtrees_;
};

// Reads a table in primary-key order, kChunk rows per query.
class Cursor {
 public:
  // `sql` selects rows with key >= ?, ordered by key, LIMIT ?; the key is column 0.
  Cursor(store::Tx& tx, std::string sql) : tx_(tx), sql_(std::move(sql)) {}

  // The next row, or nullptr after the last.
  Result<const store::Row*> Peek() {
    if (pos_ < rows_.size()) return &rows_[pos_];
    if (done_) return nullptr;
    AIIP_ASSIGN_OR_RETURN(rows_, tx_.Query(sql_, {next_key_, kChunk}));
    pos_ = 0;
    done_ = static_cast<int64_t>(rows_.size()) < kChunk;
    return rows_.empty() ? nullptr : &rows_[0];
  }

  void Pop() {
    const std::optional<int64_t> key = IntColumn(rows_[pos_++], 0);
    // A key that is not an integer sorts last (SQLite orders INTEGER before TEXT/BLOB),
    // and a maximal key has no successor: either way nothing can follow.
    if (!key || *key == std::numeric_limits<int64_t>::max()) {
      done_ = true;
      rows_.erase(rows_.begin() + static_cast<std::ptrdiff_t>(pos_), rows_.end());
    } else {
      next_key_ = *key + 1;
    }
  }

 private:
  store::Tx& tx_;
  const std::string sql_;
  store::Rows rows_;
  size_t pos_ = 0;
  int64_t next_key_ = std::numeric_limits<int64_t>::min();
  bool done_ = false;
};

class Verifier {
 public:
  explicit Verifier(const crypto::Ed25519PublicKey& key) : key_(key) {}

  Status Run(store::Tx& tx) {
    Cursor entries(tx, "SELECT idx, entry, leaf_hash FROM audit_entries WHERE idx >= ? ORDER BY idx LIMIT ?");
    Cursor heads(tx, "SELECT " + std::string(internal::kHeadColumns) +
                         " FROM audit_heads WHERE size >= ? ORDER BY size LIMIT ?");
    AIIP_RETURN_IF_ERROR(CheckHeadsUpTo(heads));  // a head of size 0, if any
    for (;;) {
      AIIP_ASSIGN_OR_RETURN(const store::Row* row, entries.Peek());
      if (row == nullptr) break;
      const bool go_on = CheckEntry(*row);
      entries.Pop();
      if (!go_on) return Status::Ok();  // the rows no longer line up with indices
      AIIP_RETURN_IF_ERROR(CheckHeadsUpTo(heads));
    }
    // Heads beyond the stored entries: the entries they signed were deleted.
    AIIP_ASSIGN_OR_RETURN(const store::Row* beyond, heads.Peek());
    if (beyond != nullptr) {
      const std::optional<int64_t> size = IntColumn(*beyond, 0);
      Note(size_, "entry " + std::to_string(size_) + " is missing: " +
                      (size ? "a tree head signs " + std::to_string(*size) + " entries"
                            : std::string("a malformed tree head follows")) +
                      " but only " + std::to_string(size_) + " are stored");
      largest_head_ = std::max(largest_head_, size_);
    }
    if (largest_head_ < size_) {
      Note(largest_head_, "entries " + std::to_string(largest_head_) + " to " + std::to_string(size_ - 1) +
                              " are not covered by any signed tree head (entries were added)");
    }
    AIIP_ASSIGN_OR_RETURN(store::Rows state, tx.Query("SELECT size FROM audit_state WHERE id = 1"));
    const std::optional<int64_t> counted = state.size() == 1 ? IntColumn(state[0], 0) : std::nullopt;
    if (!counted) {
      Note(size_, "audit_state has no valid row 1");
    } else if (*counted != static_cast<int64_t>(size_)) {
      Note(std::min(size_, static_cast<uint64_t>(std::max<int64_t>(*counted, 0))),
           "audit_state counts " + std::to_string(*counted) + " entries but " + std::to_string(size_) +
               " are stored");
    }
    return Status::Ok();
  }

  VerifyReport Report() const {
    VerifyReport report;
    report.size = size_;
    report.heads = good_heads_;
    report.verified_size = verified_size_;
    if (finding_) {
      report.first_bad_index = finding_->index;
      report.reason = finding_->reason;
    } else if (!unplaced_.empty()) {
      report.reason = unplaced_;
    } else {
      report.ok = true;
      report.reason = "all " + std::to_string(size_) + " entries verified against " +
                      std::to_string(good_heads_) + " signed tree heads";
    }
    return report;
  }

 private:
  struct Finding {
    uint64_t index;
    std::string reason;
  };

  // Records a problem at `index`; the report keeps the one with the smallest index.
  void Note(uint64_t index, std::string reason) {
    if (!finding_ || index < finding_->index) finding_ = Finding{index, std::move(reason)};
  }

  // Checks the row expected to hold entry size_. Returns false if the walk cannot go on.
  bool CheckEntry(const store::Row& row) {
    const uint64_t n = size_;
    const std::string at = "entry " + std::to_string(n);
    const std::optional<int64_t> idx = IntColumn(row, 0);
    if (!idx) {
      Note(n, at + " is missing (a row has an idx that is not an integer)");
      return false;
    }
    if (*idx < 0) {
      // Not part of the log at all, so it displaces nothing; still an alteration.
      if (unplaced_.empty())
        unplaced_ = "a row with the invalid index " + std::to_string(*idx) + " was added";
      return true;
    }
    if (static_cast<uint64_t>(*idx) != n) {
      Note(n, at + " is missing (the next stored entry is " + std::to_string(*idx) + ")");
      return false;
    }
    const std::optional<Sha256Digest> leaf = DigestColumn(row, 2);
    if (!leaf) {
      Note(n, at + " has a malformed leaf hash");
      return false;
    }
    const std::string* bytes = BlobColumn(row, 1);
    if (bytes == nullptr) {
      Note(n, at + " has no entry bytes");
    } else if (Result<Entry> entry = DecodeEntry(*bytes); !entry) {
      Note(n, at + " does not decode: " + entry.error().detail());
    } else if (entry->index != n) {
      Note(n, at + " is stored at the wrong position: it says it is entry " + std::to_string(entry->index));
    } else if (HashLeaf(*bytes) != *leaf) {
      Note(n, at + " was altered: its bytes do not match its leaf hash");
    }
    // The tree is built from the stored leaf hashes, which the heads vouch for; the
    // checks above tie each entry's bytes to its leaf hash.
    accumulator_.Append(*leaf);
    ++size_;
    return true;
  }

  // Checks every head with size <= size_ (those not checked yet).
  Status CheckHeadsUpTo(Cursor& heads) {
    for (;;) {
      AIIP_ASSIGN_OR_RETURN(const store::Row* row, heads.Peek());
      if (row == nullptr) return Status::Ok();
      const std::optional<int64_t> size = IntColumn(*row, 0);
      if (size && *size > static_cast<int64_t>(size_)) return Status::Ok();
      CheckHead(*row);
      heads.Pop();
    }
  }

  void CheckHead(const store::Row& row) {
    const uint64_t from = verified_size_;
    Result<SignedTreeHead> sth = internal::HeadFromRow(row);
    if (!sth) {
      Note(from, sth.error().detail() + "; entries from " + std::to_string(from) + " on are unverified");
      return;
    }
    const uint64_t size = sth->head.size;
    largest_head_ = std::max(largest_head_, size);
    const std::string range = "[" + std::to_string(from) + ", " + std::to_string(size) + ")";
    if (!VerifyTreeHeadSignature(*sth, key_)) {
      Note(from, "the tree head at size " + std::to_string(size) +
                     " has an invalid signature, so the entries it was first to sign, " + range +
                     ", are unverified");
      return;
    }
    if (sth->head.root != accumulator_.Root()) {
      Note(from, "the entries do not match the signed tree head at size " + std::to_string(size) +
                     ": an entry and its leaf hash were changed within " + range);
      return;
    }
    // A later head cannot vouch for entries an earlier failing head flagged: only a clean
    // run of heads moves the verified size.
    if (!finding_ || finding_->index >= size) verified_size_ = size;
    ++good_heads_;
  }

  const crypto::Ed25519PublicKey& key_;
  RootAccumulator accumulator_;
  uint64_t size_ = 0;           // entries checked, i.e. the accumulator's size
  uint64_t largest_head_ = 0;   // largest head size seen
  uint64_t verified_size_ = 0;  // newest head that verified with nothing bad before it
  uint64_t good_heads_ = 0;
  std::optional<Finding> finding_;
  std::string unplaced_;  // a problem that has no index
};

}  // namespace

Result<VerifyReport> VerifyStoredLog(store::Store& store, const crypto::Ed25519PublicKey& key) {
  Verifier verifier(key);
  Status status = store.Read([&](store::Tx& tx) { return verifier.Run(tx); });
  if (!status.ok()) return Err(status);
  return verifier.Report();
}

}  // namespace aiip::audit
