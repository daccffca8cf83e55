// End to end, on a real node: from a victim opening an attack case with 1,000,000 sources
// to every responder's mitigation request stored and pushed (issue 6, "Measured").
//
//  1. Loads Debian's location.db through the attribution engine and draws --count random
//     sources inside announced space (a uniformly chosen network with an origin AS, then a
//     uniform address in it; --v6-share of them IPv6), as mitigation_bench does.
//  2. Starts the aiipd found next to this program (127.0.0.1, port 0, a fresh data
//     directory, SQLite) and registers over HTTP: the Agency duty desk; an operator for each
//     of the --operators ASes with the most sources (ASN claimed and verified, an org-admin
//     token, a signed webhook to a receiver in this program); a national CSIRT for each of
//     the --csirts countries with the most sources; a 24/7 law-enforcement organisation for
//     the top 3; the victim. An administrator's event stream (all organisations,
//     mitigation.request) is read in the background.
//  3. Opens the case with one POST /api/v1/attacks whose body is the list (text/plain, one
//     address per line, the case fields in the query string) — or, with --part-bytes, with
//     the list in parts as `aiip attack open` sends one too large for a request body (the
//     rest through POST /attacks/{id}/sources; phases are then summed over the parts) —
//     then waits until the stream has carried every request and each operator's webhook
//     has received its request.
//
// Printed: the phases (upload and HTTP, reading the list, attribution, grouping,
// aggregation and tables, the store transaction, reading the case back, then the push over
// the stream and to the webhooks), the total, the node's peak memory, and checks of the
// answer against a grouping computed here. The peer: IntelMQ's one-at-a-time pipeline is
// not installable here; pyasn (Debian's python3-pyasn), the lookup IntelMQ's ASN expert
// uses, attributes the same addresses to ASes (loaded from the same networks) and groups
// them per AS in a dict, timed in the same run, beside our attribution and grouping; its
// answers are compared with ours.
//
// Run a release build (the node's figure depends on it):
//   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C build-rel aiipd attack_e2e_bench
//   build-rel/bin/attack_e2e_bench [--count N] [--operators K] [--csirts C] [--v6-share F] [--db PATH]
//                                  [--part-bytes B] [--aiipd PATH] [--keep]

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "client/http_client.h"
#include "common/json.h"
#include "common/log.h"
#include "http/server.h"
#include "response/attribution/libloc_loader.h"

namespace aiip {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
using attribution::IpAddress;
using attribution::Uint128;
using SteadyClock = std::chrono::steady_clock;

struct Options {
  std::string db{attribution::kDefaultLocationDb};
  std::string aiipd;
  size_t count = 1'000'000;
  size_t operators = 1000;
  size_t csirts = 20;
  double v6_share = 0.1;
  size_t part_bytes = 0;  // 0: the whole list in one request
  bool keep = false;
};

double Since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

pid_t node_pid = -1;  // the node this program started, killed on any way out

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "attack_e2e_bench: %s\n", what.c_str());
  if (node_pid > 0) ::kill(node_pid, SIGKILL);
  std::exit(1);
}

std::vector<IpAddress> DrawSources(const attribution::Table& table, const Options& o) {
  std::vector<uint32_t> v4_networks;
  std::vector<uint32_t> v6_networks;
  for (uint32_t i = 0; i < table.network_count(); ++i) {
    const attribution::NetworkInfo n = table.network(i);
    if (n.asn == 0) continue;
    (n.prefix.address.is_v4() ? v4_networks : v6_networks).push_back(i);
  }
  std::mt19937_64 rng(20261129);
  std::vector<IpAddress> out;
  out.reserve(o.count);
  const auto v6_count = static_cast<size_t>(static_cast<double>(o.count) * o.v6_share);
  for (size_t i = 0; i < o.count; ++i) {
    const bool v6 = i < v6_count;
    const auto& pool = v6 ? v6_networks : v4_networks;
    const attribution::NetworkInfo n = table.network(pool[rng() % pool.size()]);
    const Uint128 random = (Uint128{rng()} << 64) | rng();
    const Uint128 host_mask = n.prefix.last() - n.prefix.address.bits();
    const Uint128 bits = n.prefix.address.bits() | (random & host_mask);
    out.push_back(v6 ? IpAddress::V6(bits) : IpAddress::V4(static_cast<uint32_t>(bits)));
  }
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// ------------------------------------------------------------------ the node

class Node {
 public:
  Node(const Options& o, fs::path dir) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    const std::vector<std::string> args{o.aiipd,
                                        "--listen",
                                        "127.0.0.1:0",
                                        "--data-dir",
                                        dir_.string(),
                                        "--location-db",
                                        o.db,
                                        "--webhook-allow-http",
                                        "--mitigation-ack-target-s",
                                        "86400"};
    pid_ = ::fork();
    if (pid_ < 0) Die("fork failed");
    if (pid_ == 0) {
      const int log = ::open((dir_ / "aiipd.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      ::dup2(log, 2);
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      std::_Exit(127);
    }
    node_pid = pid_;
    const auto deadline = SteadyClock::now() + std::chrono::seconds(120);
    while (SteadyClock::now() < deadline) {
      url_ = ReadFile(dir_ / "aiipd.url");
      if (!url_.empty()) break;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = node_pid = -1;
        Die("aiipd exited during start-up; see " + (dir_ / "aiipd.log").string());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (url_.empty()) Die("aiipd did not listen within 120 s");
    admin_token_ = ReadFile(dir_ / "admin.token");
  }
  ~Node() { Stop(); }
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = node_pid = -1;
  }
  // The node's peak resident memory so far (VmHWM), in MB.
  double PeakMb() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with("VmHWM:")) return std::stod(line.substr(6)) / 1024.0;
    }
    return 0;
  }
  std::unique_ptr<client::HttpClient> Client(const std::string& token) const {
    client::ClientOptions options;
    options.server = url_;
    options.token = token;
    options.request_timeout = std::chrono::minutes(10);
    auto c = client::HttpClient::Create(options);
    if (!c) Die(c.error().ToString());
    return std::move(*c);
  }
  const std::string& url() const { return url_; }
  const std::string& admin_token() const { return admin_token_; }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
  std::string url_;
  std::string admin_token_;
};

bj::object Must(Result<bj::value> answer, const std::string& what) {
  if (!answer) Die(what + ": " + answer.error().ToString());
  return answer->is_object() ? answer->as_object() : bj::object{};
}

// ------------------------------------------------------------------ push receivers

// Counts the distinct webhook deliveries of mitigation.request (one per operator: each has
// one webhook).
class WebhookReceiver {
 public:
  WebhookReceiver() {
    http::ServerOptions options;
    options.threads = 4;
    server_ = std::make_unique<http::Server>(options, [this](http::Request& request) {
      if (request.Header("x-aiip-event") == "mitigation.request") {
        std::lock_guard lock(mu_);
        if (deliveries_.insert(std::string(request.Header("x-aiip-delivery").value_or(""))).second) {
          last_ = SteadyClock::now();
        }
      }
      http::Response response;
      response.content_type = "text/plain";
      response.body = "ok";
      return response;
    });
    if (Status started = server_->Start(); !started.ok()) Die("webhook receiver: " + started.ToString());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->BoundPort()) + "/aiip"; }
  size_t count() {
    std::lock_guard lock(mu_);
    return deliveries_.size();
  }
  SteadyClock::time_point last() {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  std::mutex mu_;
  std::set<std::string> deliveries_;
  SteadyClock::time_point last_{};
  std::unique_ptr<http::Server> server_;
};

// Reads an administrator's event stream and counts distinct mitigation.request subjects.
class StreamReader {
 public:
  explicit StreamReader(std::unique_ptr<client::HttpClient> client) : client_(std::move(client)) {
    thread_ = std::thread([this] {
      std::string buffer;
      Status ended = client_->Stream("/api/v1/stream", {{"all", "true"}, {"kinds", "mitigation.request"}}, {},
                                     [&](std::string_view data) {
                                       buffer.append(data);
                                       size_t end;
                                       while ((end = buffer.find("\n\n")) != std::string::npos) {
                                         Block(std::string_view(buffer).substr(0, end));
                                         buffer.erase(0, end + 2);
                                       }
                                       return !stop_.load();
                                     });
      if (!ended.ok() && !stop_.load())
        std::fprintf(stderr, "event stream ended: %s\n", ended.ToString().c_str());
    });
  }
  ~StreamReader() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  size_t count() {
    std::lock_guard lock(mu_);
    return subjects_.size();
  }
  SteadyClock::time_point last() {
    std::lock_guard lock(mu_);
    return last_;
  }
  bool connected() {
    std::lock_guard lock(mu_);
    return connected_;
  }

 private:
  void Block(std::string_view block) {
    std::lock_guard lock(mu_);
    if (block.find("retry:") != std::string_view::npos) connected_ = true;
    const size_t data = block.find("data: ");
    if (block.find("event: mitigation.request") == std::string_view::npos || data == std::string_view::npos)
      return;
    auto event = json::ParseObject(block.substr(data + 6));
    if (event && subjects_.insert(std::string(event->at("subject").as_string())).second) {
      last_ = SteadyClock::now();
    }
  }
  std::unique_ptr<client::HttpClient> client_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::set<std::string> subjects_;
  SteadyClock::time_point last_{};
  bool connected_ = false;
};

// ------------------------------------------------------------------ pyasn

constexpr const char* kPyasnScript = R"PY(
import sys, time
import pyasn
ipasn, addresses, answers = sys.argv[1:4]
db = pyasn.pyasn(ipasn)
with open(addresses) as f:
    addrs = f.read().split()
t0 = time.perf_counter()
found = [db.lookup(a) for a in addrs]
t1 = time.perf_counter()
groups = {}
for a, (asn, prefix) in zip(addrs, found):
    groups.setdefault(asn, []).append(a)
t2 = time.perf_counter()
with open(answers, "w") as out:
    for asn, prefix in found:
        out.write("%d\n" % (0 if asn is None or asn == 4294967295 else asn))
print(t1 - t0, t2 - t1, len(groups))
)PY";

struct PyasnResult {
  bool ran = false;
  std::string why;
  double lookup_seconds = 0;
  double group_seconds = 0;
  size_t groups = 0;
  size_t mismatches = 0;
};

PyasnResult RunPyasn(const attribution::Table& table, const std::vector<IpAddress>& sources,
                     const fs::path& dir) {
  PyasnResult r;
  const fs::path ipasn = dir / "networks.ipasn";
  {
    std::ofstream out(ipasn);
    out << "; IP-ASN32-DAT file\n; Original file : location.db\n;\n";
    for (uint32_t i = 0; i < table.network_count(); ++i) {
      const attribution::NetworkInfo n = table.network(i);
      // pyasn refuses AS 0: networks without an origin carry the reserved AS 4294967295.
      out << n.prefix.ToString() << "\t" << (n.asn == 0 ? 4294967295u : n.asn) << "\n";
    }
  }
  const fs::path addresses = dir / "addresses.txt";
  {
    std::ofstream out(addresses);
    for (const IpAddress& a : sources) out << a.ToString() << "\n";
  }
  const fs::path answers = dir / "pyasn_answers.txt";
  const fs::path timing = dir / "pyasn_timing.txt";
  const std::string command = "/usr/bin/python3 -c '" + std::string(kPyasnScript) + "' " + ipasn.string() +
                              " " + addresses.string() + " " + answers.string() + " > " + timing.string();
  if (std::system(command.c_str()) != 0) {
    r.why = "the pyasn script failed; is python3-pyasn installed for /usr/bin/python3?";
    return r;
  }
  std::ifstream(timing) >> r.lookup_seconds >> r.group_seconds >> r.groups;
  std::ifstream in(answers);
  uint32_t asn = 0;
  for (const IpAddress& a : sources) {
    if (!(in >> asn)) {
      ++r.mismatches;
      continue;
    }
    const attribution::Answer ours = table.Lookup(a);
    const uint32_t expected = ours.found() ? table.network(ours.network).asn : 0;
    if (asn != expected && ++r.mismatches <= 5) {
      std::fprintf(stderr, "pyasn mismatch for %s: AS%u, ours AS%u\n", a.ToString().c_str(), asn, expected);
    }
  }
  r.ran = true;
  return r;
}

// ------------------------------------------------------------------ the run

int Main(int argc, char** argv) {
  Options o;
  o.aiipd = (fs::read_symlink("/proc/self/exe").parent_path() / "aiipd").string();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + arg);
      return argv[++i];
    };
    if (arg == "--count") {
      o.count = std::stoul(value());
    } else if (arg == "--operators") {
      o.operators = std::stoul(value());
    } else if (arg == "--csirts") {
      o.csirts = std::stoul(value());
    } else if (arg == "--v6-share") {
      o.v6_share = std::stod(value());
    } else if (arg == "--db") {
      o.db = value();
    } else if (arg == "--aiipd") {
      o.aiipd = value();
    } else if (arg == "--part-bytes") {
      o.part_bytes = std::stoul(value());
    } else if (arg == "--keep") {
      o.keep = true;
    } else {
      Die("unknown argument " + arg);
    }
  }
  log::SetLevel(log::Level::kWarn);  // the webhook receiver's access log
  const fs::path dir = fs::temp_directory_path() / ("attack_e2e_bench_" + std::to_string(::getpid()));
  fs::create_directories(dir);

  std::printf("loading %s ...\n", o.db.c_str());
  auto loaded = attribution::LoadLocationDb(o.db);
  if (!loaded) Die(loaded.error().ToString());
  const attribution::Table& table = *loaded->table;
  const std::vector<IpAddress> sources = DrawSources(table, o);

  // Who the sources belong to, as this program sees it: for choosing the participants and
  // for checking the node's answer.
  std::vector<IpAddress> distinct = sources;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::unordered_map<uint32_t, std::map<std::string, size_t>> per_as;  // asn -> country -> sources
  std::map<std::string, size_t> per_country;
  for (const IpAddress& a : distinct) {
    const attribution::Answer answer = table.Lookup(a);
    const attribution::NetworkInfo n = table.network(answer.network);
    ++per_as[n.asn][std::string(n.country)];
    ++per_country[std::string(n.country)];
  }
  std::vector<std::pair<size_t, uint32_t>> as_order;
  for (const auto& [asn, countries] : per_as) {
    size_t total = 0;
    for (const auto& [c, k] : countries) total += k;
    as_order.emplace_back(total, asn);
  }
  std::sort(as_order.rbegin(), as_order.rend());
  std::vector<std::pair<size_t, std::string>> country_order;
  for (const auto& [c, k] : per_country) country_order.emplace_back(k, c);
  std::sort(country_order.rbegin(), country_order.rend());
  std::printf("%zu sources drawn (%zu distinct) in %zu ASes and %zu countries (%.0f %% IPv6)\n",
              sources.size(), distinct.size(), per_as.size(), per_country.size(), o.v6_share * 100);

  std::printf("starting %s (SQLite) in %s ...\n", o.aiipd.c_str(), dir.c_str());
  Node node(o, dir / "node");
  auto admin = node.Client(node.admin_token());
  WebhookReceiver receiver;

  // Participants.
  const auto setup_started = SteadyClock::now();
  auto organisation = [&](const std::string& name, const std::string& kind,
                          std::optional<std::string> state) -> std::optional<std::string> {
    bj::object body{{"name", name}, {"kind", kind}};
    if (state) body["state"] = *state;
    auto org = admin->Post("/api/v1/organisations", {}, body);
    if (!org) return std::nullopt;
    return std::string(org->at("id").as_string());
  };
  auto token = [&](const std::string& org, const std::string& role) {
    bj::object member = Must(admin->Post("/api/v1/members", {},
                                         bj::object{{"organisation", org},
                                                    {"name", role + " of " + org},
                                                    {"roles", bj::array{role.c_str()}}}),
                             "member");
    return std::string(
        Must(admin->Post("/api/v1/tokens", {}, bj::object{{"member", member.at("id")}}), "token")
            .at("token")
            .as_string());
  };
  if (!organisation("AIIP Duty Desk", "agency", std::nullopt)) Die("cannot create the duty desk");
  std::unordered_map<uint32_t, std::string> operator_of;
  for (const auto& [count, asn] : as_order) {
    if (operator_of.size() == o.operators) break;
    if (asn == 0) continue;
    const auto& countries = per_as[asn];
    const std::string country =
        std::max_element(countries.begin(), countries.end(), [](const auto& a, const auto& b) {
          return a.second < b.second;
        })->first;
    std::optional<std::string> org = organisation("Operator AS" + std::to_string(asn), "operator", country);
    if (!org) continue;  // not a State the registry knows (e.g. "EU")
    Must(admin->Post("/api/v1/operators/" + *org + "/asns", {}, bj::object{{"asn", asn}}), "asn");
    Must(admin->Post("/api/v1/asns/AS" + std::to_string(asn) + "/verify", {},
                     bj::object{{"organisation", *org}}),
         "verify");
    Must(node.Client(token(*org, "org-admin"))
             ->Post("/api/v1/webhooks", {},
                    bj::object{{"url", receiver.url()},
                               {"kinds", bj::array{"mitigation.request"}},
                               {"secret", "attack-e2e-bench-secret-0123456789"}}),
         "webhook");
    operator_of[asn] = *org;
  }
  std::set<std::string> csirt_countries;
  size_t police = 0;
  for (const auto& [count, country] : country_order) {
    if (csirt_countries.size() == o.csirts) break;
    if (country.empty() || !organisation("CSIRT " + country, "csirt", country)) continue;
    csirt_countries.insert(country);
    if (police < 3 && organisation("24/7 " + country, "law-enforcement-247", country)) ++police;
  }
  const std::optional<std::string> victim = organisation("Victim Hosting", "company", "FR");
  if (!victim) Die("cannot create the victim");
  const std::string victim_token = token(*victim, "analyst");
  std::printf(
      "registered %zu operators (verified ASNs, webhooks), %zu CSIRTs, %zu police contacts in %.1f s\n",
      operator_of.size(), csirt_countries.size(), police, Since(setup_started));

  // The responders this program expects: operator, else CSIRT of the country, else duty desk.
  std::set<std::string> expected_responders;
  std::set<std::string> expected_operators;
  for (const IpAddress& a : distinct) {
    const attribution::NetworkInfo n = table.network(table.Lookup(a).network);
    if (auto it = operator_of.find(n.asn); it != operator_of.end()) {
      expected_responders.insert(it->second);
      expected_operators.insert(it->second);
    } else if (csirt_countries.contains(std::string(n.country))) {
      expected_responders.insert("csirt:" + std::string(n.country));
    } else {
      expected_responders.insert("duty-desk");
    }
  }

  StreamReader stream(node.Client(node.admin_token()));
  while (!stream.connected()) std::this_thread::sleep_for(std::chrono::milliseconds(10));

  std::string body;
  body.reserve(sources.size() * 16);
  for (const IpAddress& a : sources) body += a.ToString() + "\n";
  // With --part-bytes, the list goes in parts cut at line ends, as `aiip attack open` sends
  // a list too large for one request body: the first part opens the case, each other one is
  // POST /api/v1/attacks/{id}/sources (and regroups every source of the case so far).
  std::vector<std::string> parts;
  for (std::string_view rest(body); !rest.empty();) {
    size_t cut = rest.size();
    if (o.part_bytes > 0 && cut > o.part_bytes) cut = rest.rfind('\n', o.part_bytes - 1) + 1;
    parts.emplace_back(rest.substr(0, cut));
    rest.remove_prefix(cut);
  }
  std::printf("opening the case: POST /api/v1/attacks, text/plain, %.1f MB in %zu request(s) ...\n",
              static_cast<double>(body.size()) / 1e6, parts.size());
  std::fflush(stdout);

  const double rss_before = node.PeakMb();
  const auto t0 = SteadyClock::now();
  std::string case_id;
  bj::object attack;
  double read = 0, attribute = 0, group = 0, prepare = 0, store = 0, total_server = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string path = i == 0 ? "/api/v1/attacks?target=198.51.100.10/32&ports=53&protocol=udp"
                                      "&from=2026-11-29T10:00:00Z&to=2026-11-29T10:05:00Z&lifetime=3600"
                                    : "/api/v1/attacks/" + case_id + "/sources";
    auto answer =
        node.Client(victim_token)
            ->PostRaw(path, "text/plain", {{"Authorization", "Bearer " + victim_token}}, std::move(parts[i]));
    if (!answer) Die("POST " + path + ": " + answer.error().ToString());
    if (answer->status != (i == 0 ? 201 : 200))
      Die("POST " + path + " answered " + std::to_string(answer->status) + ": " +
          answer->body.substr(0, 2000));
    auto parsed = json::ParseObject(answer->body);
    if (!parsed) Die("the answer is not JSON");
    attack = std::move(*parsed);
    case_id = std::string(attack.at("id").as_string());
    const bj::object& batch = attack.at("batch").as_object();
    auto seconds = [&](const char* key) { return batch.at(key).to_number<double>(); };
    read += seconds("read_seconds");
    attribute += seconds("attribute_seconds");
    group += seconds("group_seconds");
    prepare += seconds("prepare_seconds");
    store += seconds("store_seconds");
    total_server += seconds("total_seconds");
    if (parts.size() > 1) {
      std::printf("  part %zu of %zu: %s addresses, answered after %.3f s\n", i + 1, parts.size(),
                  bj::serialize(batch.at("addresses")).c_str(), Since(t0));
    }
  }
  const double answered = Since(t0);
  const size_t requests = attack.at("responders").as_array().size();

  const auto deadline = SteadyClock::now() + std::chrono::minutes(10);
  while ((stream.count() < requests || receiver.count() < expected_operators.size()) &&
         SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const double on_stream = std::chrono::duration<double>(stream.last() - t0).count();
  const double on_webhooks = std::chrono::duration<double>(receiver.last() - t0).count();
  const double peak = node.PeakMb();

  std::printf("\n== Opening a case with %zu sources (%zu distinct) on aiipd + SQLite ==\n", sources.size(),
              distinct.size());
  std::printf("  %-46s %8.3f s\n", "upload and HTTP (client time - node time)",
              answered - read - total_server);
  std::printf("  %-46s %8.3f s\n", "read the list (parse addresses)", read);
  std::printf("  %-46s %8.3f s\n", "attribution (as of the attack time)", attribute);
  std::printf("  %-46s %8.3f s\n", "grouping per (AS, country) and responder", group);
  std::printf("  %-46s %8.3f s\n", "aggregation, abuse contacts, tables", prepare - attribute - group);
  std::printf("  %-46s %8.3f s\n", "store: one transaction (case, requests, audit,", store);
  std::printf("  %-46s\n", "       events, webhook deliveries), committed");
  std::printf("  %-46s %8.3f s\n", "read the case back for the answer", total_server - prepare - store);
  std::printf("  %-46s %8.3f s\n", "-> answered (201; the last part with parts)", answered);
  std::printf("  %-46s %8.3f s  (%zu of %zu requests)\n", "-> every request on the event stream at",
              on_stream, stream.count(), requests);
  std::printf("  %-46s %8.3f s  (%zu of %zu operators)\n", "-> every operator's webhook received at",
              on_webhooks, receiver.count(), expected_operators.size());
  std::printf("  %-46s %8.3f s\n", "TOTAL: opened -> stored and pushed everywhere",
              std::max({answered, on_stream, on_webhooks}));
  std::printf("  node peak RSS: %.0f MB before the case, %.0f MB after\n", rss_before, peak);

  // Checks of the answer.
  size_t summed = 0;
  for (const bj::value& r : attack.at("responders").as_array()) summed += r.at("sources").to_number<size_t>();
  const bool ok_sources = attack.at("sources").to_number<size_t>() == distinct.size();
  const bool ok_requests = requests == expected_responders.size();
  const bool ok_sum = summed == distinct.size();
  const bool ok_push = stream.count() == requests && receiver.count() == expected_operators.size();
  std::printf(
      "  checks: case sources %s; %zu requests %s (expected %zu); responder sources sum %s; pushed %s\n",
      ok_sources ? "ok" : "WRONG", requests, ok_requests ? "ok" : "WRONG", expected_responders.size(),
      ok_sum ? "ok" : "WRONG", ok_push ? "ok" : "INCOMPLETE");

  std::printf("\n== Peer on the same addresses: pyasn (python3-pyasn), as in IntelMQ's ASN expert ==\n");
  std::fflush(stdout);
  node.Stop();
  const PyasnResult py = RunPyasn(table, sources, dir);
  if (!py.ran) {
    std::printf("  pyasn: not run (%s)\n", py.why.c_str());
  } else {
    std::printf("  %-46s %8.3f s   ours in the node: %.3f s (pyasn / ours: %.1fx)\n",
                "pyasn.lookup, one address at a time", py.lookup_seconds, attribute,
                py.lookup_seconds / std::max(attribute, 1e-9));
    std::printf("  %-46s %8.3f s   ours in the node: %.3f s (pyasn / ours: %.1fx)\n",
                "grouping per AS in a dict (ours: per (AS,", py.group_seconds, group,
                py.group_seconds / std::max(group, 1e-9));
    std::printf("  %-46s\n", "  country), sorted, deduplicated, responders)");
    std::printf("  pyasn agrees on the AS of %zu of %zu addresses (%zu per-AS groups)\n",
                sources.size() - py.mismatches, sources.size(), py.groups);
  }
  std::printf(
      "  IntelMQ itself (Redis queues, one event at a time) is not installable here; no peer exists\n"
      "  for the whole path (requests stored per operator and pushed).\n");
  if (!o.keep) fs::remove_all(dir);
  return ok_sources && ok_requests && ok_sum && ok_push && (!py.ran || py.mismatches == 0) ? 0 : 1;
}

}  // namespace
}  // namespace aiip

int main(int argc, char** argv) { return aiip::Main(argc, argv); }
