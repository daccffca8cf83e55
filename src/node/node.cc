#include "node/node.h"

#include <sys/stat.h>

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "api/api.h"
#include "audit/log.h"
#include "client/http_client.h"
#include "common/clock.h"
#include "common/embedded.h"
#include "common/files.h"
#include "common/log.h"
#include "common/random.h"
#include "crypto/ed25519.h"
#include "crypto/sha256.h"
#include "http/metrics.h"
#include "http/router.h"
#include "incidentsnet/service.h"
#include "legal/loader.h"
#include "legalnet/service.h"
#include "notify/event_log.h"
#include "notify/mail.h"
#include "notify/mail_message.h"
#include "notify/mail_smtp.h"
#include "notify/stream_hub.h"
#include "notify/webhooks.h"
#include "registry/registry.h"
#include "responsenet/service.h"
#include "store/store.h"
#include "taxii/service.h"
#include "vulnerabilities/service.h"

namespace aiip::node {
namespace demo {
extern const EmbeddedFile kFiles[];
extern const std::size_t kFileCount;
}  // namespace demo

namespace fs = std::filesystem;

struct Node::Parts {
  NodeOptions options;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<audit::AuditLog> audit;
  registry::ReferenceData reference;
  std::unique_ptr<registry::Registry> registry;
  std::unique_ptr<notify::EventLog> events;
  std::unique_ptr<notify::StreamHub> hub;
  std::unique_ptr<notify::WebhookDispatcher> dispatcher;
  std::unique_ptr<notify::MailDispatcher> mailer;  // null without an SMTP relay
  std::unique_ptr<vulnerabilities::VulnerabilityService> vulnerabilities;
  std::unique_ptr<incidentsnet::IncidentService> incidents;
  std::unique_ptr<taxii::TaxiiService> taxii;
  std::unique_ptr<responsenet::ResponseService> response;
  std::unique_ptr<legalnet::LegalNetworkService> legalnet;
  metrics::Registry metrics;
  std::unique_ptr<api::ApiContext> api_context;
  http::Router router;
  std::unique_ptr<http::Server> server;
  std::string url;
  bool stopped = false;
};

namespace {
// Posts one webhook delivery on a connection of its own (deliveries go to many receivers,
// and a client is not shared between dispatcher threads).
Result<int> PostWebhook(const std::string& url,
                        const std::vector<std::pair<std::string, std::string>>& headers,
                        const std::string& body) {
  client::ClientOptions options;
  options.server = url;
  options.connect_timeout = std::chrono::seconds(5);
  options.request_timeout = std::chrono::seconds(10);
  options.max_response_bytes = 64 << 10;
  options.user_agent = "aiipd-webhooks";
  AIIP_ASSIGN_OR_RETURN(auto http, client::HttpClient::Create(options));
  AIIP_ASSIGN_OR_RETURN(client::RawResponse response, http->PostRaw("", "application/json", headers, body));
  return response.status;
}

// The SMTP sender of the configured relay, or nullopt when e-mail is off. Checked before
// the store is opened, so a bad setting stops the node before it touches anything.
Result<std::optional<notify::MailSender>> SmtpSender(const NodeOptions& options) {
  if (options.smtp_relay.empty()) return std::optional<notify::MailSender>();
  AIIP_RETURN_IF_ERROR(notify::ValidateMailAddress(options.smtp_from, "smtp_from"));
  notify::SmtpOptions smtp;
  smtp.relay = options.smtp_relay;
  smtp.starttls = options.smtp_starttls;
  smtp.ca_file = options.smtp_ca_file;
  smtp.username = options.smtp_username;
  if (!options.smtp_password_file.empty()) {
    std::ifstream in(options.smtp_password_file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      return Err(
          FailedPrecondition("smtp", "cannot read the SMTP password file " + options.smtp_password_file));
    }
    smtp.password = text.str();
    // A file written by an editor or `echo` ends with a line break that is no part of it.
    while (!smtp.password.empty() && (smtp.password.back() == '\n' || smtp.password.back() == '\r')) {
      smtp.password.pop_back();
    }
  }
  AIIP_ASSIGN_OR_RETURN(notify::MailSender sender, notify::MakeSmtpSender(std::move(smtp)));
  return std::optional<notify::MailSender>(std::move(sender));
}

audit::EntryFields ToEntryFields(const registry::AuditEvent& event) {
  audit::EntryFields fields;
  fields.member_id = event.member;
  fields.organisation_id = event.organisation;
  fields.action = event.action;
  fields.object_id = event.object;
  fields.object_hash = crypto::Sha256(event.object_json);
  return fields;
}

// The legal reference data directory: `configured`, else the first of <exe>/../../data/legal
// (a build tree in the checkout), <exe>/../share/aiip/legal (an installation) and
// ./data/legal that holds conduct.json, as the CLI finds it; nullopt when none does.
Result<std::optional<fs::path>> LegalDataDir(const fs::path& configured) {
  std::error_code ec;
  if (!configured.empty()) {
    if (!fs::is_regular_file(configured / "conduct.json", ec)) {
      return Err(FailedPrecondition("legal-data", "no legal reference data (conduct.json) in " + configured.string()));
    }
    return std::optional<fs::path>(configured);
  }
  std::vector<fs::path> candidates;
  if (fs::path exe = fs::read_symlink("/proc/self/exe", ec); !ec) {
    candidates.push_back(exe.parent_path() / ".." / ".." / "data" / "legal");
    candidates.push_back(exe.parent_path() / ".." / "share" / "aiip" / "legal");
  }
  candidates.push_back(fs::path("data") / "legal");
  for (const fs::path& candidate : candidates) {
    if (fs::is_regular_file(candidate / "conduct.json", ec)) return std::optional<fs::path>(candidate.lexically_normal());
  }
  return std::optional<fs::path>();
}
}  // namespace

Node::Node(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Node::~Node() { Shutdown(); }

const std::string& Node::url() const { return parts_->url; }

Result<std::unique_ptr<Node>> Node::Start(const NodeOptions& options) {
  auto parts = std::make_unique<Parts>();
  parts->options = options;
  AIIP_ASSIGN_OR_RETURN(std::optional<notify::MailSender> mail_sender, SmtpSender(options));
  const fs::path& dir = options.data_dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return Err(
        FailedPrecondition("data-dir", "cannot create data directory " + dir.string() + ": " + ec.message()));
  ::chmod(dir.c_str(), 0700);
  fs::remove(dir / "aiipd.url", ec);

  store::StoreOptions store_options;
  store_options.url = options.database.empty() ? "sqlite:" + (dir / "aiip.db").string() : options.database;
  AIIP_ASSIGN_OR_RETURN(parts->store, store::Store::Open(store_options));
  if (!options.database.empty()) {
    // Offline tools (aiip audit verify --data-dir) find the database through this file.
    AIIP_RETURN_IF_ERROR(WritePrivateFile(dir / "database.url", options.database + "\n"));
  }

  AIIP_ASSIGN_OR_RETURN(auto key, crypto::LoadOrCreateNodeKey(dir, SecureRandom()));
  AIIP_ASSIGN_OR_RETURN(parts->audit, audit::AuditLog::Open(*parts->store, std::move(key), SystemClock()));

  AIIP_ASSIGN_OR_RETURN(parts->reference, registry::ReferenceData::LoadSystem(options.states_file));
  audit::AuditLog* audit_log = parts->audit.get();
  parts->registry = std::make_unique<registry::Registry>(
      *parts->store, parts->reference,
      [audit_log](store::Tx& tx, const registry::AuditEvent& event) {
        return StatusOf(audit_log->Append(tx, ToEntryFields(event)));
      },
      SystemClock(), SecureRandom());
  AIIP_RETURN_IF_ERROR(parts->registry->ImportStates());
  AIIP_ASSIGN_OR_RETURN(bool bootstrapped, parts->registry->Bootstrap(dir / "admin.token"));
  if (bootstrapped) {
    log::Info("bootstrapped an administrator", {{"token_file", (dir / "admin.token").string()}});
  }
  if (options.demo) {
    AIIP_ASSIGN_OR_RETURN(int created,
                          parts->registry->LoadDemo(demo::kFiles[0].contents, "data/demo/registry.json"));
    if (created > 0) log::Info("loaded demonstration data", {{"objects", created}});
  }

  registry::AuditAppend append_audit = [audit_log](store::Tx& tx, const registry::AuditEvent& event) {
    return StatusOf(audit_log->Append(tx, ToEntryFields(event)));
  };
  parts->events = std::make_unique<notify::EventLog>(*parts->store, SystemClock());
  parts->hub = std::make_unique<notify::StreamHub>(*parts->events);
  parts->dispatcher =
      std::make_unique<notify::WebhookDispatcher>(*parts->store, SystemClock(), SecureRandom(), PostWebhook);
  if (mail_sender) {
    notify::DispatcherOptions mail_options;
    mail_options.workers = 2;  // one relay: a few connections are enough
    parts->mailer =
        std::make_unique<notify::MailDispatcher>(*parts->store, SystemClock(), SecureRandom(),
                                                 options.smtp_from, std::move(*mail_sender), mail_options);
    log::Info("e-mail delivery on", {{"relay", options.smtp_relay}, {"from", options.smtp_from}});
  }
  notify::StreamHub* hub = parts->hub.get();
  notify::WebhookDispatcher* dispatcher = parts->dispatcher.get();
  notify::MailDispatcher* mailer = parts->mailer.get();
  parts->vulnerabilities = std::make_unique<vulnerabilities::VulnerabilityService>(
      *parts->store, *parts->events, append_audit, SystemClock(), SecureRandom(), [hub, dispatcher, mailer] {
        hub->Poke();
        dispatcher->Poke();
        if (mailer != nullptr) mailer->Poke();
      });
  AIIP_RETURN_IF_ERROR(parts->vulnerabilities->Load());

  incidentsnet::IncidentOptions incident_options;
  if (!options.sanitiser_rules.empty()) {
    std::ifstream in(options.sanitiser_rules, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      return Err(FailedPrecondition("sanitiser-rules", "cannot read sanitiser rules " + options.sanitiser_rules));
    }
    Result<incidents::sanitiser::Rules> rules = incidents::sanitiser::ParseRules(text.str());
    if (!rules) {
      return Err(FailedPrecondition("sanitiser-rules",
                                    options.sanitiser_rules + ": " + rules.error().ToString()));
    }
    incident_options.rules = std::move(*rules);
  }
  incident_options.statistics_k = options.statistics_k;
  parts->incidents = std::make_unique<incidentsnet::IncidentService>(
      *parts->store, *parts->events, append_audit, SystemClock(), SecureRandom(),
      [hub, dispatcher, mailer] {
        hub->Poke();
        dispatcher->Poke();
        if (mailer != nullptr) mailer->Poke();
      },
      std::move(incident_options));
  AIIP_RETURN_IF_ERROR(parts->incidents->Load());
  taxii::TaxiiOptions taxii_options;
  taxii_options.max_content_length = options.max_body_bytes;
  parts->taxii = std::make_unique<taxii::TaxiiService>(*parts->store, *parts->incidents, SystemClock(),
                                                       SecureRandom(), std::move(taxii_options));
  AIIP_RETURN_IF_ERROR(parts->taxii->Load());
  if (options.demo) {
    const std::span<const EmbeddedFile> files(demo::kFiles, demo::kFileCount);
    std::string_view manifest;
    for (const EmbeddedFile& file : files) {
      if (file.name == "vulnerabilities.json") manifest = file.contents;
    }
    AIIP_ASSIGN_OR_RETURN(int created, parts->vulnerabilities->LoadDemo(files, manifest));
    if (created > 0) log::Info("loaded demonstration advisories and inventories", {{"objects", created}});
  }

  responsenet::ResponseOptions response_options;
  response_options.location_db = options.location_db;
  response_options.extra_datasets = options.location_db_extra;
  response_options.duty_desk = options.duty_desk;
  response_options.max_prefixes = options.mitigation_max_prefixes;
  response_options.ack_target = options.mitigation_ack_target;
  parts->response = std::make_unique<responsenet::ResponseService>(
      *parts->store, *parts->events, append_audit, SystemClock(), SecureRandom(),
      [hub, dispatcher, mailer] {
        hub->Poke();
        dispatcher->Poke();
        if (mailer != nullptr) mailer->Poke();
      },
      response_options);
  AIIP_RETURN_IF_ERROR(parts->response->Load());
  parts->response->StartEscalations();

  AIIP_ASSIGN_OR_RETURN(std::optional<fs::path> legal_dir, LegalDataDir(options.legal_data_dir));
  if (legal_dir) {
    AIIP_ASSIGN_OR_RETURN(legal::LegalData legal_data, legal::LoadLegalData(*legal_dir));
    legalnet::LegalNetworkOptions legal_options;
    legal_options.ack_target = options.legal_ack_target;
    legal_options.urgent_ack_target = options.legal_urgent_ack_target;
    legal_options.preservation_period = options.legal_preservation;
    parts->legalnet = std::make_unique<legalnet::LegalNetworkService>(
        *parts->store, *parts->events, append_audit, SystemClock(), SecureRandom(), std::move(legal_data),
        legal_options, [hub, dispatcher, mailer] {
          hub->Poke();
          dispatcher->Poke();
          if (mailer != nullptr) mailer->Poke();
        });
    parts->legalnet->Start();
    log::Info("legal cooperation network on", {{"legal_data", legal_dir->string()}});
  } else {
    log::Warn("no legal reference data found; the legal cooperation network is off", {});
  }

  parts->api_context = std::make_unique<api::ApiContext>(
      api::ApiContext{*parts->store, *parts->registry, *parts->audit, parts->metrics, SystemClock(),
                      options.version, append_audit, parts->events.get(), parts->hub.get(),
                      parts->vulnerabilities.get(), options.webhook_allow_http});
  parts->api_context->response = parts->response.get();
  parts->api_context->incidents = parts->incidents.get();
  parts->api_context->taxii = parts->taxii.get();
  parts->api_context->legalnet = parts->legalnet.get();
  parts->api_context->mail_enabled = parts->mailer != nullptr;
  api::RegisterRoutes(parts->router, *parts->api_context);

  http::ServerOptions server_options;
  server_options.host = options.host;
  server_options.port = options.port;
  server_options.threads = options.threads;
  server_options.max_body_bytes = options.max_body_bytes;
  server_options.max_header_bytes = options.max_header_bytes;
  server_options.read_timeout = options.read_timeout;
  server_options.idle_timeout = options.idle_timeout;
  server_options.write_timeout = options.write_timeout;
  server_options.tls = options.tls;
  server_options.metrics = &parts->metrics;
  http::Router* router = &parts->router;
  parts->server = std::make_unique<http::Server>(server_options,
                                                 [router](http::Request& r) { return router->Handle(r); });
  AIIP_RETURN_IF_ERROR(parts->server->Start());

  std::string host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  parts->url = std::string(options.tls ? "https://" : "http://") + host + ":" +
               std::to_string(parts->server->BoundPort());
  AIIP_RETURN_IF_ERROR(WritePrivateFile(dir / "aiipd.url", parts->url + "\n"));
  log::Info("listening",
            {{"url", parts->url},
             {"data_dir", dir.string()},
             {"database", parts->store->dialect() == store::Dialect::kSqlite ? "sqlite" : "postgresql"},
             {"schema_version", parts->store->SchemaVersion()}});
  return std::unique_ptr<Node>(new Node(std::move(parts)));
}

void Node::RunUntilSignal() {
  parts_->server->RunUntilSignal(parts_->options.shutdown_grace);
  Shutdown();
}

void Node::Shutdown() {
  if (parts_ == nullptr || parts_->stopped) return;
  parts_->stopped = true;
  // Streams end first, so the server's graceful shutdown does not wait for them.
  parts_->hub->Stop();
  parts_->server->Shutdown(parts_->options.shutdown_grace);
  parts_->dispatcher->Stop();
  if (parts_->mailer) parts_->mailer->Stop();
  parts_->response->StopEscalations();
  if (parts_->legalnet) parts_->legalnet->Stop();
  // The server has stopped calling handlers; drain queued writes before closing.
  parts_->store->Close();
  std::error_code ec;
  fs::remove(parts_->options.data_dir / "aiipd.url", ec);
  log::Info("stopped", {});
}

}  // namespace aiip::node
