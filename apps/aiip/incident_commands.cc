// aiip incident | group: the incident clearinghouse of a node — submit a report (native JSON
// or a STIX 2.1 bundle), read what the access rules let you read, correlations, public
// statistics, sharing groups and early-warning subscriptions (doc/cli.md,
// doc/incidents_node.md).

#include <fstream>
#include <sstream>

#include "aiip/commands.h"
#include "aiip/settings.h"
#include "common/json.h"

namespace aiip::cli {

namespace {

namespace bj = boost::json;

const std::vector<Column> kIncidentColumns = {{"ID", "id"},
                                              {"TLP", "tlp"},
                                              {"SECTOR", "sector"},
                                              {"ATTACK", "attack_type"},
                                              {"FIRST SEEN", "first_seen"},
                                              {"TITLE", "title"},
                                              {"OWN", "own"}};
const std::vector<Column> kGroupColumns = {
    {"ID", "id"}, {"NAME", "name"}, {"OWNER", "owner"}, {"MEMBERS", "members"}, {"VERSION", "version"}};
const std::vector<Column> kSubscriptionColumns = {{"ID", "id"},
                                                  {"SECTORS", "sectors"},
                                                  {"REGIONS", "regions"},
                                                  {"ATTACK TYPES", "attack_types"},
                                                  {"PRODUCTS", "products"},
                                                  {"INDICATOR TYPES", "indicator_types"},
                                                  {"CHANNELS", "channels"}};
const std::vector<Column> kCorrelationColumns = {{"TYPE", "type"},
                                                 {"VALUE", "value"},
                                                 {"MATCH", "report"},
                                                 {"MATCH VALUE", "match"},
                                                 {"RELATION", "relation"}};

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return Err(UsageError("cannot read " + path));
  return text.str();
}

// A STIX bundle travels as application/stix+json with its exact bytes, which Session::Call
// (JSON only) cannot send: the token comes from $AIIP_TOKEN or the config file.
Status SubmitStix(Session& session, const std::string& text) {
  AIIP_ASSIGN_OR_RETURN(HttpClient * client, session.Client());
  AIIP_ASSIGN_OR_RETURN(Settings settings, ResolveSettings(SettingsFlags{}, session.env()));
  std::vector<std::pair<std::string, std::string>> headers;
  if (!settings.token.empty()) headers.emplace_back("authorization", "Bearer " + settings.token);
  AIIP_ASSIGN_OR_RETURN(
      client::RawResponse response,
      client->PostRaw(kApi + "/incidents", "application/stix+json;version=2.1", headers, text));
  Result<bj::value> answer = json::Parse(response.body);
  if (response.status == 201 && answer) return session.ShowObject(*answer);
  std::string detail = "the node refused the bundle (HTTP " + std::to_string(response.status) + ")";
  std::string field;
  if (answer && answer->is_object()) {
    if (const bj::value* d = answer->as_object().if_contains("detail"); d != nullptr && d->is_string())
      detail = std::string(d->as_string());
    if (const bj::value* f = answer->as_object().if_contains("field"); f != nullptr && f->is_string())
      field = std::string(f->as_string());
  }
  return Status(response.status == 401   ? Code::kUnauthenticated
                : response.status == 403 ? Code::kPermissionDenied
                                         : Code::kInvalidArgument,
                "refused", detail, field);
}

std::string CsvField(const bj::value& value) {
  if (value.is_null()) return "";
  std::string text = value.is_string() ? std::string(value.as_string()) : bj::serialize(value);
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

// The statistics answer as rows: one per cell, "(total)" for margins.
bj::array StatisticsRows(const bj::object& table) {
  bj::array rows;
  for (const bj::value& cell : table.at("cells").as_array()) {
    bj::object row;
    for (const bj::value& d : table.at("dimensions").as_array()) {
      const bj::value& at = cell.at("at").at(d.as_string());
      row[d.as_string()] = at.is_null() ? bj::value("(total)") : at;
    }
    row["incidents"] = cell.at("incidents");
    const bj::value& loss = cell.at("loss");
    row["loss_reported"] = loss.is_null() ? nullptr : loss.at("reported");
    row["loss_min"] = loss.is_null() ? nullptr : loss.at("min");
    row["loss_max"] = loss.is_null() ? nullptr : loss.at("max");
    const bj::value& hours = cell.at("hours_to_detect");
    row["hours_to_detect_median"] = hours.is_null() ? nullptr : hours.at("median");
    row["hours_to_detect_p90"] = hours.is_null() ? nullptr : hours.at("p90");
    row["status"] = cell.at("status");
    rows.push_back(std::move(row));
  }
  return rows;
}

void AddReportCommands(CLI::App& app, CommandTable& table) {
  CLI::App* incident =
      app.add_subcommand("incident", "Incident reports: submit, read, correlate, statistics");
  incident->require_subcommand(1);

  auto submit_file = std::make_shared<std::string>();
  CLI::App* submit = incident->add_subcommand(
      "submit", "Submit a report (native JSON, or a STIX 2.1 bundle: an object with \"type\": \"bundle\")");
  submit->add_option("file", *submit_file, "Report file")->required()->check(CLI::ExistingFile);
  table.Add(submit, [submit_file](Session& session) -> Status {
    AIIP_ASSIGN_OR_RETURN(std::string text, ReadText(*submit_file));
    Result<bj::object> document = json::ParseObject(text);
    if (!document) return UsageError(*submit_file + ": " + document.error().detail());
    const bj::value* type = document->if_contains("type");
    if (type != nullptr && *type == "bundle") return SubmitStix(session, text);
    AIIP_ASSIGN_OR_RETURN(bj::value answer, session.Call(Method::kPost, kApi + "/incidents", {}, *document));
    return session.ShowObject(answer);
  });

  struct ListOptions {
    std::optional<std::string> sector, attack_type, tlp;
    bool own = false;
    PageOptions page;
  };
  auto list = std::make_shared<ListOptions>();
  CLI::App* list_cmd = incident->add_subcommand("list", "Reports you may read");
  AddOptional(list_cmd, "--sector", list->sector, "NIS2 sector code");
  AddOptional(list_cmd, "--attack-type", list->attack_type, "RSIT class or class:type");
  AddOptional(list_cmd, "--tlp", list->tlp, "CLEAR, GREEN, AMBER, AMBER+STRICT or RED");
  list_cmd->add_flag("--own", list->own, "Only your organisation's reports");
  AddPageOptions(list_cmd, list->page);
  table.Add(list_cmd, Keep(list, ListAll(
                                     kApi + "/incidents",
                                     [list] {
                                       Query q;
                                       AddIfGiven(q, "sector", list->sector);
                                       AddIfGiven(q, "attack_type", list->attack_type);
                                       AddIfGiven(q, "tlp", list->tlp);
                                       if (list->own) q.emplace_back("own", "true");
                                       return q;
                                     },
                                     list->page, kIncidentColumns)));

  auto show_id = std::make_shared<std::string>();
  CLI::App* show =
      incident->add_subcommand("show", "One report (yours: with the original and the redaction log)");
  show->add_option("id", *show_id, "Report id")->required();
  table.Add(show, Keep(show_id, ShowOne(Method::kGet, [show_id] { return PathOf("incidents", *show_id); })));

  auto stix_id = std::make_shared<std::string>();
  CLI::App* stix = incident->add_subcommand("stix", "The sanitised report as a STIX 2.1 bundle");
  stix->add_option("id", *stix_id, "Report id")->required();
  table.Add(stix, [stix_id](Session& session) -> Status {
    AIIP_ASSIGN_OR_RETURN(bj::value answer,
                          session.Call(Method::kGet, PathOf("incidents", *stix_id) + "/stix"));
    session.out() << bj::serialize(answer) << '\n';
    return Status::Ok();
  });

  auto correlations_id = std::make_shared<std::string>();
  CLI::App* correlations =
      incident->add_subcommand("correlations", "Reports you may read that share an indicator with this one");
  correlations->add_option("id", *correlations_id, "Report id")->required();
  table.Add(correlations, [correlations_id](Session& session) -> Status {
    AIIP_ASSIGN_OR_RETURN(bj::value answer, session.Call(Method::kGet, PathOf("incidents", *correlations_id) +
                                                                           "/correlations"));
    if (session.json()) return session.ShowObject(answer);
    if (!answer.is_object() || !answer.as_object().contains("indicators"))
      return InvalidResponse("the correlations answer has no indicators");
    bj::array rows;
    for (const bj::value& v : answer.at("indicators").as_array()) {
      for (const bj::value& m : v.at("matches").as_array()) {
        rows.push_back(bj::object{{"type", v.at("type")},
                                  {"value", v.at("value")},
                                  {"report", m.at("report")},
                                  {"match", m.at("value")},
                                  {"relation", m.at("relation")}});
      }
      if (v.at("over_correlating") == true) {
        rows.push_back(bj::object{{"type", v.at("type")},
                                  {"value", v.at("value")},
                                  {"report", "(over-correlating)"},
                                  {"relation", ""}});
      }
    }
    session.ShowList(bj::object{{"items", std::move(rows)}, {"next_cursor", nullptr}}, kCorrelationColumns);
    return Status::Ok();
  });

  struct StatsOptions {
    std::vector<std::string> dimensions;
    std::optional<std::string> currency;
    bool csv = false;
  };
  auto stats = std::make_shared<StatsOptions>();
  CLI::App* stats_cmd = incident->add_subcommand("stats", "Public statistics (small cells suppressed)");
  AddRepeatable(stats_cmd, "--by", stats->dimensions, "sector, region, attack_type or month (repeatable)");
  AddOptional(stats_cmd, "--currency", stats->currency, "Losses in this ISO 4217 currency (default EUR)");
  stats_cmd->add_flag("--csv", stats->csv, "RFC 4180 CSV");
  table.Add(stats_cmd, [stats](Session& session) -> Status {
    Query query;
    if (!stats->dimensions.empty()) {
      std::string joined;
      for (const std::string& d : stats->dimensions) joined += (joined.empty() ? "" : ",") + d;
      query.emplace_back("dimensions", joined);
    }
    AddIfGiven(query, "currency", stats->currency);
    AIIP_ASSIGN_OR_RETURN(bj::value answer,
                          session.Call(Method::kGet, kApi + "/incidents/statistics", query));
    if (session.json() && !stats->csv) return session.ShowObject(answer);
    if (!answer.is_object() || !answer.as_object().contains("cells"))
      return InvalidResponse("the statistics answer has no cells");
    bj::array rows = StatisticsRows(answer.as_object());
    std::vector<Column> columns;
    for (const bj::value& d : answer.at("dimensions").as_array()) {
      std::string name(d.as_string());
      columns.push_back({name, name});
    }
    for (const char* c : {"incidents", "loss_reported", "loss_min", "loss_max", "hours_to_detect_median",
                          "hours_to_detect_p90", "status"}) {
      columns.push_back({c, c});
    }
    if (stats->csv) {
      for (size_t i = 0; i < columns.size(); ++i) session.out() << (i ? "," : "") << columns[i].key;
      session.out() << "\r\n";
      for (const bj::value& row : rows) {
        for (size_t i = 0; i < columns.size(); ++i) {
          const bj::value* v = row.as_object().if_contains(columns[i].key);
          session.out() << (i ? "," : "") << (v == nullptr ? "" : CsvField(*v));
        }
        session.out() << "\r\n";
      }
      return Status::Ok();
    }
    session.ShowList(bj::object{{"items", std::move(rows)}, {"next_cursor", nullptr}}, columns);
    return Status::Ok();
  });

  struct SubscribeOptions {
    std::vector<std::string> sectors, regions, attack_types, products, indicator_types, channels;
    std::optional<std::string> organisation;
  };
  auto subscribe = std::make_shared<SubscribeOptions>();
  CLI::App* subscribe_cmd = incident->add_subcommand("subscribe", "Early warnings for matching reports");
  AddRepeatable(subscribe_cmd, "--sector", subscribe->sectors, "NIS2 sector code (repeatable)");
  AddRepeatable(subscribe_cmd, "--region", subscribe->regions, "ISO 3166-1 alpha-2 country (repeatable)");
  AddRepeatable(subscribe_cmd, "--attack-type", subscribe->attack_types,
                "RSIT class or class:type (repeatable)");
  AddRepeatable(subscribe_cmd, "--product", subscribe->products,
                "Affected product prefix, e.g. a purl (repeatable)");
  AddRepeatable(subscribe_cmd, "--indicator-type", subscribe->indicator_types,
                "e.g. ipv4, domain (repeatable)");
  AddRepeatable(subscribe_cmd, "--channel", subscribe->channels,
                "stream, webhook or email (repeatable; default stream and webhook)");
  AddOptional(subscribe_cmd, "--org", subscribe->organisation, "Organisation id (administrators)");
  table.Add(subscribe_cmd, Keep(subscribe, ShowOne(
                                               Method::kPost, [] { return kApi + "/incident-subscriptions"; },
                                               [subscribe] {
                                                 bj::object body;
                                                 body["sectors"] = ToArray(subscribe->sectors);
                                                 body["regions"] = ToArray(subscribe->regions);
                                                 body["attack_types"] = ToArray(subscribe->attack_types);
                                                 body["products"] = ToArray(subscribe->products);
                                                 body["indicator_types"] =
                                                     ToArray(subscribe->indicator_types);
                                                 if (!subscribe->channels.empty())
                                                   body["channels"] = ToArray(subscribe->channels);
                                                 if (subscribe->organisation)
                                                   body["organisation"] = *subscribe->organisation;
                                                 return bj::value(std::move(body));
                                               })));

  auto subscriptions = std::make_shared<PageOptions>();
  CLI::App* subscriptions_cmd = incident->add_subcommand("subscriptions", "Your incident subscriptions");
  table.Add(subscriptions_cmd, Keep(subscriptions, ListAll(kApi + "/incident-subscriptions", {},
                                                           *subscriptions, kSubscriptionColumns)));

  auto unsubscribe_id = std::make_shared<std::string>();
  CLI::App* unsubscribe = incident->add_subcommand("unsubscribe", "Delete an incident subscription");
  unsubscribe->add_option("id", *unsubscribe_id, "Subscription id")->required();
  table.Add(unsubscribe,
            Keep(unsubscribe_id,
                 DeleteOne([unsubscribe_id] { return PathOf("incident-subscriptions", *unsubscribe_id); },
                           "incident subscription", *unsubscribe_id)));
}

void AddGroupCommands(CLI::App& app, CommandTable& table) {
  CLI::App* group = app.add_subcommand("group", "Sharing groups: named sets of organisations reports go to");
  group->require_subcommand(1);

  struct AddOptions {
    std::string id;
    std::optional<std::string> name, description;
    std::vector<std::string> members;
  };
  auto add = std::make_shared<AddOptions>();
  CLI::App* add_cmd = group->add_subcommand("add", "Create a sharing group owned by your organisation");
  add_cmd->add_option("id", add->id, "Group id (a-z 0-9 _ -)")->required();
  AddOptional(add_cmd, "--name", add->name, "Display name");
  AddOptional(add_cmd, "--description", add->description, "Description");
  AddRepeatable(add_cmd, "--member", add->members, "Member organisation id (repeatable)");
  table.Add(add_cmd, Keep(add, ShowOne(
                                   Method::kPost, [] { return kApi + "/sharing-groups"; },
                                   [add] {
                                     bj::object body{{"id", add->id}, {"members", ToArray(add->members)}};
                                     if (add->name) body["name"] = *add->name;
                                     if (add->description) body["description"] = *add->description;
                                     return bj::value(std::move(body));
                                   })));

  auto list = std::make_shared<PageOptions>();
  CLI::App* list_cmd = group->add_subcommand("list", "Groups you own or belong to");
  table.Add(list_cmd, Keep(list, ListAll(kApi + "/sharing-groups", {}, *list, kGroupColumns)));

  auto show_id = std::make_shared<std::string>();
  CLI::App* show = group->add_subcommand("show", "One sharing group");
  show->add_option("id", *show_id, "Group id")->required();
  table.Add(show,
            Keep(show_id, ShowOne(Method::kGet, [show_id] { return PathOf("sharing-groups", *show_id); })));

  auto delete_id = std::make_shared<std::string>();
  CLI::App* delete_cmd = group->add_subcommand("delete", "Delete a group no report names");
  delete_cmd->add_option("id", *delete_id, "Group id")->required();
  table.Add(delete_cmd,
            Keep(delete_id, DeleteOne([delete_id] { return PathOf("sharing-groups", *delete_id); },
                                      "sharing group", *delete_id)));

  CLI::App* member = group->add_subcommand("member", "Members of a group");
  member->require_subcommand(1);
  struct MemberOptions {
    std::string group, organisation;
  };
  auto member_add = std::make_shared<MemberOptions>();
  CLI::App* member_add_cmd = member->add_subcommand("add", "Add an organisation to a group");
  member_add_cmd->add_option("group", member_add->group, "Group id")->required();
  member_add_cmd->add_option("organisation", member_add->organisation, "Organisation id")->required();
  table.Add(
      member_add_cmd,
      Keep(member_add, ShowOne(
                           Method::kPost,
                           [member_add] { return PathOf("sharing-groups", member_add->group) + "/members"; },
                           [member_add] {
                             return bj::value(bj::object{{"organisation", member_add->organisation}});
                           })));
  auto member_remove = std::make_shared<MemberOptions>();
  CLI::App* member_remove_cmd = member->add_subcommand("remove", "Remove an organisation from a group");
  member_remove_cmd->add_option("group", member_remove->group, "Group id")->required();
  member_remove_cmd->add_option("organisation", member_remove->organisation, "Organisation id")->required();
  table.Add(member_remove_cmd,
            Keep(member_remove, DeleteOne(
                                    [member_remove] {
                                      return PathOf("sharing-groups", member_remove->group) + "/members/" +
                                             PathSegment(member_remove->organisation);
                                    },
                                    "group member", member_remove->organisation)));
}

}  // namespace

void AddIncidentCommands(CLI::App& app, CommandTable& table) {
  AddReportCommands(app, table);
  AddGroupCommands(app, table);
}

}  // namespace aiip::cli
