#include "response/attribution/poptrie.h"

#include <algorithm>
#include <array>
#include <cassert>

namespace aiip::attribution::internal {

template <typename Key, int kKeyBits>
Poptrie<Key, kKeyBits>::Poptrie(std::span<const Interval<Key>> intervals) {
  assert(!intervals.empty() && intervals.front().start == 0);
  constexpr int kShift = kKeyBits - kDirectBits;
  direct_.assign(size_t{1} << kDirectBits, 0);
  size_t cur = 0;
  for (uint32_t d = 0; d < (uint32_t{1} << kDirectBits); ++d) {
    const Key lo = Key(d) << kShift;
    const Key hi = lo + ((Key(1) << kShift) - 1);
    while (cur + 1 < intervals.size() && intervals[cur + 1].start <= lo) ++cur;
    if (cur + 1 < intervals.size() && intervals[cur + 1].start <= hi) {
      const auto index = static_cast<uint32_t>(nodes_.size());
      nodes_.emplace_back();
      direct_[d] = index;
      BuildNode(intervals, cur, lo, kDirectBits, index);
    } else {
      assert(intervals[cur].value < kLeafFlag);
      direct_[d] = intervals[cur].value | kLeafFlag;
    }
  }
  nodes_.shrink_to_fit();
  leaves_.shrink_to_fit();
}

template <typename Key, int kKeyBits>
void Poptrie<Key, kKeyBits>::BuildNode(std::span<const Interval<Key>> intervals, size_t first, Key lo,
                                       int offset, uint32_t index) {
  const int shift = SlotShift(offset);
  // Chunk bits past the end of the key are zero, so only every 2^pad-th slot is reachable.
  const int pad = kStride - std::min(kStride, kKeyBits - offset);
  std::array<size_t, 64> child_first{};
  std::array<Key, 64> child_lo{};
  std::array<uint8_t, 64> children{};
  size_t child_count = 0;
  Node node{};
  const auto leaf_start = static_cast<uint32_t>(leaves_.size());
  bool any_leaf = false;
  uint32_t last_leaf = 0;
  size_t cur = first;
  for (uint32_t s = 0; s < 64; ++s) {
    if ((s & ((1u << pad) - 1)) != 0) continue;
    const Key a = lo + (Key(s >> pad) << shift);
    const Key b = a + ((Key(1) << shift) - 1);
    while (cur + 1 < intervals.size() && intervals[cur + 1].start <= a) ++cur;
    if (cur + 1 < intervals.size() && intervals[cur + 1].start <= b) {
      node.vector |= uint64_t{1} << s;
      child_first[child_count] = cur;
      child_lo[child_count] = a;
      children[child_count++] = static_cast<uint8_t>(s);
    } else {
      const uint32_t value = intervals[cur].value;
      if (!any_leaf || value != last_leaf) {
        node.leafvec |= uint64_t{1} << s;
        leaves_.push_back(value);
      }
      any_leaf = true;
      last_leaf = value;
    }
  }
  const auto child_start = static_cast<uint32_t>(nodes_.size());
  nodes_.resize(nodes_.size() + child_count);
  node.child_base = child_start - 1;
  node.leaf_base = leaf_start - 1;
  nodes_[index] = node;
  for (size_t c = 0; c < child_count; ++c) {
    BuildNode(intervals, child_first[c], child_lo[c], offset + kStride,
              child_start + static_cast<uint32_t>(c));
  }
}

template <typename Key, int kKeyBits>
void Poptrie<Key, kKeyBits>::LookupBatch(std::span<const Key> keys, uint32_t* out) const {
  // 32 lookups in flight cover the L3 latency with room to spare; more only adds bookkeeping.
  constexpr size_t kGroup = 32;
  constexpr int kShift = kKeyBits - kDirectBits;
  const size_t n = keys.size();
  for (size_t i = 0; i < std::min(n, kGroup); ++i) {
    __builtin_prefetch(&direct_[static_cast<uint32_t>(keys[i] >> kShift)]);
  }
  std::array<const Node*, kGroup> node;
  std::array<const uint32_t*, kGroup> leaf;
  std::array<uint8_t, kGroup> pending;
  std::array<uint8_t, kGroup> resolved;
  for (size_t base = 0; base < n; base += kGroup) {
    const size_t m = std::min(kGroup, n - base);
    const Key* k = keys.data() + base;
    const size_t next_end = std::min(n, base + 2 * kGroup);
    for (size_t i = base + kGroup; i < next_end; ++i) {
      __builtin_prefetch(&direct_[static_cast<uint32_t>(keys[i] >> kShift)]);
    }
    size_t np = 0;
    size_t nr = 0;
    for (size_t i = 0; i < m; ++i) {
      const uint32_t d = direct_[static_cast<uint32_t>(k[i] >> kShift)];
      if (d & kLeafFlag) {
        out[base + i] = d & ~kLeafFlag;
      } else {
        node[i] = &nodes_[d];
        __builtin_prefetch(node[i]);
        pending[np++] = static_cast<uint8_t>(i);
      }
    }
    for (int offset = kDirectBits; np > 0; offset += kStride) {
      size_t still = 0;
      for (size_t p = 0; p < np; ++p) {
        const size_t i = pending[p];
        const Node* nd = node[i];
        const uint32_t v = Chunk(k[i], offset);
        const uint64_t upto = ~uint64_t{0} >> (63 - v);
        if (nd->vector & (uint64_t{1} << v)) {
          node[i] = &nodes_[nd->child_base + static_cast<uint32_t>(std::popcount(nd->vector & upto))];
          __builtin_prefetch(node[i]);
          pending[still++] = static_cast<uint8_t>(i);
        } else {
          leaf[nr] = &leaves_[nd->leaf_base + static_cast<uint32_t>(std::popcount(nd->leafvec & upto))];
          __builtin_prefetch(leaf[nr]);
          resolved[nr++] = static_cast<uint8_t>(i);
        }
      }
      np = still;
    }
    for (size_t r = 0; r < nr; ++r) out[base + resolved[r]] = *leaf[r];
  }
}

template <typename Key, int kKeyBits>
std::vector<Interval<Key>> Partition(std::span<const PrefixSpec<Key, kKeyBits>> prefixes,
                                     uint32_t background) {
  std::vector<Interval<Key>> out;
  out.reserve(2 * prefixes.size() + 1);
  // Starts `value` at `start`, replacing an interval that would be empty and merging with
  // an equal neighbour.
  auto emit = [&out](Key start, uint32_t value) {
    if (!out.empty() && out.back().start == start) {
      out.back().value = value;
      if (out.size() >= 2 && out[out.size() - 2].value == value) out.pop_back();
    } else if (out.empty() || out.back().value != value) {
      out.push_back({start, value});
    }
  };
  struct Open {
    Key last;
    uint32_t value;
  };
  constexpr Key kMax = ~Key(0);
  std::vector<Open> stack = {{kMax, background}};
  emit(0, background);
  // Closes the innermost open prefix: the keys after it belong to the enclosing one.
  auto close = [&]() {
    const Open top = stack.back();
    stack.pop_back();
    if (top.last != kMax) emit(top.last + 1, stack.back().value);
  };
  for (const auto& p : prefixes) {
    while (stack.back().last < p.start) close();
    assert(p.last <= stack.back().last);
    emit(p.start, p.value);
    stack.push_back({p.last, p.value});
  }
  while (stack.size() > 1) close();
  return out;
}

template class Poptrie<uint32_t, 32>;
template class Poptrie<Uint128, 128>;
template std::vector<Interval<uint32_t>> Partition<uint32_t, 32>(std::span<const PrefixSpec<uint32_t, 32>>,
                                                                 uint32_t);
template std::vector<Interval<Uint128>> Partition<Uint128, 128>(std::span<const PrefixSpec<Uint128, 128>>,
                                                                uint32_t);

}  // namespace aiip::attribution::internal
