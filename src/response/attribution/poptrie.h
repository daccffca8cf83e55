// Poptrie: the longest-prefix-match structure under attribution::Table (Asai & Ohara,
// "Poptrie: A Compressed Trie with Population Count for Fast and Scalable Software IP
// Routing Table Lookup", SIGCOMM 2015), written from the paper.
//
// The top kDirectBits of the key index a direct array whose entry is either a leaf (the
// answer for the whole block, flagged by kLeafFlag) or the index of a node. A node covers
// the next 6 bits: bit v of `vector` says whether slot v has a child node; the children of
// a node are contiguous, so child v is `child_base + popcount(vector & bits 0..v) - 1`.
// Leaf slots are run-length compressed: bit v of `leafvec` is set where a run of equal
// answers starts, and the leaves of a node are contiguous, so the answer of leaf slot v is
// `leaves[leaf_base + popcount(leafvec & bits 0..v) - 1]`. Beyond the last bit of the key the
// 6-bit chunk is padded with zeros; slots only reachable with non-zero padding repeat the
// previous answer and cost nothing.
//
// Values are 31-bit (network indices, kNoValue for "no network"). A Poptrie is immutable
// once built; concurrent lookups from any number of threads are safe.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "response/attribution/address.h"

namespace aiip::attribution::internal {

inline constexpr uint32_t kNoValue = 0x7fffffff;

// One interval of a partition of the key space: keys from `start` up to the next
// interval's start (or the end of the key space) map to `value`.
template <typename Key>
struct Interval {
  Key start;
  uint32_t value;
};

template <typename Key, int kKeyBits>
class Poptrie {
 public:
  static constexpr int kDirectBits = 18;
  static constexpr int kStride = 6;
  static constexpr uint32_t kLeafFlag = 0x80000000u;

  struct Node {
    uint64_t vector;
    uint64_t leafvec;
    uint32_t child_base;  // index of the first child, minus one (saves an add per level)
    uint32_t leaf_base;   // index of the first leaf, minus one
  };

  Poptrie() = default;

  // Builds the trie for a partition of the whole key space: `intervals` sorted by start,
  // the first starting at 0, no two with the same start.
  explicit Poptrie(std::span<const Interval<Key>> intervals);

  uint32_t Lookup(Key key) const {
    const uint32_t direct = direct_[static_cast<uint32_t>(key >> (kKeyBits - kDirectBits))];
    if (direct & kLeafFlag) return direct & ~kLeafFlag;
    const Node* node = &nodes_[direct];
    for (int offset = kDirectBits;; offset += kStride) {
      const uint32_t v = Chunk(key, offset);
      const uint64_t upto = ~uint64_t{0} >> (63 - v);
      if (node->vector & (uint64_t{1} << v)) {
        node = &nodes_[node->child_base + static_cast<uint32_t>(std::popcount(node->vector & upto))];
      } else {
        return leaves_[node->leaf_base + static_cast<uint32_t>(std::popcount(node->leafvec & upto))];
      }
    }
  }

  // Looks up keys[i] into out[i] for every i (out.size() >= keys.size()). Runs groups of
  // lookups in lockstep, prefetching each one's next node and its leaf, so that the memory
  // latency of one lookup overlaps the work of the others.
  void LookupBatch(std::span<const Key> keys, uint32_t* out) const;

  // Bytes held by the arrays.
  size_t memory_bytes() const {
    return direct_.capacity() * sizeof(uint32_t) + nodes_.capacity() * sizeof(Node) +
           leaves_.capacity() * sizeof(uint32_t);
  }
  size_t node_count() const { return nodes_.size(); }
  size_t leaf_count() const { return leaves_.size(); }

 private:
  static uint32_t Chunk(Key key, int offset) {
    return static_cast<uint32_t>(Key(key << offset) >> (kKeyBits - kStride));
  }
  // Size of the key range of one slot of a node at `offset`, as a shift (0 = one key).
  static int SlotShift(int offset) { return offset + kStride >= kKeyBits ? 0 : kKeyBits - offset - kStride; }

  // Fills node `index`, covering keys [lo, ...) from bit `offset` on; `first` is the
  // interval holding `lo`.
  void BuildNode(std::span<const Interval<Key>> intervals, size_t first, Key lo, int offset, uint32_t index);

  std::vector<uint32_t> direct_;
  std::vector<Node> nodes_;
  std::vector<uint32_t> leaves_;
};

// Partitions the key space by a set of properly nested prefixes: `prefixes` sorted by
// (start, length) and holding no duplicates, each with a value; keys no prefix covers map
// to `background`. Adjacent intervals with equal values are merged.
template <typename Key, int kKeyBits>
struct PrefixSpec {
  Key start;
  Key last;
  uint32_t value;
};

template <typename Key, int kKeyBits>
std::vector<Interval<Key>> Partition(std::span<const PrefixSpec<Key, kKeyBits>> prefixes,
                                     uint32_t background);

extern template class Poptrie<uint32_t, 32>;
extern template class Poptrie<Uint128, 128>;
extern template std::vector<Interval<uint32_t>> Partition<uint32_t, 32>(
    std::span<const PrefixSpec<uint32_t, 32>>, uint32_t);
extern template std::vector<Interval<Uint128>> Partition<Uint128, 128>(
    std::span<const PrefixSpec<Uint128, 128>>, uint32_t);

}  // namespace aiip::attribution::internal
