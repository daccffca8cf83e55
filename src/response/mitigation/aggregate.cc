#include "response/mitigation/aggregate.h"

#include <algorithm>
#include <bit>
#include <optional>
#include <queue>
#include <string>

namespace aiip::mitigation {

using attribution::IpAddress;
using attribution::Prefix;
using attribution::Uint128;

namespace {

constexpr Uint128 kMax128 = ~Uint128{0};

int LeadingZeros(uint32_t x) { return std::countl_zero(x); }
int LeadingZeros(Uint128 x) {
  const auto high = static_cast<uint64_t>(x >> 64);
  if (high != 0) return std::countl_zero(high);
  return 64 + std::countl_zero(static_cast<uint64_t>(x));
}

// 2^(bits - length), saturated at 2^128 - 1.
Uint128 BlockSize(int bits, int length) {
  const int host = bits - length;
  return host >= 128 ? kMax128 : Uint128{1} << host;
}

struct Candidate {
  Uint128 cost;
  uint8_t family;  // 0 IPv4, 1 IPv6
  Uint128 bits;
  int32_t node;
};
struct Later {
  bool operator()(const Candidate& a, const Candidate& b) const {
    if (a.cost != b.cost) return a.cost > b.cost;
    if (a.family != b.family) return a.family > b.family;
    return a.bits > b.bits;
  }
};
using Heap = std::priority_queue<Candidate, std::vector<Candidate>, Later>;

// The binary trie of sorted distinct addresses, compressed to its branching nodes: node k
// (0 <= k < n-1) branches between leaves k and k+1 at their common-prefix length. A child
// >= 0 is a node, a child < 0 is the leaf ~child.
template <typename T, int kBits>
class Trie {
 public:
  Trie(std::vector<T> leaves, uint8_t family) : leaves_(std::move(leaves)), family_(family) {
    const size_t m = leaves_.size() < 2 ? 0 : leaves_.size() - 1;
    length_.resize(m);
    parent_.assign(m, -1);
    left_.resize(m);
    right_.resize(m);
    merged_.assign(m, 0);
    std::vector<int32_t> stack;
    for (int32_t k = 0; k < static_cast<int32_t>(m); ++k) {
      length_[k] = static_cast<uint8_t>(LeadingZeros(static_cast<T>(leaves_[k] ^ leaves_[k + 1])) -
                                        (sizeof(T) * 8 - kBits));
      left_[k] = ~k;
      right_[k] = ~(k + 1);
      int32_t last = -1;
      while (!stack.empty() && length_[stack.back()] > length_[k]) {
        last = stack.back();
        stack.pop_back();
      }
      if (last >= 0) {
        left_[k] = last;
        parent_[last] = k;
      }
      if (!stack.empty()) {
        right_[stack.back()] = k;
        parent_[k] = stack.back();
      }
      stack.push_back(k);
    }
    root_ = leaves_.empty() ? 0 : (m == 0 ? ~0 : stack.front());
  }

  size_t leaf_count() const { return leaves_.size(); }

  void SeedCandidates(Heap& heap) const {
    for (int32_t k = 0; k < static_cast<int32_t>(length_.size()); ++k) {
      if (left_[k] < 0 && right_[k] < 0) heap.push(CandidateFor(k));
    }
  }

  // Merges node k; pushes its parent if that became mergeable.
  void Merge(int32_t k, Heap& heap) {
    merged_[k] = 1;
    const int32_t p = parent_[k];
    if (p >= 0 && Collapsed(left_[p]) && Collapsed(right_[p])) heap.push(CandidateFor(p));
  }

  // The current cover, in address order.
  void Emit(std::vector<CoveringPrefix>& out) const {
    if (leaves_.empty()) return;
    std::vector<int32_t> stack{root_};
    while (!stack.empty()) {
      const int32_t c = stack.back();
      stack.pop_back();
      if (Collapsed(c)) {
        out.push_back(Cover(c));
      } else {
        stack.push_back(right_[c]);
        stack.push_back(left_[c]);
      }
    }
  }

 private:
  bool Collapsed(int32_t child) const { return child < 0 || merged_[child] != 0; }
  int LengthOf(int32_t child) const { return child < 0 ? kBits : length_[child]; }
  Uint128 SizeOf(int32_t child) const { return BlockSize(kBits, LengthOf(child)); }

  Candidate CandidateFor(int32_t k) const {
    const Uint128 a = SizeOf(left_[k]);
    const Uint128 b = SizeOf(right_[k]);
    const Uint128 covered = kMax128 - a < b ? kMax128 : a + b;
    const Uint128 size = SizeOf(k);
    // A saturated ::/0 can be smaller than the exact sum of its halves' sizes.
    const Uint128 cost = size > covered ? size - covered : 0;
    return {cost, family_, Mask(leaves_[k], length_[k]), k};
  }

  static Uint128 Mask(T value, int length) {
    if (length == 0) return 0;
    const T mask = static_cast<T>(~T{0} << (kBits - length));
    return static_cast<Uint128>(value & mask);
  }

  CoveringPrefix Cover(int32_t c) const {
    int32_t lo = c;
    while (lo >= 0) lo = left_[lo];
    int32_t hi = c;
    while (hi >= 0) hi = right_[hi];
    const uint64_t sources = static_cast<uint64_t>(~hi - ~lo + 1);
    const int length = LengthOf(c);
    const Uint128 bits = Mask(leaves_[~lo], length);
    const IpAddress address = kBits == 32 ? IpAddress::V4(static_cast<uint32_t>(bits)) : IpAddress::V6(bits);
    CoveringPrefix out;
    out.prefix = *Prefix::Of(address, length);
    out.sources = sources;
    out.over_coverage = SizeOf(c) - sources;
    return out;
  }

  std::vector<T> leaves_;
  uint8_t family_;
  std::vector<uint8_t> length_;
  std::vector<int32_t> parent_;
  std::vector<int32_t> left_;
  std::vector<int32_t> right_;
  std::vector<uint8_t> merged_;
  int32_t root_ = 0;
};

}  // namespace

std::string CountToString(Uint128 value) {
  if (value == 0) return "0";
  std::string out;
  while (value != 0) {
    out.push_back(static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Result<Aggregation> Aggregate(std::span<const IpAddress> sources, size_t max_prefixes) {
  if (max_prefixes == 0) {
    return Err(InvalidArgument("out-of-range", "at least one prefix must be allowed", "/max_prefixes"));
  }
  std::vector<uint32_t> v4;
  std::vector<Uint128> v6;
  for (const IpAddress& a : sources) {
    if (a.is_v4()) {
      v4.push_back(a.v4());
    } else if (auto mapped = a.MappedV4()) {
      v4.push_back(*mapped);
    } else {
      v6.push_back(a.v6());
    }
  }
  std::sort(v4.begin(), v4.end());
  v4.erase(std::unique(v4.begin(), v4.end()), v4.end());
  std::sort(v6.begin(), v6.end());
  v6.erase(std::unique(v6.begin(), v6.end()), v6.end());

  Trie<uint32_t, 32> trie4(std::move(v4), 0);
  Trie<Uint128, 128> trie6(std::move(v6), 1);
  Aggregation out;
  out.sources = trie4.leaf_count() + trie6.leaf_count();
  const size_t families = (trie4.leaf_count() > 0 ? 1 : 0) + (trie6.leaf_count() > 0 ? 1 : 0);
  out.budget_exceeded = families > max_prefixes;

  Heap heap;
  trie4.SeedCandidates(heap);
  trie6.SeedCandidates(heap);
  size_t count = out.sources;
  std::optional<size_t> exact;
  while (!heap.empty()) {
    const Candidate top = heap.top();
    if (top.cost > 0) {
      if (!exact) exact = count;
      if (count <= max_prefixes) break;
    }
    heap.pop();
    if (top.family == 0) {
      trie4.Merge(top.node, heap);
    } else {
      trie6.Merge(top.node, heap);
    }
    --count;
  }
  out.exact_prefixes = exact.value_or(count);
  trie4.Emit(out.prefixes);
  trie6.Emit(out.prefixes);
  for (const CoveringPrefix& p : out.prefixes) {
    out.over_coverage =
        kMax128 - out.over_coverage < p.over_coverage ? kMax128 : out.over_coverage + p.over_coverage;
  }
  return out;
}

}  // namespace aiip::mitigation
