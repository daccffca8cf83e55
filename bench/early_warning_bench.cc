// Early-warning latency (issue 5): the time from an incident report's submission to its
// delivery to the LAST of 1,000 server-sent-event subscribers and 200 webhook receivers, while
// other organisations keep submitting reports at a sustained rate.
//
// It starts the real aiipd (the end-to-end harness: a temporary SQLite database, or a scratch
// PostgreSQL database with --backend postgres), registers reporting organisations and
// subscribing CSIRTs over the API, opens the SSE connections (several per CSIRT) and registers
// the webhooks (each its own URL on a local receiver), then runs two loads at once:
//   - background: reports in sectors nobody but one CSIRT follows, at --rate per second from
//     several client threads (each report still goes through validation, sanitisation,
//     correlation, the audit log and one stream event);
//   - probes: every --probe-interval-ms a GREEN report in the sector every CSIRT follows; each
//     probe must reach every SSE connection and every webhook.
// Per probe it takes the latest arrival over all connections and receivers minus the moment
// before the POST was sent; it prints p50/p99 of that, of single deliveries, of the submission
// round trip, and the submission rate the node sustained. The peer is the transport MISP
// publishes on (a ZeroMQ PUB socket; bench/zmq_fanout_peer.py) with the same subscribers and
// message rates, run in the same process tree right after.
//
//   early_warning_bench [--sse 1000] [--webhooks 200] [--organisations 100] [--rate 500]
//                       [--probe-interval-ms 200] [--seconds 20] [--threads 4]
//                       [--backend sqlite|postgres]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/log.h"
#include "http/server.h"
#include "tests/integration/harness.h"

namespace bj = boost::json;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

namespace {

struct Options {
  int sse = 1000;
  int webhooks = 200;
  int organisations = 100;
  int rate = 500;
  int probe_interval_ms = 200;
  int seconds = 20;
  int threads = 4;
  std::string backend = "sqlite";
};

bool ParseOptions(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    std::string value = argv[++i];
    if (arg == "--backend") {
      options.backend = value;
      continue;
    }
    int number = std::atoi(value.c_str());
    if (number <= 0) return false;
    if (arg == "--sse")
      options.sse = number;
    else if (arg == "--webhooks")
      options.webhooks = number;
    else if (arg == "--organisations")
      options.organisations = number;
    else if (arg == "--rate")
      options.rate = number;
    else if (arg == "--probe-interval-ms")
      options.probe_interval_ms = number;
    else if (arg == "--seconds")
      options.seconds = number;
    else if (arg == "--threads")
      options.threads = number;
    else
      return false;
  }
  return options.backend == "sqlite" || options.backend == "postgres";
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch()).count();
}

// The report id an incident.warning carries ("report":"inc_..."), or "".
std::string ReportIdIn(std::string_view text) {
  constexpr std::string_view kKey = "\"report\":\"";
  size_t at = text.find(kKey);
  if (at == std::string_view::npos) return {};
  at += kKey.size();
  size_t end = text.find('"', at);
  return end == std::string_view::npos ? std::string() : std::string(text.substr(at, end - at));
}

// Arrival times per report id. Each receiver owns one, so no two threads share it.
using Arrivals = std::unordered_map<std::string, std::vector<int64_t>>;

// Many SSE connections read by one epoll thread; every `data:` line of an incident.warning
// records its arrival time under the report id.
class StreamFleet {
 public:
  explicit StreamFleet(int port) : port_(port), epoll_(::epoll_create1(0)) {}
  ~StreamFleet() {
    Stop();
    for (auto& c : connections_) ::close(c.fd);
    ::close(epoll_);
  }

  bool Open(const std::string& token) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port_));
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      ::close(fd);
      return false;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::string request =
        "GET /api/v1/stream?kinds=incident.warning HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Authorization: Bearer " +
        token + "\r\nAccept: text/event-stream\r\n\r\n";
    if (::send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
      ::close(fd);
      return false;
    }
    connections_.push_back(Connection{fd, {}, false});
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = connections_.size() - 1;
    return ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) == 0;
  }

  void Run() {
    thread_ = std::thread([this] { Loop(); });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Connections whose stream has started (the "retry:" line arrived).
  int Ready() const { return ready_.load(); }
  int Closed() const { return closed_.load(); }
  // Valid after Stop().
  const Arrivals& arrivals() const { return arrivals_; }

 private:
  struct Connection {
    int fd;
    std::string pending;
    bool started;
  };

  void Loop() {
    std::vector<epoll_event> events(256);
    char buffer[16384];
    while (!stop_) {
      int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 50);
      for (int i = 0; i < n; ++i) {
        Connection& c = connections_[events[static_cast<size_t>(i)].data.u64];
        ssize_t got = ::recv(c.fd, buffer, sizeof(buffer), 0);
        const int64_t now = NowNs();
        if (got <= 0) {
          ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
          ++closed_;
          continue;
        }
        c.pending.append(buffer, static_cast<size_t>(got));
        Consume(c, now);
      }
    }
  }

  void Consume(Connection& c, int64_t now) {
    size_t start = 0;
    while (true) {
      size_t end = c.pending.find('\n', start);
      if (end == std::string::npos) break;
      std::string_view line(c.pending.data() + start, end - start);
      if (!c.started && line.starts_with("retry:")) {
        c.started = true;
        ++ready_;
      } else if (line.starts_with("data: ")) {
        std::string id = ReportIdIn(line);
        if (!id.empty()) arrivals_[id].push_back(now);
      }
      start = end + 1;
    }
    c.pending.erase(0, start);
  }

  int port_;
  int epoll_;
  std::vector<Connection> connections_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> ready_{0}, closed_{0};
  Arrivals arrivals_;
};

// Webhook receivers: one local server, one URL per webhook (/hook/N); answers 204 at once.
class HookFleet {
 public:
  HookFleet() {
    aiip::log::SetLevel(aiip::log::Level::kWarn);  // no access log line per delivery
    aiip::http::ServerOptions options;
    options.threads = 2;
    server_ = std::make_unique<aiip::http::Server>(options, [this](aiip::http::Request& request) {
      const int64_t now = NowNs();
      std::string id = ReportIdIn(request.body);
      {
        std::lock_guard lock(mu_);
        if (!id.empty()) arrivals_[id].push_back(now);
      }
      aiip::http::Response response;
      response.status = 204;
      return response;
    });
  }
  bool Start() { return server_->Start().ok(); }
  std::string Url(int n) const {
    return "http://127.0.0.1:" + std::to_string(server_->BoundPort()) + "/hook/" + std::to_string(n);
  }
  Arrivals Take() {
    std::lock_guard lock(mu_);
    return std::move(arrivals_);
  }

 private:
  std::unique_ptr<aiip::http::Server> server_;
  std::mutex mu_;
  Arrivals arrivals_;
};

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t rank = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(rank, values.size() - 1)];
}

bj::object Report(const std::string& title, const std::string& sector, int n) {
  // Distinct attacker addresses per report so that correlation does real work.
  std::string address = "198.51." + std::to_string((n / 250) % 250) + "." + std::to_string(n % 250 + 1);
  return bj::object{{"title", title},
                    {"tlp", "GREEN"},
                    {"sector", sector},
                    {"attack_type", "ddos"},
                    {"start", "2026-11-01T08:00:00Z"},
                    {"end", "2026-11-01T09:00:00Z"},
                    {"indicators", bj::array{bj::object{{"type", "ipv4"}, {"value", address}}}},
                    {"narrative", "Flood from " + address + " against the public portal."}};
}

struct Party {
  std::string organisation, token;
};

std::optional<Party> AddParty(aiip::client::HttpClient& admin, const std::string& name,
                              const std::string& kind, const std::string& state) {
  auto org =
      admin.Post("/api/v1/organisations", {}, bj::object{{"name", name}, {"kind", kind}, {"state", state}});
  if (!org) return std::nullopt;
  Party p{std::string(org->at("id").as_string()), {}};
  auto member = admin.Post("/api/v1/members", {},
                           bj::object{{"organisation", p.organisation},
                                      {"name", name + " duty"},
                                      {"roles", bj::array{"analyst", "org-admin"}}});
  if (!member) return std::nullopt;
  auto token = admin.Post("/api/v1/tokens", {}, bj::object{{"member", member->at("id")}});
  if (!token) return std::nullopt;
  p.token = std::string(token->at("token").as_string());
  return p;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "early_warning_bench: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseOptions(argc, argv, options)) {
    std::fprintf(stderr,
                 "usage: early_warning_bench [--sse N] [--webhooks N] [--organisations N] [--rate N] "
                 "[--probe-interval-ms N] [--seconds N] [--threads N] [--backend sqlite|postgres]\n");
    return 2;
  }
  const auto backend =
      options.backend == "postgres" ? aiip::testing::Backend::kPostgres : aiip::testing::Backend::kSqlite;
  aiip::testing::NodeProcess node(backend);
  node.Start({"--webhook-allow-http", "--log-level", "warn", "--threads", std::to_string(options.threads)});
  if (node.url().empty()) return Fail("aiipd did not start");
  auto admin = node.Client();
  const int port = std::stoi(node.url().substr(node.url().rfind(':') + 1));

  // Who reports and who listens.
  const char* kStates[] = {"DE", "FR", "NL", "IT", "ES", "PL", "SE", "AT", "BE", "IE"};
  std::vector<Party> reporters, csirts;
  for (int i = 0; i < 10; ++i) {
    auto p = AddParty(*admin, "Reporter " + std::to_string(i), "company", kStates[i % 10]);
    if (!p) return Fail("cannot register a reporting organisation");
    reporters.push_back(*p);
  }
  HookFleet hooks;
  if (!hooks.Start()) return Fail("cannot start the webhook receivers");
  int hooks_made = 0;
  for (int i = 0; i < options.organisations; ++i) {
    auto p = AddParty(*admin, "CSIRT " + std::to_string(i), "csirt", kStates[i % 10]);
    if (!p) return Fail("cannot register a CSIRT");
    auto client = node.Client(p->token);
    if (!client->Post("/api/v1/incident-subscriptions", {}, bj::object{{"sectors", bj::array{"energy"}}}))
      return Fail("cannot subscribe");
    // One CSIRT also follows everything on its stream: the background load then delivers too.
    if (i == 0 &&
        !client->Post("/api/v1/incident-subscriptions", {}, bj::object{{"channels", bj::array{"stream"}}}))
      return Fail("cannot subscribe to everything");
    for (; hooks_made < (i + 1) * options.webhooks / options.organisations; ++hooks_made) {
      auto hook = client->Post("/api/v1/webhooks", {},
                               bj::object{{"url", hooks.Url(hooks_made)},
                                          {"kinds", bj::array{"incident.warning"}},
                                          {"secret", "early-warning-bench-secret"}});
      if (!hook) return Fail("cannot register a webhook: " + hook.error().ToString());
    }
    csirts.push_back(*p);
  }

  StreamFleet streams(port);
  for (int i = 0; i < options.sse; ++i) {
    if (!streams.Open(csirts[static_cast<size_t>(i % options.organisations)].token))
      return Fail("cannot open SSE connection " + std::to_string(i));
  }
  streams.Run();
  for (auto deadline = SteadyClock::now() + 30s;
       streams.Ready() < options.sse && SteadyClock::now() < deadline;)
    std::this_thread::sleep_for(10ms);
  if (streams.Ready() < options.sse)
    return Fail("only " + std::to_string(streams.Ready()) + " streams started");
  const size_t expected = static_cast<size_t>(options.sse + options.webhooks);
  std::printf("node %s (%s, %d threads): %d SSE connections over %d CSIRTs, %d webhooks, %d reporters\n",
              node.url().c_str(), options.backend.c_str(), options.threads, options.sse,
              options.organisations, options.webhooks, static_cast<int>(reporters.size()));

  // Background load: open loop at `rate` per second over several threads.
  std::atomic<bool> stop{false};
  std::atomic<int64_t> background_ok{0}, background_failed{0};
  const char* kOtherSectors[] = {"banking", "health", "transport", "drinking-water", "manufacturing"};
  constexpr int kLoadThreads = 8;
  std::vector<std::thread> load;
  for (int t = 0; t < kLoadThreads; ++t) {
    load.emplace_back([&, t] {
      auto client = node.Client(reporters[static_cast<size_t>(t) % reporters.size()].token);
      const auto interval = std::chrono::nanoseconds(1'000'000'000LL * kLoadThreads / options.rate);
      auto next = SteadyClock::now();
      for (int n = t; !stop; n += kLoadThreads) {
        std::this_thread::sleep_until(next);
        next += interval;
        auto id = client->Post("/api/v1/incidents", {},
                               Report("Background " + std::to_string(n), kOtherSectors[n % 5], n));
        (id ? background_ok : background_failed)++;
      }
    });
  }

  struct Probe {
    std::string id;
    int64_t sent_ns, answered_ns;
  };
  std::vector<Probe> probes;
  auto prober = node.Client(reporters[0].token);
  const auto run_start = SteadyClock::now();
  const auto run_end = run_start + std::chrono::seconds(options.seconds);
  auto next_probe = run_start + 1s;  // let the background load settle first
  int64_t probe_failures = 0;
  for (int n = 0; SteadyClock::now() < run_end; ++n) {
    std::this_thread::sleep_until(next_probe);
    next_probe += std::chrono::milliseconds(options.probe_interval_ms);
    const int64_t sent = NowNs();
    auto answer =
        prober->Post("/api/v1/incidents", {}, Report("Probe " + std::to_string(n), "energy", 100000 + n));
    const int64_t answered = NowNs();
    if (!answer) {
      ++probe_failures;
      continue;
    }
    probes.push_back(Probe{std::string(answer->at("id").as_string()), sent, answered});
  }
  stop = true;
  for (auto& t : load) t.join();
  const double run_seconds = std::chrono::duration<double>(SteadyClock::now() - run_start).count();

  // Deliveries still in flight arrive; a probe slower than this counts as not delivered.
  std::this_thread::sleep_for(3s);
  streams.Stop();
  Arrivals webhook_arrivals = hooks.Take();
  const Arrivals& sse_arrivals = streams.arrivals();

  std::vector<double> last_ms, last_sse_ms, last_webhook_ms, each_ms, submit_ms;
  size_t incomplete = 0;
  auto since = [](int64_t t, int64_t t0) { return static_cast<double>(t - t0) / 1e6; };
  for (const Probe& p : probes) {
    submit_ms.push_back(since(p.answered_ns, p.sent_ns));
    static const std::vector<int64_t> kNone;
    auto a = sse_arrivals.find(p.id);
    auto b = webhook_arrivals.find(p.id);
    const std::vector<int64_t>& sse = a == sse_arrivals.end() ? kNone : a->second;
    const std::vector<int64_t>& hooked = b == webhook_arrivals.end() ? kNone : b->second;
    for (int64_t t : sse) each_ms.push_back(since(t, p.sent_ns));
    for (int64_t t : hooked) each_ms.push_back(since(t, p.sent_ns));
    if (sse.size() < static_cast<size_t>(options.sse) ||
        hooked.size() < static_cast<size_t>(options.webhooks)) {
      ++incomplete;
      continue;
    }
    last_sse_ms.push_back(since(*std::max_element(sse.begin(), sse.end()), p.sent_ns));
    last_webhook_ms.push_back(since(*std::max_element(hooked.begin(), hooked.end()), p.sent_ns));
    last_ms.push_back(std::max(last_sse_ms.back(), last_webhook_ms.back()));
  }
  const double sustained =
      static_cast<double>(background_ok.load() + static_cast<int64_t>(probes.size())) / run_seconds;
  std::printf(
      "run: %.1f s; submissions accepted %.0f/s (target %d/s background + probes), %lld failed; "
      "%zu probes, %zu not delivered to all %zu in time, %lld probe submissions failed; "
      "%d SSE connections closed by the node\n",
      run_seconds, sustained, options.rate, static_cast<long long>(background_failed.load()), probes.size(),
      incomplete, expected, static_cast<long long>(probe_failures), streams.Closed());
  std::printf("%-58s %10s %10s\n", "", "p50 ms", "p99 ms");
  std::printf("%-58s %10.1f %10.1f\n", "aiipd: submission -> last of all subscribers",
              Percentile(last_ms, 0.5), Percentile(last_ms, 0.99));
  std::printf("%-58s %10.1f %10.1f\n", "aiipd: submission -> last of the SSE connections",
              Percentile(last_sse_ms, 0.5), Percentile(last_sse_ms, 0.99));
  std::printf("%-58s %10.1f %10.1f\n", "aiipd: submission -> last of the webhooks",
              Percentile(last_webhook_ms, 0.5), Percentile(last_webhook_ms, 0.99));
  std::printf("%-58s %10.1f %10.1f\n", "aiipd: submission -> each delivery", Percentile(each_ms, 0.5),
              Percentile(each_ms, 0.99));
  std::printf("%-58s %10.1f %10.1f\n", "aiipd: submission round trip (POST answered)",
              Percentile(submit_ms, 0.5), Percentile(submit_ms, 0.99));

  // The peer: MISP's publish transport (ZeroMQ PUB/SUB) with the same fan-out and rates.
  const auto peer_script = aiip::testing::SourcePath("bench/zmq_fanout_peer.py");
  auto peer = aiip::testing::RunCommand({"/usr/bin/python3", peer_script.string(), "--subscribers",
                                         std::to_string(options.sse + options.webhooks), "--rate",
                                         std::to_string(options.rate), "--probe-interval-ms",
                                         std::to_string(options.probe_interval_ms), "--seconds",
                                         std::to_string(options.seconds)});
  if (peer.exit_code == 0) {
    std::printf("%s", peer.out.c_str());
  } else {
    std::printf("peer (ZeroMQ PUB/SUB via python3-zmq) did not run: %s\n", peer.err.c_str());
  }
  std::printf("target (issue 5): p99 < 250 ms to the last subscriber with >= 500 submissions/s\n");
  return incomplete == 0 && probe_failures == 0 ? 0 : 1;
}
