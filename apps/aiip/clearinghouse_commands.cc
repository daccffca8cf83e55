// aiip inventory | subscription | webhook | events | stream: the vulnerability clearinghouse
// and the notification channels of a node, one subcommand per route (doc/cli.md).

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "aiip/commands.h"
#include "aiip/output.h"
#include "client/event_stream.h"
#include "common/json.h"

namespace aiip::cli {

namespace {

namespace bj = boost::json;

const std::vector<Column> kInventoryColumns = {{"ID", "id"},
                                               {"NAME", "name"},
                                               {"FORMAT", "format"},
                                               {"COMPONENTS", "components"},
                                               {"CPE", "cpe_matching"},
                                               {"VERSION", "version"}};
const std::vector<Column> kFindingColumns = {
    {"PURL", "purl"},   {"VULNERABILITY", "id"},      {"ALIASES", "aliases"},
    {"FIXED", "fixed"}, {"CONFIDENCE", "confidence"}, {"SUPPRESSED", "suppressed"}};
const std::vector<Column> kSubscriptionColumns = {
    {"ID", "id"}, {"INVENTORY", "inventory"}, {"MIN SEVERITY", "min_severity"}, {"CHANNELS", "channels"}};
const std::vector<Column> kWebhookColumns = {
    {"ID", "id"}, {"URL", "url"}, {"KINDS", "kinds"}, {"DISABLED", "disabled"}, {"CREATED", "created_at"}};
const std::vector<Column> kDeliveryColumns = {{"EVENT", "event_seq"},   {"STATE", "state"},
                                              {"ATTEMPTS", "attempts"}, {"STATUS", "last_status"},
                                              {"ERROR", "last_error"},  {"DELIVERED", "delivered_at"}};
const std::vector<Column> kEventColumns = {
    {"SEQ", "seq"}, {"TIME", "created_at"}, {"KIND", "kind"}, {"SUBJECT", "subject"}};

// What an inventory is made of, from the command line: an SBOM file, or purls/CPEs.
struct InventoryContent {
  std::optional<std::string> sbom;
  std::vector<std::string> purls, cpes;
  std::optional<std::string> name;
  bool cpe_matching = false;

  void AddOptions(CLI::App* command) {
    AddOptional(command, "--sbom", sbom, "CycloneDX or SPDX JSON file")->check(CLI::ExistingFile);
    AddRepeatable(command, "--purl", purls, "A package URL with its version (repeatable)");
    AddRepeatable(command, "--cpe", cpes, "A CPE 2.3 name (repeatable)");
    command->add_flag("--cpe-matching", cpe_matching, "Also match by CPE (lower confidence)");
  }

  Result<bj::object> Body() const {
    const int given = sbom.has_value() + !purls.empty() + !cpes.empty();
    if (given != 1) return Err(UsageError("give exactly one of --sbom, --purl or --cpe"));
    bj::object body{{"cpe_matching", cpe_matching}};
    if (name) body["name"] = *name;
    if (sbom) {
      std::ifstream in(*sbom, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      if (!in) return Err(UsageError("cannot read " + *sbom));
      Result<bj::object> document = json::ParseObject(text.str());
      if (!document) return Err(UsageError(*sbom + ": " + document.error().detail()));
      body["document"] = std::move(*document);
    } else if (!purls.empty()) {
      body["purls"] = ToArray(purls);
    } else {
      body["cpes"] = ToArray(cpes);
    }
    return body;
  }
};

// Shows an inventory answer: the inventory, then its findings as a table.
Status ShowInventoryWithFindings(Session& session, const bj::value& answer) {
  if (session.json()) return session.ShowObject(answer);
  if (!answer.is_object()) return InvalidResponse("the inventory is not a JSON object");
  bj::object inventory = answer.get_object();
  bj::value findings = inventory.contains("findings") ? inventory["findings"] : bj::value(bj::array{});
  inventory.erase("findings");
  AIIP_RETURN_IF_ERROR(session.ShowObject(inventory));
  if (findings.is_array() && !findings.get_array().empty()) {
    session.out() << '\n';
    session.ShowList(bj::object{{"items", findings}, {"next_cursor", nullptr}}, kFindingColumns);
  }
  return Status::Ok();
}

void AddInventoryCommands(CLI::App& app, CommandTable& table) {
  CLI::App* inventory = app.add_subcommand("inventory", "What an organisation runs: SBOMs, purls, CPEs");
  inventory->require_subcommand(1);

  struct AddOptions {
    InventoryContent content;
    std::string name;
    std::optional<std::string> organisation;
  };
  auto add = std::make_shared<AddOptions>();
  CLI::App* add_cmd = inventory->add_subcommand("add", "Register an inventory and show its findings");
  add_cmd->add_option("--name", add->name, "Name")->required();
  AddOptional(add_cmd, "--org", add->organisation, "Organisation id (administrators)");
  add->content.AddOptions(add_cmd);
  table.Add(add_cmd, [add](Session& session) -> Status {
    add->content.name = add->name;
    AIIP_ASSIGN_OR_RETURN(bj::object body, add->content.Body());
    if (add->organisation) body["organisation"] = *add->organisation;
    AIIP_ASSIGN_OR_RETURN(bj::value answer, session.Call(Method::kPost, kApi + "/inventories", {}, body));
    return ShowInventoryWithFindings(session, answer);
  });

  struct ReplaceOptions {
    InventoryContent content;
    std::string id, name;
    std::optional<int64_t> version;
  };
  auto replace = std::make_shared<ReplaceOptions>();
  CLI::App* replace_cmd = inventory->add_subcommand("replace", "Replace an inventory's content");
  replace_cmd->add_option("id", replace->id, "Inventory id")->required();
  replace_cmd->add_option("--name", replace->name, "Name")->required();
  AddOptional(replace_cmd, "--version", replace->version, "Apply only if still at this version")
      ->check(CLI::PositiveNumber);
  replace->content.AddOptions(replace_cmd);
  table.Add(replace_cmd, [replace](Session& session) -> Status {
    replace->content.name = replace->name;
    AIIP_ASSIGN_OR_RETURN(bj::object body, replace->content.Body());
    if (replace->version) body["version"] = *replace->version;
    AIIP_ASSIGN_OR_RETURN(bj::value answer,
                          session.Call(Method::kPut, PathOf("inventories", replace->id), {}, body));
    return ShowInventoryWithFindings(session, answer);
  });

  struct ListOptions {
    std::optional<std::string> organisation;
    PageOptions page;
  };
  auto list = std::make_shared<ListOptions>();
  CLI::App* list_cmd = inventory->add_subcommand("list", "List inventories");
  AddOptional(list_cmd, "--org", list->organisation, "Organisation id (default: yours)");
  table.Add(list_cmd, Keep(list, ListAll(
                                     kApi + "/inventories",
                                     [list] {
                                       Query q;
                                       AddIfGiven(q, "organisation", list->organisation);
                                       return q;
                                     },
                                     list->page, kInventoryColumns)));

  auto show_id = std::make_shared<std::string>();
  CLI::App* show = inventory->add_subcommand("show", "Show one inventory");
  show->add_option("id", *show_id, "Inventory id")->required();
  table.Add(show,
            Keep(show_id, ShowOne(Method::kGet, [show_id] { return PathOf("inventories", *show_id); })));

  auto findings_id = std::make_shared<std::string>();
  CLI::App* findings = inventory->add_subcommand("findings", "What affects an inventory now");
  findings->add_option("id", *findings_id, "Inventory id")->required();
  table.Add(findings, [findings_id](Session& session) -> Status {
    AIIP_ASSIGN_OR_RETURN(bj::value answer,
                          session.Call(Method::kGet, PathOf("inventories", *findings_id) + "/findings"));
    if (session.json()) return session.ShowObject(answer);
    if (!answer.is_object() || !answer.get_object().contains("findings")) {
      return InvalidResponse("the findings answer has no findings");
    }
    session.ShowList(bj::object{{"items", answer.at("findings")}, {"next_cursor", nullptr}}, kFindingColumns);
    return Status::Ok();
  });

  auto delete_id = std::make_shared<std::string>();
  CLI::App* delete_cmd = inventory->add_subcommand("delete", "Delete an inventory");
  delete_cmd->add_option("id", *delete_id, "Inventory id")->required();
  table.Add(delete_cmd, Keep(delete_id, DeleteOne([delete_id] { return PathOf("inventories", *delete_id); },
                                                  "inventory", *delete_id)));
}

void AddSubscriptionCommands(CLI::App& app, CommandTable& table) {
  CLI::App* subscription =
      app.add_subcommand("subscription", "Which inventories' alerts are pushed, and how");
  subscription->require_subcommand(1);

  struct AddOptions {
    std::optional<std::string> inventory, min_severity, organisation;
    std::vector<std::string> channels;
  };
  auto add = std::make_shared<AddOptions>();
  CLI::App* add_cmd = subscription->add_subcommand("add", "Subscribe to alerts");
  AddOptional(add_cmd, "--inventory", add->inventory,
              "Only this inventory (default: all of the organisation's)");
  AddOptional(add_cmd, "--min-severity", add->min_severity,
              "none, low, medium, high or critical (default none)");
  AddRepeatable(add_cmd, "--channel", add->channels,
                "stream, webhook or email (repeatable; default stream and webhook)");
  AddOptional(add_cmd, "--org", add->organisation, "Organisation id (administrators)");
  table.Add(add_cmd, Keep(add, ShowOne(
                                   Method::kPost, [] { return kApi + "/subscriptions"; },
                                   [add] {
                                     bj::object body;
                                     if (add->inventory) body["inventory"] = *add->inventory;
                                     if (add->min_severity) body["min_severity"] = *add->min_severity;
                                     if (!add->channels.empty()) body["channels"] = ToArray(add->channels);
                                     if (add->organisation) body["organisation"] = *add->organisation;
                                     return bj::value(std::move(body));
                                   })));

  auto list = std::make_shared<PageOptions>();
  CLI::App* list_cmd = subscription->add_subcommand("list", "List subscriptions");
  table.Add(list_cmd, Keep(list, ListAll(kApi + "/subscriptions", {}, *list, kSubscriptionColumns)));

  auto delete_id = std::make_shared<std::string>();
  CLI::App* delete_cmd = subscription->add_subcommand("delete", "Delete a subscription");
  delete_cmd->add_option("id", *delete_id, "Subscription id")->required();
  table.Add(delete_cmd, Keep(delete_id, DeleteOne([delete_id] { return PathOf("subscriptions", *delete_id); },
                                                  "subscription", *delete_id)));
}

void AddWebhookCommands(CLI::App& app, CommandTable& table) {
  CLI::App* webhook = app.add_subcommand("webhook", "Endpoints that receive signed event deliveries");
  webhook->require_subcommand(1);

  struct AddOptions {
    std::string url;
    std::vector<std::string> kinds;
    std::optional<std::string> secret;
  };
  auto add = std::make_shared<AddOptions>();
  CLI::App* add_cmd = webhook->add_subcommand("add", "Register a webhook (the secret is shown once)");
  add_cmd->add_option("url", add->url, "https:// URL")->required();
  AddRepeatable(add_cmd, "--kind", add->kinds, "Event kind to deliver (repeatable; default all)");
  AddOptional(add_cmd, "--secret", add->secret, "Signing secret, 16+ characters (default: generated)");
  table.Add(add_cmd, Keep(add, ShowOne(
                                   Method::kPost, [] { return kApi + "/webhooks"; },
                                   [add] {
                                     bj::object body{{"url", add->url}};
                                     if (!add->kinds.empty()) body["kinds"] = ToArray(add->kinds);
                                     if (add->secret) body["secret"] = *add->secret;
                                     return bj::value(std::move(body));
                                   })));

  auto list_page = std::make_shared<PageOptions>();
  CLI::App* list_cmd = webhook->add_subcommand("list", "List webhooks");
  table.Add(list_cmd, Keep(list_page, ListAll(kApi + "/webhooks", {}, *list_page, kWebhookColumns)));

  struct DeliveriesOptions {
    std::string id;
    std::optional<std::string> after;
    PageOptions page;
  };
  auto deliveries = std::make_shared<DeliveriesOptions>();
  CLI::App* deliveries_cmd = webhook->add_subcommand("deliveries", "Delivery records of a webhook");
  deliveries_cmd->add_option("id", deliveries->id, "Webhook id")->required();
  AddOptional(deliveries_cmd, "--after", deliveries->after, "Only events after this seq");
  table.Add(deliveries_cmd, [deliveries](Session& session) -> Status {
    Query query;
    AddIfGiven(query, "after", deliveries->after);
    AIIP_ASSIGN_OR_RETURN(
        bj::object page,
        session.FetchList(PathOf("webhooks", deliveries->id) + "/deliveries", query, deliveries->page));
    session.ShowList(page, kDeliveryColumns);
    return Status::Ok();
  });

  auto delete_id = std::make_shared<std::string>();
  CLI::App* delete_cmd = webhook->add_subcommand("delete", "Disable a webhook");
  delete_cmd->add_option("id", *delete_id, "Webhook id")->required();
  table.Add(delete_cmd, Keep(delete_id, DeleteOne([delete_id] { return PathOf("webhooks", *delete_id); },
                                                  "webhook", *delete_id)));
}

void AddEventCommands(CLI::App& app, CommandTable& table) {
  struct Options {
    int64_t after = 0;
    std::optional<int64_t> limit;
    bool follow = false;
    bool all = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* events =
      app.add_subcommand("events", "Your organisation's events (alerts, requests) after a seq");
  events->add_option("--after", options->after, "Only events after this seq (default 0)")
      ->check(CLI::NonNegativeNumber);
  AddOptional(events, "--limit", options->limit, "At most this many per request (1..1000)")
      ->check(CLI::Range(int64_t{1}, int64_t{1000}));
  events->add_flag("--follow", options->follow, "Keep polling every second for new events (Ctrl-C stops)");
  events->add_flag("--all", options->all, "Every organisation's events (administrators)");
  table.Add(events, [options](Session& session) -> Status {
    int64_t after = options->after;
    while (true) {
      Query query{{"after", std::to_string(after)}};
      if (options->limit) query.emplace_back("limit", std::to_string(*options->limit));
      if (options->all) query.emplace_back("all", "true");
      AIIP_ASSIGN_OR_RETURN(bj::value answer, session.Call(Method::kGet, kApi + "/events", query));
      if (!answer.is_object() || !answer.get_object().contains("items") || !answer.at("items").is_array()) {
        return InvalidResponse("the events answer has no items");
      }
      const bj::array& items = answer.at("items").get_array();
      if (session.json()) {
        for (const bj::value& item : items) session.out() << bj::serialize(item) << '\n';
      } else if (!items.empty() || !options->follow) {
        session.ShowList(bj::object{{"items", items}, {"next_cursor", nullptr}}, kEventColumns);
      }
      session.out().flush();
      if (!items.empty()) after = items.back().at("seq").to_number<int64_t>();
      if (!options->follow) return Status::Ok();
      if (items.empty()) std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  });
}

// Whether an event kind passes a --kinds filter as the node applies it: exact kinds, or
// prefixes ending in ".".
bool KindSelected(std::string_view kind, const std::vector<std::string>& kinds) {
  if (kinds.empty()) return true;
  for (const std::string& k : kinds) {
    if (k == kind || (k.ends_with('.') && kind.starts_with(k))) return true;
  }
  return false;
}

// aiip stream: the server-sent event stream, printed as events arrive. Like a browser's
// EventSource it reconnects after the server's `retry:` delay with `Last-Event-ID`, so no
// event is lost or printed twice across a dropped connection; when the node says the replay
// was truncated it pages the gap through /events before reconnecting.
void AddStreamCommand(CLI::App& app, CommandTable& table) {
  struct Options {
    std::vector<std::string> kinds;
    std::optional<int64_t> last_event_id;
    std::optional<int64_t> count;
  };
  auto options = std::make_shared<Options>();
  CLI::App* stream =
      app.add_subcommand("stream", "Print your organisation's events as they arrive (server-sent events)");
  stream->add_option("--kinds", options->kinds, "Only these kinds (exact, or a prefix ending in '.')")
      ->delimiter(',');
  AddOptional(stream, "--last-event-id", options->last_event_id,
              "Start after this seq (default: only events from now on)")
      ->check(CLI::NonNegativeNumber);
  AddOptional(stream, "--count", options->count, "Exit after printing this many events")
      ->check(CLI::PositiveNumber);
  table.Add(stream, [options](Session& session) -> Status {
    AIIP_ASSIGN_OR_RETURN(HttpClient * client, session.Client());
    std::string last_id = options->last_event_id ? std::to_string(*options->last_event_id) : "";
    int64_t printed = 0;
    auto print = [&](const bj::object& event) {
      if (session.json()) {
        session.out() << bj::serialize(event) << '\n';
      } else {
        auto text = [&](std::string_view key) {
          const bj::value* v = event.if_contains(key);
          return v && v->is_string() ? Printable(v->get_string()) : std::string("-");
        };
        const bj::value* seq = event.if_contains("seq");
        session.out() << (seq ? bj::serialize(*seq) : "-") << "  " << text("created_at") << "  "
                      << text("kind") << "  " << text("subject") << '\n';
      }
      session.out().flush();
      ++printed;
    };
    auto done = [&] { return options->count && printed >= *options->count; };
    Query query;
    if (!options->kinds.empty()) {
      std::string joined;
      for (const std::string& k : options->kinds) joined += (joined.empty() ? "" : ",") + k;
      query.emplace_back("kinds", joined);
    }
    while (true) {
      client::EventStreamParser parser;
      Status problem;
      std::optional<int64_t> truncated_after;
      std::vector<std::pair<std::string, std::string>> headers{{"Accept", "text/event-stream"}};
      if (!last_id.empty()) headers.emplace_back("Last-Event-ID", last_id);
      Status streamed = client->Stream(kApi + "/stream", query, headers, [&](std::string_view piece) {
        Status fed = parser.Feed(piece, [&](const client::ServerSentEvent& e) {
          if (done() || !problem.ok()) return;
          auto data = json::ParseObject(e.data);
          if (!data) {
            problem =
                InvalidResponse("an event of the stream is not a JSON object: " + data.error().detail());
            return;
          }
          if (e.type == "replay-truncated") {
            if (const bj::value* after = data->if_contains("resume_after"); after && after->is_int64())
              truncated_after = after->get_int64();
            return;
          }
          if (!e.id.empty()) last_id = e.id;
          print(*data);
        });
        if (problem.ok()) problem = fed;
        return problem.ok() && !done();
      });
      AIIP_RETURN_IF_ERROR(problem);
      if (done()) return Status::Ok();
      if (!streamed.ok() && !IsTransportError(streamed)) return streamed;
      if (truncated_after) {
        // More than the stream replays: page the gap, then resume the stream after it.
        for (int64_t after = *truncated_after;;) {
          AIIP_ASSIGN_OR_RETURN(bj::value page,
                                session.Call(Method::kGet, kApi + "/events",
                                             {{"after", std::to_string(after)}, {"limit", "1000"}}));
          if (!page.is_object() || !page.get_object().contains("items") || !page.at("items").is_array())
            return InvalidResponse("the events answer has no items");
          const bj::array& items = page.at("items").get_array();
          if (items.empty()) break;
          for (const bj::value& item : items) {
            if (!item.is_object() || !item.get_object().contains("seq") || !item.at("seq").is_int64())
              return InvalidResponse("an event has no seq");
            after = item.at("seq").get_int64();
            last_id = std::to_string(after);
            const bj::value* kind = item.get_object().if_contains("kind");
            if (kind && kind->is_string() && KindSelected(kind->get_string(), options->kinds))
              print(item.get_object());
            if (done()) return Status::Ok();
          }
        }
        continue;
      }
      const int64_t retry_ms = parser.retry_ms().value_or(3000);
      session.err() << (streamed.ok() ? "the node ended the stream" : streamed.detail())
                    << "; reconnecting in " << retry_ms << " ms\n";
      std::this_thread::sleep_for(std::chrono::milliseconds(retry_ms));
    }
  });
}

}  // namespace

void AddClearinghouseCommands(CLI::App& app, CommandTable& table) {
  AddInventoryCommands(app, table);
  AddSubscriptionCommands(app, table);
  AddWebhookCommands(app, table);
  AddEventCommands(app, table);
  AddStreamCommand(app, table);
}

}  // namespace aiip::cli
