// Metrics: a small registry of counters, gauges and histograms with labels, rendered in
// the Prometheus text exposition format 0.0.4 for a /metrics endpoint.
//
// A metric *family* has a name, help text and fixed label names; each distinct tuple of
// label values is a *series*. Families are registered once (registering the same name
// again with the same kind and labels returns the existing family). Series are created
// lazily by WithLabels() and live as long as the registry, so callers on hot paths may
// keep the returned reference. Updating a series is a relaxed atomic operation;
// WithLabels() takes one of several sharded mutexes briefly, so concurrent requests rarely
// contend. Keep label values bounded (route names, not paths; known methods, not whatever
// the client sent): every distinct value is a series held forever.
//
// Everything here is thread-safe. Names are programmer input: malformed metric or label
// names assert.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace aiip::metrics {

// Content type of Registry::Render() output.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// A monotonically increasing count.
class Counter {
 public:
  void Increment(uint64_t by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down (open connections, last batch duration, ...).
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Counts observations into fixed buckets (upper bounds, inclusive) and sums them.
class Histogram {
 public:
  // `bounds` must be strictly increasing and finite (asserted); a +Inf bucket is implied.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // Observations per bucket, not cumulative; the last entry is the +Inf overflow bucket.
  std::vector<uint64_t> BucketCounts() const;
  double Sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1 entries
  std::atomic<double> sum_{0};
};

enum class Kind { kCounter, kGauge, kHistogram };

// Common part of the three family types; rendering and registration use it.
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, Kind kind, std::vector<std::string> labels);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  Kind kind() const { return kind_; }
  const std::vector<std::string>& label_names() const { return labels_; }

  // Appends this family (HELP, TYPE and every series) to `out`.
  virtual void Render(std::string& out) const = 0;

 protected:
  std::string name_;
  std::string help_;
  Kind kind_;
  std::vector<std::string> labels_;
};

// The series of one metric family, keyed by label values.
template <typename Metric>
class Family final : public FamilyBase {
 public:
  // `bounds` are the bucket bounds of every series of a histogram family (empty otherwise).
  Family(std::string name, std::string help, Kind kind, std::vector<std::string> labels,
         std::vector<double> bounds);

  // The series for `label_values` (one per label name, in order; asserted), created on
  // first use. The reference is valid for the registry's lifetime.
  Metric& WithLabels(std::initializer_list<std::string_view> label_values);

  void Render(std::string& out) const override;

 private:
  struct Series {
    std::vector<std::string> label_values;
    std::unique_ptr<Metric> metric;
  };
  // Sharding by key hash keeps concurrent WithLabels() calls off a single mutex.
  struct Shard {
    mutable std::mutex mu;
    std::map<std::string, Series, std::less<>> series;  // key: length-prefixed values
  };
  static constexpr size_t kShards = 8;

  std::vector<double> bounds_;  // histograms only
  Shard shards_[kShards];
};

extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registers (or returns the already registered) family. Asserts that `name` and
  // `labels` are valid Prometheus names and that an existing family of that name has the
  // same kind and labels. References stay valid for the registry's lifetime.
  CounterFamily& Counter(std::string name, std::string help, std::vector<std::string> labels = {});
  GaugeFamily& Gauge(std::string name, std::string help, std::vector<std::string> labels = {});
  // `bounds`: bucket upper bounds, strictly increasing.
  HistogramFamily& Histogram(std::string name, std::string help, std::vector<std::string> labels,
                             std::vector<double> bounds);

  // Every family, sorted by name, in the text exposition format 0.0.4.
  std::string Render() const;

 private:
  FamilyBase& Register(std::unique_ptr<FamilyBase> family);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<FamilyBase>, std::less<>> families_;
};

// Request-duration buckets, in seconds: 0.5 ms to 10 s.
std::vector<double> DefaultLatencyBuckets();

// The HTTP server's metrics, registered in one registry:
//   http_requests_total{route,method,status}        counter
//   http_request_duration_seconds{route}            histogram (DefaultLatencyBuckets)
//   http_connections_open                           gauge
class HttpMetrics {
 public:
  explicit HttpMetrics(Registry& registry);

  // Records one finished request. An empty `route` is labelled "unmatched"; methods other
  // than the standard ones are labelled "OTHER" so clients cannot create series at will.
  void RecordRequest(std::string_view route, std::string_view method, int status, double seconds);

  Gauge& connections_open() { return connections_open_; }

 private:
  CounterFamily& requests_;
  HistogramFamily& durations_;
  Gauge& connections_open_;
};

}  // namespace aiip::metrics
