#include "http/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace aiip::metrics {
namespace {

TEST(Metrics, RendersCountersAndGaugesWithEscapedLabels) {
  Registry registry;
  auto& requests = registry.Counter("requests_total", "Requests.\nAll of them \\ really.", {"route", "code"});
  requests.WithLabels({"a", "200"}).Increment();
  requests.WithLabels({"a", "200"}).Increment(2);
  requests.WithLabels({"quote\"back\\slash\nnl", "500"}).Increment();
  registry.Gauge("temperature", "Degrees.").WithLabels({}).Set(-1.5);

  EXPECT_EQ(registry.Render(),
            "# HELP requests_total Requests.\\nAll of them \\\\ really.\n"
            "# TYPE requests_total counter\n"
            "requests_total{route=\"a\",code=\"200\"} 3\n"
            "requests_total{route=\"quote\\\"back\\\\slash\\nnl\",code=\"500\"} 1\n"
            "# HELP temperature Degrees.\n"
            "# TYPE temperature gauge\n"
            "temperature -1.5\n");
}

TEST(Metrics, RendersCumulativeHistogram) {
  Registry registry;
  auto& latency = registry.Histogram("latency_seconds", "Latency.", {"route"}, {0.01, 0.1, 1});
  auto& series = latency.WithLabels({"x"});
  series.Observe(0.005);
  series.Observe(0.01);  // upper bounds are inclusive
  series.Observe(0.5);
  series.Observe(7);
  EXPECT_EQ(registry.Render(),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{route=\"x\",le=\"0.01\"} 2\n"
            "latency_seconds_bucket{route=\"x\",le=\"0.1\"} 2\n"
            "latency_seconds_bucket{route=\"x\",le=\"1\"} 3\n"
            "latency_seconds_bucket{route=\"x\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{route=\"x\"} 7.515\n"
            "latency_seconds_count{route=\"x\"} 4\n");
}

TEST(Metrics, ReregisteringReturnsTheSameFamily) {
  Registry registry;
  auto& a = registry.Counter("c_total", "C.", {"l"});
  auto& b = registry.Counter("c_total", "C.", {"l"});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(&a.WithLabels({"v"}), &b.WithLabels({"v"}));
}

TEST(Metrics, LabelTuplesDoNotCollide) {
  Registry registry;
  auto& family = registry.Counter("pairs_total", "P.", {"a", "b"});
  family.WithLabels({"x", "yz"}).Increment();
  family.WithLabels({"xy", "z"}).Increment(5);
  EXPECT_EQ(family.WithLabels({"x", "yz"}).Value(), 1u);
  EXPECT_EQ(family.WithLabels({"xy", "z"}).Value(), 5u);
}

TEST(Metrics, ConcurrentUpdatesAreNotLost) {
  Registry registry;
  HttpMetrics http(registry);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&http] {
      for (int i = 0; i < 10'000; ++i) http.RecordRequest("orgs.get", "GET", 200, 0.002);
    });
  }
  for (auto& thread : threads) thread.join();
  std::string text = registry.Render();
  EXPECT_NE(text.find("http_requests_total{route=\"orgs.get\",method=\"GET\",status=\"200\"} 40000\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("http_request_duration_seconds_count{route=\"orgs.get\"} 40000\n"), std::string::npos);
  EXPECT_NE(text.find("http_request_duration_seconds_bucket{route=\"orgs.get\",le=\"0.0025\"} 40000\n"),
            std::string::npos);
  EXPECT_NE(text.find("http_request_duration_seconds_bucket{route=\"orgs.get\",le=\"0.001\"} 0\n"),
            std::string::npos);
}

TEST(Metrics, HttpMetricsBoundsLabelValues) {
  Registry registry;
  HttpMetrics http(registry);
  http.RecordRequest("", "BREW", 404, 0.001);
  http.connections_open().Add(2);
  http.connections_open().Add(-1);
  std::string text = registry.Render();
  EXPECT_NE(text.find("http_requests_total{route=\"unmatched\",method=\"OTHER\",status=\"404\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE http_connections_open gauge\nhttp_connections_open 1\n"), std::string::npos);
}

}  // namespace
}  // namespace aiip::metrics
