// Node: one running AIIP node — the wiring of storage, the node key, the transparency
// log, the registry, the API router and the HTTP server. `aiipd` is a thin main() around
// it; tests and benchmarks can start a Node in-process too.
//
// Start-up order matters and is fixed here: open (and migrate) the store; create or load
// the node key (DIR/node.key, mode 0600; DIR/node.pub); open the audit log; import the
// ISO 3166 States; bootstrap an administrator (DIR/admin.token, mode 0600) if none exists;
// load demonstration data if asked; rebuild the vulnerability database and inventory index
// from the store; start the event stream hub, the webhook dispatcher and (with an SMTP
// relay) the mail dispatcher; then listen and write the bound URL to DIR/aiipd.url.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "http/server.h"

namespace aiip::node {

struct NodeOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8700;
  std::filesystem::path data_dir = "var/aiip";
  std::string database;  // empty: SQLite in data_dir/aiip.db; else a PostgreSQL URL
  int threads = 4;
  size_t max_body_bytes = 32 << 20;
  size_t max_header_bytes = 16 << 10;
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
  // The incident clearinghouse (doc/incidents_node.md): the sanitiser rules file (empty:
  // the engine's defaults) and the organisations a published statistics cell needs.
  std::string sanitiser_rules;
  uint32_t statistics_k = 5;
  std::optional<http::TlsOptions> tls;
  std::string states_file = "/usr/share/iso-codes/json/iso_3166-1.json";
  bool demo = false;  // load the demonstration data shipped in the binary
  bool webhook_allow_http = false;  // accept http:// webhook URLs (not only https://)
  // The response network (doc/response.md): location datasets, the duty desk's name, the
  // prefix budget per mitigation request and the acknowledgement target.
  std::string location_db = "/usr/share/libloc-location/location.db";
  std::vector<std::string> location_db_extra;
  std::string duty_desk = "AIIP Duty Desk";
  size_t mitigation_max_prefixes = 16;
  std::chrono::milliseconds mitigation_ack_target{std::chrono::seconds(900)};
  // The legal cooperation network (doc/legal_network.md): its reference data (empty: the
  // first of <exe>/../../data/legal, <exe>/../share/aiip/legal and ./data/legal that holds
  // conduct.json; none found = the network is off) and its timers.
  std::filesystem::path legal_data_dir;
  std::chrono::milliseconds legal_ack_target{std::chrono::hours(24)};
  std::chrono::milliseconds legal_urgent_ack_target{std::chrono::hours(1)};
  std::chrono::milliseconds legal_preservation{std::chrono::hours(24 * 60)};
  // E-mail delivery of events (doc/notify.md "E-mail"): off when smtp_relay is empty; the
  // password is read from smtp_password_file at start-up.
  std::string smtp_relay;
  bool smtp_starttls = false;
  std::string smtp_ca_file;
  std::string smtp_username;
  std::string smtp_password_file;
  std::string smtp_from;
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(10)};
  std::string version;
};

class Node {
 public:
  // Runs the start-up sequence above and starts serving. Returns the first failure (with
  // the file, address or database it concerns); nothing is left listening on failure.
  static Result<std::unique_ptr<Node>> Start(const NodeOptions& options);
  ~Node();

  // "http://HOST:PORT" or "https://…" actually bound.
  const std::string& url() const;
  // Blocks until SIGTERM/SIGINT, then shuts down gracefully (in-flight requests finish,
  // queued writes commit) and returns.
  void RunUntilSignal();
  // Graceful shutdown from another thread. Idempotent.
  void Shutdown();

 private:
  struct Parts;
  explicit Node(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace aiip::node
