#include "audit/merkle.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>
#include <mutex>
#include <string>

namespace aiip::audit {
namespace {

// The largest power of two strictly smaller than n (n >= 2): the RFC's split point k.
uint64_t SplitPoint(uint64_t n) {
  assert(n >= 2);
  return std::bit_floor(n - 1);
}

Status OutOfRange(std::string detail) { return InvalidArgument("tree-size-out-of-range", std::move(detail)); }

Status BadInclusion(std::string detail) {
  return Status(Code::kDataLoss, "invalid-inclusion-proof", std::move(detail));
}

Status BadConsistency(std::string detail) {
  return Status(Code::kDataLoss, "invalid-consistency-proof", std::move(detail));
}

// Right-shifts fn and sn together until fn's lowest bit is set or fn is 0 (RFC 9162
// §2.1.3.2 step 4.b.ii and §2.1.4.2 step 6.b.iii).
void ShiftWhileEven(uint64_t& fn, uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

Sha256Digest HashLeaf(std::string_view entry) {
  // Entries are a few hundred bytes: copying one is cheaper than a streaming hasher.
  std::string buffer;
  buffer.reserve(1 + entry.size());
  buffer.push_back('\0');
  buffer.append(entry);
  return crypto::Sha256(buffer);
}

Sha256Digest HashChildren(const Sha256Digest& left, const Sha256Digest& right) {
  // One contiguous buffer and the one-shot hash: this runs ~20 times per proof, so it
  // avoids creating a hasher per node.
  char buffer[1 + 2 * crypto::kSha256Size];
  buffer[0] = 0x01;
  std::memcpy(buffer + 1, left.data(), left.size());
  std::memcpy(buffer + 1 + left.size(), right.data(), right.size());
  return crypto::Sha256(std::string_view(buffer, sizeof buffer));
}

Sha256Digest EmptyRoot() { return crypto::Sha256(std::string_view()); }

Sha256Digest RootOfLeaves(std::span<const Sha256Digest> leaf_hashes) {
  if (leaf_hashes.empty()) return EmptyRoot();
  if (leaf_hashes.size() == 1) return leaf_hashes[0];
  uint64_t k = SplitPoint(leaf_hashes.size());
  return HashChildren(RootOfLeaves(leaf_hashes.first(k)), RootOfLeaves(leaf_hashes.subspan(k)));
}

Status VerifyInclusion(const Sha256Digest& leaf_hash, uint64_t index, uint64_t size,
                       std::span<const Sha256Digest> proof, const Sha256Digest& root) {
  if (index >= size) {
    return BadInclusion("leaf index " + std::to_string(index) + " is not below tree size " +
                        std::to_string(size));
  }
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Sha256Digest r = leaf_hash;
  for (const Sha256Digest& p : proof) {
    if (sn == 0) return BadInclusion("proof is longer than the path to the root");
    if ((fn & 1) != 0 || fn == sn) {
      r = HashChildren(p, r);
      ShiftWhileEven(fn, sn);
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return BadInclusion("proof is shorter than the path to the root");
  if (r != root) return BadInclusion("proof does not lead to the expected root");
  return Status::Ok();
}

Status VerifyConsistency(uint64_t first, uint64_t second, const Sha256Digest& first_root,
                         const Sha256Digest& second_root, std::span<const Sha256Digest> proof) {
  if (first > second) {
    return BadConsistency("first size " + std::to_string(first) + " exceeds second size " +
                          std::to_string(second));
  }
  if (first == second) {
    if (!proof.empty()) return BadConsistency("proof between equal sizes must be empty");
    if (first_root != second_root) return BadConsistency("equal sizes but different roots");
    return Status::Ok();
  }
  if (first == 0) {
    if (!proof.empty()) return BadConsistency("proof from the empty tree must be empty");
    if (first_root != EmptyRoot()) return BadConsistency("first root is not the empty root");
    return Status::Ok();
  }
  if (proof.empty()) return BadConsistency("proof is empty");

  // Step 2: when `first` is a power of two its root is itself a node of the proof path.
  const bool prepend = std::has_single_bit(first);
  auto path_at = [&](size_t i) -> const Sha256Digest& {
    return prepend ? (i == 0 ? first_root : proof[i - 1]) : proof[i];
  };
  const size_t path_size = proof.size() + (prepend ? 1 : 0);

  uint64_t fn = first - 1;
  uint64_t sn = second - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Sha256Digest fr = path_at(0);
  Sha256Digest sr = path_at(0);
  for (size_t i = 1; i < path_size; ++i) {
    const Sha256Digest& c = path_at(i);
    if (sn == 0) return BadConsistency("proof is longer than needed");
    if ((fn & 1) != 0 || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      ShiftWhileEven(fn, sn);
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return BadConsistency("proof is shorter than needed");
  if (fr != first_root) return BadConsistency("proof does not lead to the first root");
  if (sr != second_root) return BadConsistency("proof does not lead to the second root");
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// MerkleTree

void MerkleTree::AppendLocked(const Sha256Digest& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  // Each time a level gains an even count, its last two nodes complete a parent.
  for (size_t level = 0; levels_[level].size() % 2 == 0; ++level) {
    const auto& nodes = levels_[level];
    Sha256Digest parent = HashChildren(nodes[nodes.size() - 2], nodes.back());
    if (level + 1 == levels_.size()) levels_.emplace_back();
    levels_[level + 1].push_back(parent);
  }
}

void MerkleTree::UpdateEdgeLocked() {
  const uint64_t size = SizeLocked();
  edge_.assign(static_cast<size_t>(std::popcount(size)), Sha256Digest{});
  // From the smallest subtree up: edge_[j] = H(subtree j, edge_[j + 1]).
  size_t j = edge_.size();
  for (int bit = 0; bit < 64; ++bit) {
    if ((size >> bit & 1) == 0) continue;
    const uint64_t start = size & ~((uint64_t{2} << bit) - 1);  // the bits above `bit`
    const Sha256Digest& node = levels_[bit][start >> bit];
    --j;
    edge_[j] = j + 1 == edge_.size() ? node : HashChildren(node, edge_[j + 1]);
  }
}

void MerkleTree::Append(const Sha256Digest& leaf_hash) {
  std::unique_lock lock(mu_);
  AppendLocked(leaf_hash);
  UpdateEdgeLocked();
}

void MerkleTree::Append(std::span<const Sha256Digest> leaf_hashes) {
  std::unique_lock lock(mu_);
  for (const Sha256Digest& leaf_hash : leaf_hashes) AppendLocked(leaf_hash);
  UpdateEdgeLocked();
}

void MerkleTree::Reserve(uint64_t leaves) {
  std::unique_lock lock(mu_);
  for (size_t level = 0; (leaves >> level) > 0; ++level) {
    if (level == levels_.size()) levels_.emplace_back();
    levels_[level].reserve(leaves >> level);
  }
}

void MerkleTree::Truncate(uint64_t size) {
  std::unique_lock lock(mu_);
  assert(size <= SizeLocked());
  // Level l keeps exactly the complete subtrees inside the first `size` leaves.
  for (size_t level = 0; level < levels_.size(); ++level) levels_[level].resize(size >> level);
  UpdateEdgeLocked();
}

uint64_t MerkleTree::SizeLocked() const { return levels_.empty() ? 0 : levels_[0].size(); }

uint64_t MerkleTree::size() const {
  std::shared_lock lock(mu_);
  return SizeLocked();
}

Sha256Digest MerkleTree::SubtreeHash(uint64_t start, uint64_t end) const {
  const uint64_t n = end - start;
  assert(n > 0);
  // [start, size) is on the right edge iff start is the size with every bit up to n's top
  // bit cleared; it is then the (popcount(start))-th edge subtree.
  if (end == SizeLocked() && start == (end & ~((std::bit_floor(n) << 1) - 1))) {
    return edge_[static_cast<size_t>(std::popcount(start))];
  }
  if (std::has_single_bit(n) && start % n == 0) {
    const int level = std::countr_zero(n);
    return levels_[level][start >> level];
  }
  const uint64_t k = SplitPoint(n);
  return HashChildren(SubtreeHash(start, start + k), SubtreeHash(start + k, end));
}

Result<Sha256Digest> MerkleTree::LeafHash(uint64_t index) const {
  std::shared_lock lock(mu_);
  const uint64_t leaves = SizeLocked();
  if (index >= leaves) {
    return Err(
        OutOfRange("index " + std::to_string(index) + " is not below tree size " + std::to_string(leaves)));
  }
  return levels_[0][index];
}

Result<Sha256Digest> MerkleTree::RootAt(uint64_t size) const {
  std::shared_lock lock(mu_);
  const uint64_t leaves = SizeLocked();
  if (size > leaves) {
    return Err(OutOfRange("size " + std::to_string(size) + " exceeds tree size " + std::to_string(leaves)));
  }
  return size == 0 ? EmptyRoot() : SubtreeHash(0, size);
}

Result<std::vector<Sha256Digest>> MerkleTree::InclusionProof(uint64_t index, uint64_t size) const {
  std::shared_lock lock(mu_);
  const uint64_t leaves = SizeLocked();
  if (index >= size || size > leaves) {
    return Err(OutOfRange("need index " + std::to_string(index) + " < size " + std::to_string(size) +
                          " <= tree size " + std::to_string(leaves)));
  }
  // PATH(m, D[start:end]) descends into the half holding m and records the other half;
  // walking top-down collects the hashes root-first, so they are reversed at the end.
  std::vector<Sha256Digest> path;
  uint64_t start = 0;
  uint64_t end = size;
  while (end - start > 1) {
    const uint64_t k = SplitPoint(end - start);
    if (index < start + k) {
      path.push_back(SubtreeHash(start + k, end));
      end = start + k;
    } else {
      path.push_back(SubtreeHash(start, start + k));
      start += k;
    }
  }
  std::reverse(path.begin(), path.end());
  return path;
}

Result<std::vector<Sha256Digest>> MerkleTree::ConsistencyProof(uint64_t first, uint64_t second) const {
  std::shared_lock lock(mu_);
  const uint64_t leaves = SizeLocked();
  if (first > second || second > leaves) {
    return Err(OutOfRange("need first " + std::to_string(first) + " <= second " + std::to_string(second) +
                          " <= tree size " + std::to_string(leaves)));
  }
  std::vector<Sha256Digest> proof;
  if (first == 0 || first == second) return proof;
  // SUBPROOF(m, D[start:end], b), unrolled; hashes are collected root-first as above.
  uint64_t start = 0;
  uint64_t end = second;
  uint64_t m = first;
  bool whole_old_tree = true;  // the RFC's b: D[0:first] is still a subtree boundary
  for (;;) {
    const uint64_t n = end - start;
    if (m == n) {
      if (!whole_old_tree) proof.push_back(SubtreeHash(start, end));
      break;
    }
    const uint64_t k = SplitPoint(n);
    if (m <= k) {
      proof.push_back(SubtreeHash(start + k, end));
      end = start + k;
    } else {
      proof.push_back(SubtreeHash(start, start + k));
      start += k;
      m -= k;
      whole_old_tree = false;
    }
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

}  // namespace aiip::audit
