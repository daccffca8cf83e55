// aiip legal request create | send | list | show | ack | transition: the legal cooperation
// network of a node (doc/legal_network.md), added to the `legal` group that
// legal_commands.cc creates for the offline assessment.

#include <fstream>
#include <memory>
#include <sstream>

#include "aiip/commands.h"
#include "common/json.h"

namespace aiip::cli {

namespace {

namespace bj = boost::json;

const std::vector<Column> kRequestColumns = {
    {"ID", "id"},       {"KIND", "kind"},     {"FROM", "requesting_state"}, {"TO", "requested_state"},
    {"STATE", "state"}, {"URGENT", "urgent"}, {"OUTCOME", "outcome"},       {"UPDATED", "updated_at"}};
const std::vector<Column> kTransitionColumns = {
    {"SEQ", "seq"},         {"FROM", "from"},       {"TO", "to"}, {"BY", "actor_organisation"},
    {"GROUNDS", "grounds"}, {"REASONS", "reasons"}, {"AT", "at"}};

Result<bj::object> ReadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return Err(UsageError("cannot read " + path));
  Result<bj::object> parsed = json::ParseObject(text.str());
  if (!parsed) return Err(UsageError(path + ": " + parsed.error().detail()));
  return parsed;
}

// A request for people: its fields, the assessment's outcome and explanation, and its
// transitions as a table; the node's JSON with --json.
Status ShowRequest(Session& session, const bj::value& answer) {
  if (session.json()) return session.ShowObject(answer);
  if (!answer.is_object()) return InvalidResponse("the legal request is not a JSON object");
  bj::object request = answer.get_object();
  bj::value assessment = request.contains("assessment") ? request["assessment"] : bj::value(nullptr);
  bj::value transitions = request.contains("transitions") ? request["transitions"] : bj::value(bj::array{});
  request.erase("assessment");
  request.erase("transitions");
  request.erase("request");
  AIIP_RETURN_IF_ERROR(session.ShowObject(request));
  if (assessment.is_object()) {
    const bj::value* explanation = assessment.get_object().if_contains("explanation");
    if (explanation != nullptr && explanation->is_array()) {
      session.out() << "\nAssessment\n";
      for (const bj::value& line : explanation->get_array()) session.out() << "  " << Cell(&line) << '\n';
    }
  }
  if (transitions.is_array() && !transitions.get_array().empty()) {
    session.out() << '\n';
    session.ShowList(bj::object{{"items", transitions}, {"next_cursor", nullptr}}, kTransitionColumns);
  }
  return Status::Ok();
}

Action MoveTo(std::shared_ptr<std::string> id, std::string to) {
  return [id, to](Session& session) -> Status {
    AIIP_ASSIGN_OR_RETURN(bj::value answer,
                          session.Call(Method::kPost, PathOf("legal/requests", *id) + "/transitions", {},
                                       bj::object{{"to", to}}));
    return ShowRequest(session, answer);
  };
}

}  // namespace

void AddLegalNetworkCommands(CLI::App& app, CommandTable& table) {
  CLI::App* legal = app.get_subcommand("legal");
  CLI::App* request = legal->add_subcommand(
      "request", "Legal requests between 24/7 contacts and central authorities, through a node");
  request->require_subcommand(1);

  struct CreateOptions {
    std::string file;
    bool urgent = false, send = false;
    std::vector<std::string> categories;
    std::optional<std::string> proportionality, judicial, link, recipient, conditions;
  };
  auto create = std::make_shared<CreateOptions>();
  CLI::App* create_cmd = request->add_subcommand("create", "Create a draft request (assessed at once)");
  create_cmd->add_option("REQUEST", create->file, "Engine request JSON file (doc/legal.md, \"Request\")")
      ->required()
      ->check(CLI::ExistingFile);
  create_cmd->add_flag("--urgent", create->urgent,
                       "Flag the request urgent (shorter acknowledgement target)");
  AddRepeatable(create_cmd, "--category", create->categories, "subscriber, traffic or content (repeatable)");
  AddOptional(create_cmd, "--proportionality", create->proportionality,
              "Why the measure is proportionate (Budapest Art 15(1))");
  AddOptional(create_cmd, "--judicial-authorisation", create->judicial,
              "Reference of the judicial authorisation");
  AddOptional(create_cmd, "--link", create->link, "The preservation this request follows up");
  AddOptional(create_cmd, "--recipient", create->recipient,
              "Recipient organisation id (when the State has several of the kind)");
  AddOptional(create_cmd, "--conditions", create->conditions, "Conditions on use (spontaneous information)");
  create_cmd->add_flag("--send", create->send, "Send it at once");
  table.Add(create_cmd, [create](Session& session) -> Status {
    AIIP_ASSIGN_OR_RETURN(bj::object engine_request, ReadJsonFile(create->file));
    bj::object body{{"request", std::move(engine_request)}, {"urgent", create->urgent}};
    if (!create->categories.empty()) body["data_categories"] = ToArray(create->categories);
    if (create->proportionality) body["proportionality"] = *create->proportionality;
    if (create->judicial) body["judicial_authorisation"] = *create->judicial;
    if (create->link) body["linked_request"] = *create->link;
    if (create->recipient) body["recipient"] = *create->recipient;
    if (create->conditions) body["conditions"] = *create->conditions;
    AIIP_ASSIGN_OR_RETURN(bj::value answer, session.Call(Method::kPost, kApi + "/legal/requests", {}, body));
    if (create->send) {
      if (!answer.is_object() || !answer.get_object().contains("id") || !answer.at("id").is_string()) {
        return InvalidResponse("the created request has no id");
      }
      AIIP_ASSIGN_OR_RETURN(
          answer,
          session.Call(Method::kPost,
                       PathOf("legal/requests", std::string(answer.at("id").as_string())) + "/transitions",
                       {}, bj::object{{"to", "sent"}}));
    }
    return ShowRequest(session, answer);
  });

  auto send_id = std::make_shared<std::string>();
  CLI::App* send = request->add_subcommand("send", "Send a draft (assessed again as it leaves)");
  send->add_option("id", *send_id, "Request id")->required();
  table.Add(send, MoveTo(send_id, "sent"));

  auto ack_id = std::make_shared<std::string>();
  CLI::App* ack = request->add_subcommand("ack", "Acknowledge a request received (stops escalation)");
  ack->add_option("id", *ack_id, "Request id")->required();
  table.Add(ack, MoveTo(ack_id, "acknowledged"));

  struct TransitionOptions {
    std::string id, to;
    std::optional<std::string> reasons;
    std::vector<std::string> grounds;
    std::optional<int64_t> version;
  };
  auto move = std::make_shared<TransitionOptions>();
  CLI::App* move_cmd = request->add_subcommand(
      "transition",
      "Move a request: received, acknowledged, executing, executed, partially-executed, "
      "refused, postponed, withdrawn");
  move_cmd->add_option("id", move->id, "Request id")->required();
  move_cmd->add_option("--to", move->to, "The new state")->required();
  AddOptional(move_cmd, "--reasons", move->reasons,
              "Reasons (required to refuse, postpone or execute partially)");
  AddRepeatable(move_cmd, "--ground", move->grounds, "Refusal ground (repeatable; required to refuse)");
  AddOptional(move_cmd, "--version", move->version, "Apply only if still at this version")
      ->check(CLI::PositiveNumber);
  table.Add(move_cmd, [move](Session& session) -> Status {
    bj::object body{{"to", move->to}};
    if (move->reasons) body["reasons"] = *move->reasons;
    if (!move->grounds.empty()) body["grounds"] = ToArray(move->grounds);
    if (move->version) body["version"] = *move->version;
    AIIP_ASSIGN_OR_RETURN(
        bj::value answer,
        session.Call(Method::kPost, PathOf("legal/requests", move->id) + "/transitions", {}, body));
    return ShowRequest(session, answer);
  });

  struct ListOptions {
    std::optional<std::string> box, state, kind, organisation;
    PageOptions page;
  };
  auto list = std::make_shared<ListOptions>();
  CLI::App* list_cmd =
      request->add_subcommand("list", "Requests received (--box inbox), sent (outbox) or both");
  AddOptional(list_cmd, "--box", list->box, "inbox or outbox (default both)");
  AddOptional(list_cmd, "--state", list->state, "Only this state");
  AddOptional(list_cmd, "--kind", list->kind, "Only this kind");
  AddOptional(list_cmd, "--org", list->organisation, "Organisation id (administrators)");
  AddPageOptions(list_cmd, list->page);
  table.Add(list_cmd, Keep(list, ListAll(
                                     kApi + "/legal/requests",
                                     [list] {
                                       Query q;
                                       AddIfGiven(q, "box", list->box);
                                       AddIfGiven(q, "state", list->state);
                                       AddIfGiven(q, "kind", list->kind);
                                       AddIfGiven(q, "organisation", list->organisation);
                                       return q;
                                     },
                                     list->page, kRequestColumns)));

  auto show_id = std::make_shared<std::string>();
  CLI::App* show = request->add_subcommand("show", "Show one request with its assessment and transitions");
  show->add_option("id", *show_id, "Request id")->required();
  table.Add(show, [show_id](Session& session) -> Status {
    AIIP_ASSIGN_OR_RETURN(bj::value answer, session.Call(Method::kGet, PathOf("legal/requests", *show_id)));
    return ShowRequest(session, answer);
  });
}

}  // namespace aiip::cli
