// Crash safety: several clients stream writes at a node; the node is killed with SIGKILL in
// the middle; after a restart every write that was acknowledged with 2xx is present, and
// the transparency log verifies offline and online.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>
#include <thread>

#include "tests/integration/harness.h"

namespace aiip::testing {
namespace {
namespace bj = boost::json;

class CrashTest : public ::testing::TestWithParam<Backend> {};

TEST_P(CrashTest, AcknowledgedWritesSurviveKillNine) {
  NodeProcess node(GetParam());
  node.Start();
  ASSERT_FALSE(HasFatalFailure());

  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::atomic<int> failures_after_kill{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      auto client = node.Client();
      for (int i = 0; !stop; ++i) {
        auto r = client->Post("/api/v1/organisations", {},
                              bj::object{{"name", "Crash " + std::to_string(w) + "-" + std::to_string(i)},
                                         {"kind", "company"},
                                         {"state", "CH"}});
        if (r) {
          std::lock_guard lock(mu);
          acknowledged.emplace_back(r->at("id").as_string());
        } else {
          ++failures_after_kill;
          if (failures_after_kill > 3) return;
        }
      }
    });
  }
  // Let the stream run, then kill the node mid-flight.
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::lock_guard lock(mu);
    if (acknowledged.size() >= 150) break;
  }
  node.Kill();
  stop = true;
  for (auto& t : writers) t.join();
  std::vector<std::string> acked;
  {
    std::lock_guard lock(mu);
    acked = acknowledged;
  }
  ASSERT_GE(acked.size(), 20u) << "the writers did not get going";

  node.Start();
  ASSERT_FALSE(HasFatalFailure());
  auto client = node.Client();
  for (const auto& id : acked) {
    auto got = client->Get("/api/v1/organisations/" + id);
    EXPECT_TRUE(got.has_value()) << "acknowledged write " << id << " was lost";
  }

  std::map<std::string, std::string> env{{"AIIP_TOKEN", node.AdminToken()}};
  CommandResult offline = RunCommand({BinaryPath("aiip").string(), "audit", "verify", "--data-dir", node.data_dir().string()}, env);
  EXPECT_EQ(offline.exit_code, 0) << offline.out << offline.err;
  CommandResult online = RunCommand({BinaryPath("aiip").string(), "--server", node.url(), "audit", "verify"}, env);
  EXPECT_EQ(online.exit_code, 0) << online.out << online.err;
}

INSTANTIATE_TEST_SUITE_P(Backends, CrashTest, ::testing::ValuesIn(IntegrationBackends()),
                         [](const auto& p) { return BackendName(p.param); });

}  // namespace
}  // namespace aiip::testing
