#include "incidents/correlation/correlation.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <map>
#include <optional>

#include "incidents/correlation/ip_key.h"

namespace aiip::incidents::correlation {
namespace {

using ValueId = uint32_t;
using ReportId = uint32_t;

// The reports holding one value. Most values are held by one or two reports, so up to two
// report ids live inline and the common case costs no allocation.
class Postings {
 public:
  Postings() = default;
  Postings(const Postings&) = delete;
  Postings& operator=(const Postings&) = delete;
  Postings(Postings&& other) noexcept : size_(other.size_), capacity_(other.capacity_) {
    std::memcpy(&storage_, &other.storage_, sizeof storage_);
    other.size_ = 0;
    other.capacity_ = kInline;
  }
  Postings& operator=(Postings&&) = delete;
  ~Postings() {
    if (capacity_ > kInline) delete[] storage_.heap;
  }

  uint32_t size() const { return size_; }
  const uint32_t* data() const { return capacity_ > kInline ? storage_.heap : storage_.inline_ids; }
  uint32_t* data() { return capacity_ > kInline ? storage_.heap : storage_.inline_ids; }
  size_t heap_bytes() const { return capacity_ > kInline ? capacity_ * sizeof(uint32_t) : 0; }

  void Add(uint32_t id) {
    if (size_ == capacity_) {
      const uint32_t grown = capacity_ * 2;
      auto* heap = new uint32_t[grown];
      std::memcpy(heap, data(), size_ * sizeof(uint32_t));
      if (capacity_ > kInline) delete[] storage_.heap;
      storage_.heap = heap;
      capacity_ = grown;
    }
    data()[size_++] = id;
  }

  void Erase(uint32_t id) {
    uint32_t* ids = data();
    for (uint32_t i = 0; i < size_; ++i) {
      if (ids[i] == id) {
        ids[i] = ids[--size_];
        return;
      }
    }
  }

 private:
  static constexpr uint32_t kInline = 2;
  uint32_t size_ = 0;
  uint32_t capacity_ = kInline;
  union Storage {
    uint32_t inline_ids[kInline];
    uint32_t* heap;
  } storage_{};
};

struct ValueRecord {
  uint32_t key_offset;  // in the arena: one type byte, then the canonical text
  uint32_t key_length;
  Postings postings;
};

struct IpEntry {
  IpKey key;
  ValueId value;
  bool operator<(const IpEntry& other) const { return key < other.key; }
};

struct ReportRecord {
  const std::string* id = nullptr;  // the key in Impl::report_ids
  std::vector<ValueId> values;
};

struct Slot {
  uint32_t value_plus_one = 0;  // 0: empty
  uint32_t hash = 0;
};

struct TransparentHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

struct Index::Impl {
  Options options;

  // Interned values. Keys live in fixed 1 MiB blocks (a key is at most 8193 bytes), so the
  // arena never holds the slack of a doubling buffer and keys never move.
  static constexpr uint32_t kBlock = 1u << 20;
  std::vector<std::unique_ptr<char[]>> blocks;
  uint32_t block_used = kBlock;
  std::vector<ValueRecord> values;
  std::vector<Slot> slots = std::vector<Slot>(1024);

  // Addresses and networks, ordered: a sorted run plus a small ordered delta merged into it
  // when it grows, so inserts stay cheap and the run stays compact.
  std::vector<IpEntry> ip_run;
  std::set<IpEntry> ip_delta;
  // How many distinct networks of each prefix length exist, per family: an address probes only
  // the lengths in use when it looks for networks around it.
  uint32_t v4_lengths[33] = {};
  uint32_t v6_lengths[129] = {};

  // Reports.
  std::unordered_map<std::string, ReportId, TransparentHash, std::equal_to<>> report_ids;
  std::vector<ReportRecord> reports;
  std::vector<ReportId> free_reports;

  std::string_view KeyOf(ValueId id) const {
    const ValueRecord& v = values[id];
    return {blocks[v.key_offset / kBlock].get() + v.key_offset % kBlock, v.key_length};
  }
  IndicatorType TypeOf(ValueId id) const { return static_cast<IndicatorType>(KeyOf(id)[0]); }

  uint32_t Store(std::string_view key) {
    assert(key.size() <= kBlock);
    if (block_used + key.size() > kBlock) {
      assert(blocks.size() < UINT32_MAX / kBlock);
      blocks.push_back(std::make_unique<char[]>(kBlock));
      block_used = 0;
    }
    std::memcpy(blocks.back().get() + block_used, key.data(), key.size());
    const auto offset = static_cast<uint32_t>((blocks.size() - 1) * kBlock + block_used);
    block_used += static_cast<uint32_t>(key.size());
    return offset;
  }
  std::string_view TextOf(ValueId id) const { return KeyOf(id).substr(1); }

  static uint32_t Hash32(std::string_view key) {
    const size_t h = std::hash<std::string_view>{}(key);
    return static_cast<uint32_t>(h ^ (h >> 32));
  }

  std::optional<ValueId> Find(std::string_view key) const {
    const uint32_t h = Hash32(key);
    const size_t mask = slots.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots[i];
      if (slot.value_plus_one == 0) return std::nullopt;
      if (slot.hash == h && KeyOf(slot.value_plus_one - 1) == key) return slot.value_plus_one - 1;
    }
  }

  void Grow() {
    std::vector<Slot> old = std::move(slots);
    slots.assign(old.size() * 2, Slot{});
    const size_t mask = slots.size() - 1;
    for (const Slot& slot : old) {
      if (slot.value_plus_one == 0) continue;
      size_t i = slot.hash & mask;
      while (slots[i].value_plus_one != 0) i = (i + 1) & mask;
      slots[i] = slot;
    }
  }

  ValueId Intern(const Indicator& indicator) {
    std::string key;
    key.reserve(indicator.value.size() + 1);
    key.push_back(static_cast<char>(indicator.type));
    key += indicator.value;
    if (auto found = Find(key)) return *found;

    if ((values.size() + 1) * 10 > slots.size() * 7) Grow();
    const auto id = static_cast<ValueId>(values.size());
    values.push_back(ValueRecord{Store(key), static_cast<uint32_t>(key.size()), {}});
    const uint32_t h = Hash32(key);
    const size_t mask = slots.size() - 1;
    size_t i = h & mask;
    while (slots[i].value_plus_one != 0) i = (i + 1) & mask;
    slots[i] = Slot{id + 1, h};

    if (indicator.type == IndicatorType::kIpv4 || indicator.type == IndicatorType::kIpv6) {
      auto ip = ParseIpKey(indicator.value, indicator.type == IndicatorType::kIpv4 ? 4 : 6);
      assert(ip.has_value() && FormatIpKey(*ip) == indicator.value && "indicator not canonical");
      if (ip.has_value()) AddIp(IpEntry{*ip, id});
    }
    return id;
  }

  void AddIp(const IpEntry& entry) {
    if (!entry.key.IsAddress()) ++(entry.key.family == 4 ? v4_lengths : v6_lengths)[entry.key.length];
    ip_delta.insert(entry);
    if (ip_delta.size() >= std::max<size_t>(4096, ip_run.size() / 8)) {
      std::vector<IpEntry> merged;
      merged.reserve(ip_run.size() + ip_delta.size());
      std::merge(ip_run.begin(), ip_run.end(), ip_delta.begin(), ip_delta.end(), std::back_inserter(merged));
      ip_run = std::move(merged);
      ip_delta.clear();
    }
  }

  std::optional<ValueId> FindIp(const IpKey& key) const {
    const IpEntry probe{key, 0};
    auto it = std::lower_bound(ip_run.begin(), ip_run.end(), probe);
    if (it != ip_run.end() && it->key == key) return it->value;
    auto d = ip_delta.lower_bound(probe);
    if (d != ip_delta.end() && d->key == key) return d->value;
    return std::nullopt;
  }

  // Calls `visit(value)` for every address and network inside `key` (itself included), in
  // two ordered runs; stops early when `visit` returns false.
  template <typename Visit>
  void ForEachInside(const IpKey& key, Visit&& visit) const {
    IpKey start = key;  // sorts before every key with the network's first address
    start.length = 0;
    const IpKey last = LastOf(key);
    auto in_range = [&](const IpEntry& e) {
      return e.key.family == key.family &&
             (e.key.hi < last.hi || (e.key.hi == last.hi && e.key.lo <= last.lo));
    };
    for (auto it = std::lower_bound(ip_run.begin(), ip_run.end(), IpEntry{start, 0});
         it != ip_run.end() && in_range(*it); ++it) {
      if (it->key.length >= key.length && !visit(it->value)) return;
    }
    for (auto it = ip_delta.lower_bound(IpEntry{start, 0}); it != ip_delta.end() && in_range(*it); ++it) {
      if (it->key.length >= key.length && !visit(it->value)) return;
    }
  }

  // The cover of `key` (occurrences of values inside it), counted only up to limit + 1.
  uint64_t CoverUpToLimit(const IpKey& key) const {
    uint64_t cover = 0;
    const uint64_t enough = uint64_t{options.correlation_limit} + 1;
    ForEachInside(key, [&](ValueId v) {
      cover += values[v].postings.size();
      return cover < enough;
    });
    return cover;
  }

  bool OverCorrelating(const std::optional<IpKey>& ip, std::optional<ValueId> value) const {
    if (ip.has_value()) return CoverUpToLimit(*ip) > options.correlation_limit;
    return value.has_value() && values[*value].postings.size() > options.correlation_limit;
  }

  void AddMatches(ValueId other, Relation relation, std::optional<ReportId> self, const Visible& visible,
                  std::vector<Match>& out) const {
    const Postings& postings = values[other].postings;
    for (uint32_t i = 0; i < postings.size(); ++i) {
      const ReportId r = postings.data()[i];
      if (self.has_value() && r == *self) continue;
      const std::string& id = *reports[r].id;
      if (!visible(id)) continue;
      out.push_back(Match{id, std::string(TextOf(other)), relation});
    }
  }

  // The correlations of one value (interned or not) seen from report `self`.
  ValueCorrelations CorrelateValue(const Indicator& indicator, std::optional<ValueId> value,
                                   std::optional<ReportId> self, const Visible& visible) const {
    ValueCorrelations out;
    out.indicator = indicator;
    std::optional<IpKey> ip;
    if (indicator.type == IndicatorType::kIpv4 || indicator.type == IndicatorType::kIpv6) {
      auto parsed = ParseIpKey(indicator.value, indicator.type == IndicatorType::kIpv4 ? 4 : 6);
      if (parsed.has_value()) ip = *parsed;
    }
    if (OverCorrelating(ip, value)) {
      out.over_correlating = true;
      return out;
    }
    if (!ip.has_value()) {
      if (value.has_value()) AddMatches(*value, Relation::kSame, self, visible, out.matches);
    } else {
      ForEachInside(*ip, [&](ValueId inside) {
        const bool same = value.has_value() ? inside == *value : TextOf(inside) == indicator.value;
        AddMatches(inside, same ? Relation::kSame : Relation::kContains, self, visible, out.matches);
        return true;
      });
      const uint32_t* lengths = ip->family == 4 ? v4_lengths : v6_lengths;
      for (int length = ip->length - 1; length >= 0; --length) {
        if (lengths[length] == 0) continue;
        const IpKey outer = Masked(*ip, static_cast<uint8_t>(length));
        auto around = FindIp(outer);
        if (!around.has_value() || CoverUpToLimit(outer) > options.correlation_limit) continue;
        AddMatches(*around, Relation::kWithin, self, visible, out.matches);
      }
    }
    std::sort(out.matches.begin(), out.matches.end(), [](const Match& a, const Match& b) {
      return std::tie(a.report, a.value) < std::tie(b.report, b.value);
    });
    return out;
  }

  void RemoveReport(ReportId r) {
    for (ValueId v : reports[r].values) values[v].postings.Erase(r);
    reports[r].values.clear();
    reports[r].values.shrink_to_fit();
    reports[r].id = nullptr;
    free_reports.push_back(r);
  }
};

std::string_view RelationName(Relation relation) {
  switch (relation) {
    case Relation::kSame:
      return "same";
    case Relation::kContains:
      return "contains";
    case Relation::kWithin:
      return "within";
  }
  return "same";
}

Index::Index(Options options) : impl_(std::make_unique<Impl>()) { impl_->options = options; }
Index::~Index() = default;

void Index::Put(std::string_view report, std::span<const Indicator> indicators) {
  Impl& m = *impl_;
  auto it = m.report_ids.find(report);
  ReportId r;
  if (it != m.report_ids.end()) {
    r = it->second;
    for (ValueId v : m.reports[r].values) m.values[v].postings.Erase(r);
    m.reports[r].values.clear();
  } else {
    if (!m.free_reports.empty()) {
      r = m.free_reports.back();
      m.free_reports.pop_back();
    } else {
      r = static_cast<ReportId>(m.reports.size());
      m.reports.emplace_back();
    }
    it = m.report_ids.emplace(std::string(report), r).first;
    m.reports[r].id = &it->first;
  }
  std::vector<ValueId>& held = m.reports[r].values;
  held.reserve(indicators.size());
  for (const Indicator& indicator : indicators) {
    const ValueId v = m.Intern(indicator);
    if (std::find(held.begin(), held.end(), v) != held.end()) continue;
    held.push_back(v);
    m.values[v].postings.Add(r);
  }
  held.shrink_to_fit();
}

bool Index::Remove(std::string_view report) {
  auto it = impl_->report_ids.find(report);
  if (it == impl_->report_ids.end()) return false;
  impl_->RemoveReport(it->second);
  impl_->report_ids.erase(it);
  return true;
}

bool Index::Contains(std::string_view report) const { return impl_->report_ids.contains(report); }

Result<ReportCorrelations> Index::Correlate(std::string_view report, const Visible& visible) const {
  const Impl& m = *impl_;
  auto it = m.report_ids.find(report);
  if (it == m.report_ids.end()) return Err(NotFound("no indexed report '" + std::string(report) + "'"));
  const ReportId r = it->second;
  ReportCorrelations out;
  std::set<std::string> distinct;
  for (ValueId v : m.reports[r].values) {
    Indicator indicator{m.TypeOf(v), std::string(m.TextOf(v))};
    ValueCorrelations c = m.CorrelateValue(indicator, v, r, visible);
    for (const Match& match : c.matches) distinct.insert(match.report);
    out.by_indicator.push_back(std::move(c));
  }
  out.reports.assign(distinct.begin(), distinct.end());
  return out;
}

ValueCorrelations Index::Search(const Indicator& indicator, const Visible& visible) const {
  std::string key(1, static_cast<char>(indicator.type));
  key += indicator.value;
  return impl_->CorrelateValue(indicator, impl_->Find(key), std::nullopt, visible);
}

bool Index::IsOverCorrelating(const Indicator& indicator) const {
  std::string key(1, static_cast<char>(indicator.type));
  key += indicator.value;
  std::optional<IpKey> ip;
  if (indicator.type == IndicatorType::kIpv4 || indicator.type == IndicatorType::kIpv6) {
    auto parsed = ParseIpKey(indicator.value, indicator.type == IndicatorType::kIpv4 ? 4 : 6);
    if (parsed.has_value()) ip = *parsed;
  }
  return impl_->OverCorrelating(ip, impl_->Find(key));
}

IndexStats Index::Stats() const {
  const Impl& m = *impl_;
  IndexStats s;
  s.reports = m.report_ids.size();
  s.distinct_values = m.values.size();
  s.network_keys = m.ip_run.size() + m.ip_delta.size();
  uint64_t posting_heap = 0;
  for (const ValueRecord& v : m.values) {
    s.occurrences += v.postings.size();
    if (v.postings.size() > 0) ++s.live_values;
    if (v.postings.size() > m.options.correlation_limit) ++s.over_correlating;
    posting_heap += v.postings.heap_bytes();
  }
  // std::set and std::unordered_map nodes: the element plus two or three pointers and the
  // allocator's header; counted as element + 32 bytes (libstdc++ on 64-bit).
  uint64_t report_bytes = m.reports.capacity() * sizeof(ReportRecord) + m.free_reports.capacity() * 4 +
                          m.report_ids.bucket_count() * sizeof(void*);
  for (const auto& [id, r] : m.report_ids) {
    report_bytes += sizeof(std::pair<const std::string, ReportId>) + 32 +
                    (id.capacity() > 15 ? id.capacity() + 1 : 0) +
                    m.reports[r].values.capacity() * sizeof(ValueId);
  }
  s.value_bytes = m.blocks.size() * uint64_t{Impl::kBlock} + m.values.capacity() * sizeof(ValueRecord) +
                  posting_heap + m.slots.capacity() * sizeof(Slot) + m.ip_run.capacity() * sizeof(IpEntry) +
                  m.ip_delta.size() * (sizeof(IpEntry) + 32);
  s.report_bytes = report_bytes;
  s.bytes = s.value_bytes + s.report_bytes;
  return s;
}

}  // namespace aiip::incidents::correlation
