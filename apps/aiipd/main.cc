// aiipd: the AIIP node. Reads its configuration (doc/configuration.md), starts a Node and
// serves until SIGTERM or SIGINT. All the work is in src/node.
#include <cstdio>

#include "common/log.h"
#include "config/config.h"
#include "node/node.h"

namespace {
aiip::node::NodeOptions ToNodeOptions(const aiip::config::Config& c) {
  using std::chrono::seconds;
  aiip::node::NodeOptions o;
  o.host = c.listen_host;
  o.port = c.listen_port;
  o.data_dir = c.data_dir;
  o.database = c.database;
  o.threads = static_cast<int>(c.threads);
  o.max_body_bytes = static_cast<size_t>(c.max_body_bytes);
  o.max_header_bytes = static_cast<size_t>(c.max_header_bytes);
  o.read_timeout = seconds(c.read_timeout_s);
  o.idle_timeout = seconds(c.idle_timeout_s);
  o.write_timeout = seconds(c.write_timeout_s);
  o.sanitiser_rules = c.sanitiser_rules;
  o.statistics_k = static_cast<uint32_t>(c.statistics_k);
  if (!c.tls_cert.empty()) o.tls = aiip::http::TlsOptions{c.tls_cert, c.tls_key};
  o.states_file = c.states_file;
  o.demo = c.demo;
  o.webhook_allow_http = c.webhook_allow_http;
  o.location_db = c.location_db;
  for (size_t start = 0; start < c.location_db_extra.size();) {
    size_t end = c.location_db_extra.find(',', start);
    if (end == std::string::npos) end = c.location_db_extra.size();
    if (end > start) o.location_db_extra.push_back(c.location_db_extra.substr(start, end - start));
    start = end + 1;
  }
  o.duty_desk = c.duty_desk;
  o.mitigation_max_prefixes = static_cast<size_t>(c.mitigation_max_prefixes);
  o.mitigation_ack_target = seconds(c.mitigation_ack_target_s);
  o.legal_ack_target = seconds(c.legal_ack_target_s);
  o.legal_urgent_ack_target = seconds(c.legal_urgent_ack_target_s);
  o.legal_preservation = seconds(c.legal_preservation_s);
  o.smtp_relay = c.smtp_relay;
  o.smtp_starttls = c.smtp_starttls;
  o.smtp_ca_file = c.smtp_ca_file;
  o.smtp_username = c.smtp_username;
  o.smtp_password_file = c.smtp_password_file;
  o.smtp_from = c.smtp_from;
  o.shutdown_grace = seconds(c.shutdown_grace_s);
  o.version = AIIP_VERSION;
  return o;
}
}  // namespace

int main(int argc, char** argv) {
  auto invocation = aiip::config::LoadConfig(argc, argv, aiip::config::ProcessEnvironment());
  if (!invocation) {
    std::fprintf(stderr, "aiipd: %s\n", invocation.error().detail().c_str());
    return 2;
  }
  switch (invocation->action) {
    case aiip::config::Action::kHelp:
    case aiip::config::Action::kVersion:
      std::fputs(invocation->text.c_str(), stdout);
      return 0;
    case aiip::config::Action::kPrintConfig:
      std::fputs(aiip::config::PrintConfig(invocation->config).c_str(), stdout);
      return 0;
    case aiip::config::Action::kRun:
      break;
  }
  aiip::log::Level level;
  if (aiip::log::ParseLevel(invocation->config.log_level, level)) aiip::log::SetLevel(level);

  auto node = aiip::node::Node::Start(ToNodeOptions(invocation->config));
  if (!node) {
    aiip::log::Error("start-up failed", {{"error", node.error().ToString()}});
    std::fprintf(stderr, "aiipd: %s\n", node.error().ToString().c_str());
    return 1;
  }
  std::printf("AIIP node listening on %s (administrator token: %s/admin.token)\n", (*node)->url().c_str(),
              invocation->config.data_dir.c_str());
  std::fflush(stdout);
  (*node)->RunUntilSignal();
  return 0;
}
