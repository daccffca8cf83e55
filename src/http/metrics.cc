#include "http/metrics.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <functional>

namespace aiip::metrics {
namespace {

// Used only in asserts.
[[maybe_unused]] bool ValidName(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  auto head = [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
  };
  if (!head(name.front())) return false;
  return std::all_of(name.begin() + 1, name.end(), [&](char c) { return head(c) || (c >= '0' && c <= '9'); });
}

void AppendDouble(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
    assert(ec == std::errc());
    out.append(buffer, end);
  }
}

void AppendUint(std::string& out, uint64_t value) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  assert(ec == std::errc());
  out.append(buffer, end);
}

// Label values escape backslash, double quote and newline; HELP text escapes only
// backslash and newline (format 0.0.4).
void AppendEscaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// `{a="x",b="y"}` with an optional extra label (the histogram's `le`); nothing when there
// are no labels at all.
void AppendLabels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    AppendEscaped(out, values[i], true);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

std::string_view TypeName(Kind kind) {
  switch (kind) {
    case Kind::kCounter:
      return "counter";
    case Kind::kGauge:
      return "gauge";
    case Kind::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// Length-prefixed so that no choice of label values can make two tuples collide.
void EncodeKey(std::string& key, std::initializer_list<std::string_view> values) {
  key.clear();
  for (std::string_view v : values) {
    uint32_t size = static_cast<uint32_t>(v.size());
    key.append(reinterpret_cast<const char*>(&size), sizeof(size));
    key.append(v);
  }
}

template <typename Metric>
std::unique_ptr<Metric> MakeMetric(const std::vector<double>& bounds) {
  if constexpr (std::is_same_v<Metric, Histogram>) {
    return std::make_unique<Histogram>(bounds);
  } else {
    return std::make_unique<Metric>();
  }
}

void RenderValue(std::string& out, const std::string& name, const std::vector<std::string>& labels,
                 const std::vector<std::string>& values, const Counter& counter) {
  out += name;
  AppendLabels(out, labels, values);
  out += ' ';
  AppendUint(out, counter.Value());
  out += '\n';
}

void RenderValue(std::string& out, const std::string& name, const std::vector<std::string>& labels,
                 const std::vector<std::string>& values, const Gauge& gauge) {
  out += name;
  AppendLabels(out, labels, values);
  out += ' ';
  AppendDouble(out, gauge.Value());
  out += '\n';
}

void RenderValue(std::string& out, const std::string& name, const std::vector<std::string>& labels,
                 const std::vector<std::string>& values, const Histogram& histogram) {
  std::vector<uint64_t> counts = histogram.BucketCounts();
  uint64_t cumulative = 0;
  std::string le;
  for (size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    le.clear();
    if (i < histogram.bounds().size()) {
      AppendDouble(le, histogram.bounds()[i]);
    } else {
      le = "+Inf";
    }
    out += name;
    out += "_bucket";
    AppendLabels(out, labels, values, "le", le);
    out += ' ';
    AppendUint(out, cumulative);
    out += '\n';
  }
  out += name;
  out += "_sum";
  AppendLabels(out, labels, values);
  out += ' ';
  AppendDouble(out, histogram.Sum());
  out += '\n';
  // _count is derived from the same snapshot of the buckets, so it always equals the
  // +Inf bucket even while observations race with rendering.
  out += name;
  out += "_count";
  AppendLabels(out, labels, values);
  out += ' ';
  AppendUint(out, cumulative);
  out += '\n';
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  assert(std::adjacent_find(bounds_.begin(), bounds_.end(), std::greater_equal<>()) == bounds_.end());
  assert(std::none_of(bounds_.begin(), bounds_.end(), [](double b) { return !std::isfinite(b); }));
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) {
  size_t bucket =
      static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::BucketCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = counts_[i].load(std::memory_order_relaxed);
  return out;
}

FamilyBase::FamilyBase(std::string name, std::string help, Kind kind, std::vector<std::string> labels)
    : name_(std::move(name)), help_(std::move(help)), kind_(kind), labels_(std::move(labels)) {
  assert(ValidName(name_, true) && "invalid metric name");
  for ([[maybe_unused]] const auto& label : labels_) {
    assert(ValidName(label, false) && !label.starts_with("__") && "invalid label name");
    assert(!(kind_ == Kind::kHistogram && label == "le") && "`le` is reserved for buckets");
  }
}

template <typename Metric>
Family<Metric>::Family(std::string name, std::string help, Kind kind, std::vector<std::string> labels,
                       std::vector<double> bounds)
    : FamilyBase(std::move(name), std::move(help), kind, std::move(labels)), bounds_(std::move(bounds)) {}

template <typename Metric>
Metric& Family<Metric>::WithLabels(std::initializer_list<std::string_view> label_values) {
  assert(label_values.size() == labels_.size() && "wrong number of label values");
  // Reused per thread so that the common case (series exists) allocates nothing.
  thread_local std::string key;
  EncodeKey(key, label_values);
  Shard& shard = shards_[std::hash<std::string>()(key) % kShards];
  std::lock_guard lock(shard.mu);
  auto it = shard.series.find(key);
  if (it == shard.series.end()) {
    Series series{std::vector<std::string>(label_values.begin(), label_values.end()),
                  MakeMetric<Metric>(bounds_)};
    it = shard.series.emplace(key, std::move(series)).first;
  }
  return *it->second.metric;
}

template <typename Metric>
void Family<Metric>::Render(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  AppendEscaped(out, help_, false);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += TypeName(kind_);
  out += '\n';
  std::vector<std::pair<const std::vector<std::string>*, const Metric*>> all;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    for (const auto& [key, series] : shard.series) {
      all.emplace_back(&series.label_values, series.metric.get());
    }
  }
  // Series are never removed, so the pointers stay valid after the shard locks are gone.
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return *a.first < *b.first; });
  for (const auto& [values, metric] : all) RenderValue(out, name_, labels_, *values, *metric);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry::Registry() = default;
Registry::~Registry() = default;

FamilyBase& Registry::Register(std::unique_ptr<FamilyBase> family) {
  std::lock_guard lock(mu_);
  auto it = families_.find(family->name());
  if (it != families_.end()) {
    assert(it->second->kind() == family->kind() && it->second->label_names() == family->label_names() &&
           "metric registered twice with a different shape");
    return *it->second;
  }
  std::string name = family->name();
  return *families_.emplace(std::move(name), std::move(family)).first->second;
}

CounterFamily& Registry::Counter(std::string name, std::string help, std::vector<std::string> labels) {
  return static_cast<CounterFamily&>(Register(std::make_unique<CounterFamily>(
      std::move(name), std::move(help), Kind::kCounter, std::move(labels), std::vector<double>())));
}

GaugeFamily& Registry::Gauge(std::string name, std::string help, std::vector<std::string> labels) {
  return static_cast<GaugeFamily&>(Register(std::make_unique<GaugeFamily>(
      std::move(name), std::move(help), Kind::kGauge, std::move(labels), std::vector<double>())));
}

HistogramFamily& Registry::Histogram(std::string name, std::string help, std::vector<std::string> labels,
                                     std::vector<double> bounds) {
  return static_cast<HistogramFamily&>(Register(std::make_unique<HistogramFamily>(
      std::move(name), std::move(help), Kind::kHistogram, std::move(labels), std::move(bounds))));
}

std::string Registry::Render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& [name, family] : families_) family->Render(out);
  return out;
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

HttpMetrics::HttpMetrics(Registry& registry)
    : requests_(
          registry.Counter("http_requests_total", "HTTP requests answered.", {"route", "method", "status"})),
      durations_(registry.Histogram("http_request_duration_seconds",
                                    "Time from a complete request to its response being written.", {"route"},
                                    DefaultLatencyBuckets())),
      connections_open_(registry.Gauge("http_connections_open", "Open HTTP connections.").WithLabels({})) {}

void HttpMetrics::RecordRequest(std::string_view route, std::string_view method, int status, double seconds) {
  static constexpr std::string_view kKnownMethods[] = {"GET",    "HEAD",    "POST", "PUT",
                                                       "DELETE", "OPTIONS", "PATCH"};
  if (std::find(std::begin(kKnownMethods), std::end(kKnownMethods), method) == std::end(kKnownMethods)) {
    method = "OTHER";
  }
  if (route.empty()) route = "unmatched";
  char status_text[8];
  auto [end, ec] = std::to_chars(status_text, status_text + sizeof(status_text), status);
  assert(ec == std::errc());
  requests_.WithLabels({route, method, std::string_view(status_text, end)}).Increment();
  durations_.WithLabels({route}).Observe(seconds);
}

}  // namespace aiip::metrics
