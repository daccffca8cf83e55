// Merkle trees as Certificate Transparency defines them (RFC 9162 §2.1): the hash of a
// list of entries D[n] is
//
//   MTH({})    = SHA-256()
//   MTH({d0})  = SHA-256(0x00 || d0)                       -- a leaf hash
//   MTH(D[n])  = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
//                where k is the largest power of two smaller than n
//
// The different prefixes for leaves and interior nodes keep a leaf from ever being
// mistaken for a node (second-preimage attacks). Proofs follow RFC 9162 too: an inclusion
// proof (§2.1.3) shows that one leaf is in the tree of a given size; a consistency proof
// (§2.1.4) shows that the tree of one size is a prefix of the tree of a larger size, i.e.
// that the log only grew. Proofs list their hashes from the leaves up.
//
// Verification functions are free functions taking only hashes, so a client that fetched
// a proof from a server (or the offline verifier) checks it without a tree of its own.
// `MerkleTree` is the log's in-memory tree: it keeps the hash of every complete subtree,
// so roots and proofs at any size cost O(log n) hashes.
#pragma once

#include <cstdint>
#include <shared_mutex>
#include <span>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/sha256.h"

namespace aiip::audit {

using crypto::Sha256Digest;

// SHA-256(0x00 || entry): the leaf hash of one log entry (RFC 9162 §2.1.1).
Sha256Digest HashLeaf(std::string_view entry);
// SHA-256(0x01 || left || right): the hash of an interior node.
Sha256Digest HashChildren(const Sha256Digest& left, const Sha256Digest& right);
// MTH({}) = SHA-256 of the empty string: the root of the empty tree.
Sha256Digest EmptyRoot();

// MTH over `leaf_hashes`, computed directly from the definition in O(n). Used to check
// the tree against an independent computation and by verifiers holding all leaves.
Sha256Digest RootOfLeaves(std::span<const Sha256Digest> leaf_hashes);

// RFC 9162 §2.1.3.2: checks that `leaf_hash` is leaf `index` of the tree of `size` leaves
// whose root is `root`, given the inclusion `proof`. Returns OK, or
// kDataLoss("invalid-inclusion-proof") saying what failed (index out of range, wrong proof
// length, root mismatch).
Status VerifyInclusion(const Sha256Digest& leaf_hash, uint64_t index, uint64_t size,
                       std::span<const Sha256Digest> proof, const Sha256Digest& root);

// RFC 9162 §2.1.4.2: checks that the tree of `first` leaves with root `first_root` is a
// prefix of the tree of `second` leaves with root `second_root`, given the consistency
// `proof`. The RFC covers 0 < first < second; the edge cases are settled as in
// transparency-dev: first == second needs an empty proof and equal roots, first == 0 an
// empty proof and the empty root. Returns OK or kDataLoss("invalid-consistency-proof").
Status VerifyConsistency(uint64_t first, uint64_t second, const Sha256Digest& first_root,
                         const Sha256Digest& second_root, std::span<const Sha256Digest> proof);

// An append-only Merkle tree over leaf hashes that can also be cut back (the audit log
// appends a batch's leaves tentatively and truncates them if the batch rolls back).
//
// Memory: every complete subtree's hash is kept, level by level (leaves, pairs, fours, ...),
// about 2 × 32 bytes per leaf: 64 MB for a million entries.
//
// Thread-safety: all methods may be called concurrently; queries share a reader lock and
// Append/Truncate take it exclusively, so many readers run in parallel with one appender
// waiting only for the memory update itself.
class MerkleTree {
 public:
  MerkleTree() = default;
  MerkleTree(const MerkleTree&) = delete;
  MerkleTree& operator=(const MerkleTree&) = delete;

  // Appends leaf hashes (already HashLeaf'd) at the end.
  void Append(const Sha256Digest& leaf_hash);
  void Append(std::span<const Sha256Digest> leaf_hashes);
  // Reserves memory for `leaves` leaves, so that loading a large log does not copy it
  // repeatedly as vectors grow.
  void Reserve(uint64_t leaves);
  // Drops the leaves at positions >= `size`. Asserts size <= this->size().
  void Truncate(uint64_t size);

  // The number of leaves.
  uint64_t size() const;
  // The leaf hash at `index`. InvalidArgument("tree-size-out-of-range") if index >= size().
  Result<Sha256Digest> LeafHash(uint64_t index) const;
  // MTH of the first `size` leaves. InvalidArgument("tree-size-out-of-range") if size
  // exceeds the tree.
  Result<Sha256Digest> RootAt(uint64_t size) const;
  // The RFC 9162 §2.1.3.1 inclusion proof for leaf `index` in the tree of `size` leaves.
  // InvalidArgument("tree-size-out-of-range") unless index < size <= this->size().
  Result<std::vector<Sha256Digest>> InclusionProof(uint64_t index, uint64_t size) const;
  // The RFC 9162 §2.1.4.1 consistency proof between sizes `first` and `second` (empty if
  // first is 0 or equal to second). InvalidArgument("tree-size-out-of-range") unless
  // first <= second <= this->size().
  Result<std::vector<Sha256Digest>> ConsistencyProof(uint64_t first, uint64_t second) const;

 private:
  void AppendLocked(const Sha256Digest& leaf_hash);
  void UpdateEdgeLocked();
  uint64_t SizeLocked() const;
  // MTH(D[start:end]) for 0 <= start < end <= size; callers hold the lock.
  Sha256Digest SubtreeHash(uint64_t start, uint64_t end) const;

  mutable std::shared_mutex mu_;
  // levels_[l][i] is the hash of the complete subtree over leaves [i·2^l, (i+1)·2^l).
  std::vector<std::vector<Sha256Digest>> levels_;
  // The right edge of the current tree: with size = 2^b1 + 2^b2 + ... (b1 > b2 > ...),
  // edge_[j] = MTH(D[2^b1 + ... + 2^bj : size]), so edge_[0] is the root. Proofs at the
  // current size — the ones clients ask for — need these incomplete subtrees, which would
  // otherwise cost O(log n) hashes each time; Append and Truncate keep them up to date.
  std::vector<Sha256Digest> edge_;
};

}  // namespace aiip::audit
