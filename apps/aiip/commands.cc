#include "aiip/commands.h"

#include <memory>

#include "common/time.h"

namespace aiip::cli {

namespace bj = boost::json;

const Action* CommandTable::Selected() const {
  for (const auto& [command, action] : entries_) {
    if (command->parsed()) return &action;
  }
  return nullptr;
}

CLI::Option* AddOptional(CLI::App* command, const std::string& name, std::optional<std::string>& target,
                         const std::string& help) {
  return command->add_option_function<std::string>(
      name, [&target](const std::string& value) { target = value; }, help);
}

CLI::Option* AddOptional(CLI::App* command, const std::string& name, std::optional<int64_t>& target,
                         const std::string& help) {
  return command->add_option_function<int64_t>(
      name, [&target](const int64_t& value) { target = value; }, help);
}

// `action` together with the storage its options are bound to.
Action Keep(std::shared_ptr<void> options, Action action) {
  return [options = std::move(options), action = std::move(action)](Session& session) {
    return action(session);
  };
}

std::string PathOf(std::string_view collection, const std::string& id) {
  return kApi + "/" + std::string(collection) + "/" + PathSegment(id);
}

void AddPageOptions(CLI::App* command, PageOptions& page) {
  AddOptional(command, "--limit", page.limit, "Items per page (1..500; server default 100)")
      ->check(CLI::Range(int64_t{1}, int64_t{500}));
  AddOptional(command, "--cursor", page.cursor, "Start at this next_cursor of an earlier page");
  command->add_flag("--all", page.all, "Follow next_cursor and show every page");
}

void AddIfGiven(Query& query, const char* key, const std::optional<std::string>& value) {
  if (value) query.emplace_back(key, *value);
}

// A repeatable option: each occurrence takes exactly one value, so a following positional
// argument is never swallowed as another value.
CLI::Option* AddRepeatable(CLI::App* command, const std::string& name, std::vector<std::string>& target,
                           const std::string& help) {
  return command->add_option(name, target, help)->allow_extra_args(false);
}

bj::array ToArray(const std::vector<std::string>& values) {
  bj::array array;
  for (const auto& value : values) array.emplace_back(value);
  return array;
}

// Actions that fetch or change one object and show the object the server answers.
Action ShowOne(Method method, std::function<std::string()> path, std::function<bj::value()> body) {
  return [method, path = std::move(path), body = std::move(body)](Session& session) -> Status {
    AIIP_ASSIGN_OR_RETURN(bj::value answer, session.Call(method, path(), {}, body ? body() : bj::value()));
    return session.ShowObject(answer);
  };
}

// DELETE of an object the server answers with 204: says so in table mode only, so that
// --json output stays empty like the server's answer.
Action DeleteOne(std::function<std::string()> path, std::string what, const std::string& id) {
  return [path = std::move(path), what = std::move(what), &id](Session& session) -> Status {
    AIIP_ASSIGN_OR_RETURN(bj::value answer, session.Call(Method::kDelete, path()));
    if (!answer.is_null()) return session.ShowObject(answer);
    if (!session.json()) session.out() << "deleted " << what << ' ' << id << '\n';
    return Status::Ok();
  };
}

Action ListAll(std::string path, std::function<Query()> query, const PageOptions& page,
               const std::vector<Column>& columns) {
  return [path = std::move(path), query = std::move(query), &page, &columns](Session& session) -> Status {
    AIIP_ASSIGN_OR_RETURN(bj::object list, session.FetchList(path, query ? query() : Query{}, page));
    session.ShowList(list, columns);
    return Status::Ok();
  };
}

namespace {

// Columns per kind of object, most identifying first.
const std::vector<Column> kPartyColumns = {
    {"ID", "id"}, {"KIND", "kind"}, {"STATE", "state"}, {"NAME", "name"}};
const std::vector<Column> kOrganisationColumns = {
    {"ID", "id"}, {"KIND", "kind"}, {"STATE", "state"}, {"NAME", "name"}, {"VERSION", "version"}};
const std::vector<Column> kContactColumns = {
    {"ID", "id"},       {"ORDER", "escalation_order"}, {"NAME", "name"},          {"PHONE", "phone"},
    {"EMAIL", "email"}, {"TIMEZONE", "timezone"},      {"LANGUAGES", "languages"}};
const std::vector<Column> kMemberColumns = {{"ID", "id"},     {"ORGANISATION", "organisation"},
                                            {"TYPE", "type"}, {"DISABLED", "disabled"},
                                            {"NAME", "name"}, {"ROLES", "roles"}};
const std::vector<Column> kTokenColumns = {{"ID", "id"},
                                           {"MEMBER", "member"},
                                           {"CREATED", "created_at"},
                                           {"EXPIRES", "expires_at"},
                                           {"REVOKED", "revoked_at"},
                                           {"LABEL", "label"}};

void AddPartyCommands(CLI::App& app, CommandTable& table) {
  CLI::App* party = app.add_subcommand("party", "States and organisations known to this node");
  party->require_subcommand(1);

  struct ListOptions {
    std::optional<std::string> state, kind;
    PageOptions page;
  };
  auto list = std::make_shared<ListOptions>();
  CLI::App* list_cmd = party->add_subcommand("list", "List parties");
  AddOptional(list_cmd, "--state", list->state, "Only this ISO 3166-1 alpha-2 State, e.g. FR");
  AddOptional(list_cmd, "--kind", list->kind, "Only this kind: state, csirt, operator, ...");
  AddPageOptions(list_cmd, list->page);
  table.Add(list_cmd, Keep(list, ListAll(
                                     kApi + "/parties",
                                     [list] {
                                       Query q;
                                       AddIfGiven(q, "state", list->state);
                                       AddIfGiven(q, "kind", list->kind);
                                       return q;
                                     },
                                     list->page, kPartyColumns)));

  auto id = std::make_shared<std::string>();
  CLI::App* show = party->add_subcommand("show", "Show one party");
  show->add_option("id", *id, "Party id, e.g. state_FR or org_…")->required();
  table.Add(show, Keep(id, ShowOne(Method::kGet, [id] { return PathOf("parties", *id); })));
}

void AddOrgCommands(CLI::App& app, CommandTable& table) {
  CLI::App* org = app.add_subcommand("org", "Organisations: CSIRTs, operators, police, agencies, ...");
  org->require_subcommand(1);

  struct AddOptions {
    std::string name, kind;
    std::optional<std::string> state;
  };
  auto add = std::make_shared<AddOptions>();
  CLI::App* add_cmd = org->add_subcommand("add", "Register an organisation");
  add_cmd->add_option("--name", add->name, "Name")->required();
  add_cmd
      ->add_option("--kind", add->kind,
                   "csirt, operator, law-enforcement-247, central-authority, agency, company or insurer")
      ->required();
  AddOptional(add_cmd, "--state", add->state, "ISO 3166-1 alpha-2 State (omit for Agency bodies)");
  table.Add(add_cmd, Keep(add, ShowOne(
                                   Method::kPost, [] { return kApi + "/organisations"; },
                                   [add] {
                                     bj::object body{{"name", add->name}, {"kind", add->kind}};
                                     if (add->state) body["state"] = *add->state;
                                     return bj::value(std::move(body));
                                   })));

  struct ListOptions {
    std::optional<std::string> state, kind;
    PageOptions page;
  };
  auto list = std::make_shared<ListOptions>();
  CLI::App* list_cmd = org->add_subcommand("list", "List organisations");
  AddOptional(list_cmd, "--state", list->state, "Only this State, e.g. FR");
  AddOptional(list_cmd, "--kind", list->kind, "Only this kind, e.g. csirt");
  AddPageOptions(list_cmd, list->page);
  table.Add(list_cmd, Keep(list, ListAll(
                                     kApi + "/organisations",
                                     [list] {
                                       Query q;
                                       AddIfGiven(q, "state", list->state);
                                       AddIfGiven(q, "kind", list->kind);
                                       return q;
                                     },
                                     list->page, kOrganisationColumns)));

  auto show_id = std::make_shared<std::string>();
  CLI::App* show = org->add_subcommand("show", "Show one organisation");
  show->add_option("id", *show_id, "Organisation id")->required();
  table.Add(show,
            Keep(show_id, ShowOne(Method::kGet, [show_id] { return PathOf("organisations", *show_id); })));

  struct UpdateOptions {
    std::string id;
    std::optional<std::string> name;
    std::optional<int64_t> version;
  };
  auto update = std::make_shared<UpdateOptions>();
  CLI::App* update_cmd = org->add_subcommand("update", "Rename an organisation");
  update_cmd->add_option("id", update->id, "Organisation id")->required();
  AddOptional(update_cmd, "--name", update->name, "New name");
  AddOptional(update_cmd, "--version", update->version,
              "Apply only if the organisation is still at this version (from `org show`)")
      ->check(CLI::PositiveNumber);
  table.Add(update_cmd, [update](Session& session) -> Status {
    if (!update->name) return UsageError("nothing to update: give --name");
    bj::object body{{"name", *update->name}};
    if (update->version) body["version"] = *update->version;
    AIIP_ASSIGN_OR_RETURN(bj::value answer,
                          session.Call(Method::kPatch, PathOf("organisations", update->id), {}, body));
    return session.ShowObject(answer);
  });

  auto delete_id = std::make_shared<std::string>();
  CLI::App* delete_cmd = org->add_subcommand("delete", "Delete an organisation");
  delete_cmd->add_option("id", *delete_id, "Organisation id")->required();
  table.Add(delete_cmd, Keep(delete_id, DeleteOne([delete_id] { return PathOf("organisations", *delete_id); },
                                                  "organisation", *delete_id)));

  // Client relations (TLP 2.0's "clients": a TLP:AMBER report reaches them too).
  struct ClientOptions {
    std::string provider, client;
  };
  auto clients = std::make_shared<ClientOptions>();
  CLI::App* clients_cmd =
      org->add_subcommand("clients", "The clients of an organisation (they read its AMBER reports)");
  clients_cmd->add_option("id", clients->provider, "Provider organisation id")->required();
  table.Add(clients_cmd, [clients](Session& session) -> Status {
    AIIP_ASSIGN_OR_RETURN(
        bj::value answer,
        session.Call(Method::kGet, PathOf("organisations", clients->provider) + "/clients"));
    if (!answer.is_object() || !answer.get_object().contains("items")) {
      return InvalidResponse("the clients answer has no items");
    }
    session.ShowList(answer.get_object(), {{"CLIENT", "client"}, {"SINCE", "created_at"}});
    return Status::Ok();
  });
  auto client_add = std::make_shared<ClientOptions>();
  CLI::App* client_add_cmd = org->add_subcommand(
      "client-add", "Record that CLIENT receives cybersecurity services from ID (administrators)");
  client_add_cmd->add_option("id", client_add->provider, "Provider organisation id")->required();
  client_add_cmd->add_option("client", client_add->client, "Client organisation id")->required();
  table.Add(client_add_cmd, [client_add](Session& session) -> Status {
    AIIP_ASSIGN_OR_RETURN(
        bj::value answer,
        session.Call(Method::kPost, PathOf("organisations", client_add->provider) + "/clients", {},
                     bj::object{{"client", client_add->client}}));
    return session.ShowObject(answer);
  });
  auto client_remove = std::make_shared<ClientOptions>();
  CLI::App* client_remove_cmd =
      org->add_subcommand("client-remove", "End a client relation (administrators)");
  client_remove_cmd->add_option("id", client_remove->provider, "Provider organisation id")->required();
  client_remove_cmd->add_option("client", client_remove->client, "Client organisation id")->required();
  table.Add(client_remove_cmd,
            Keep(client_remove, DeleteOne(
                                    [client_remove] {
                                      return PathOf("organisations", client_remove->provider) + "/clients/" +
                                             PathSegment(client_remove->client);
                                    },
                                    "client relation", client_remove->client)));
}

// The fields of a contact shared by `contact add` and `contact update`.
struct ContactFields {
  std::optional<std::string> name, phone, email, timezone;
  std::vector<std::string> languages;
  std::optional<int64_t> order;

  void AddOptions(CLI::App* command) {
    AddOptional(command, "--name", name, "Name of the desk or person");
    AddOptional(command, "--phone", phone, "Phone answered 24/7, E.164 (+33...)");
    AddOptional(command, "--email", email, "E-mail address");
    AddOptional(command, "--timezone", timezone, "IANA time zone, e.g. Europe/Paris");
    AddRepeatable(command, "--language", languages, "Language spoken, ISO 639-1 (repeatable)");
    AddOptional(command, "--order", order, "Escalation order, 1 is called first")->check(CLI::PositiveNumber);
  }
  void Fill(bj::object& body) const {
    if (name) body["name"] = *name;
    if (phone) body["phone"] = *phone;
    if (email) body["email"] = *email;
    if (timezone) body["timezone"] = *timezone;
    if (!languages.empty()) body["languages"] = ToArray(languages);
    if (order) body["escalation_order"] = *order;
  }
};

void AddContactCommands(CLI::App& app, CommandTable& table) {
  CLI::App* contact = app.add_subcommand("contact", "24/7 contact points of organisations");
  contact->require_subcommand(1);

  struct AddOptions {
    std::string organisation;
    ContactFields fields;
  };
  auto add = std::make_shared<AddOptions>();
  CLI::App* add_cmd = contact->add_subcommand("add", "Add a contact point to an organisation");
  add_cmd->add_option("--org", add->organisation, "Organisation id")->required();
  add->fields.AddOptions(add_cmd);
  // The server decides which fields a new contact needs and names any missing one.
  table.Add(add_cmd, [add](Session& session) -> Status {
    bj::object body;
    add->fields.Fill(body);
    AIIP_ASSIGN_OR_RETURN(
        bj::value answer,
        session.Call(Method::kPost, PathOf("organisations", add->organisation) + "/contacts", {}, body));
    return session.ShowObject(answer);
  });

  auto list_org = std::make_shared<std::string>();
  auto list_page = std::make_shared<PageOptions>();
  CLI::App* list_cmd = contact->add_subcommand("list", "List the contact points of an organisation");
  list_cmd->add_option("--org", *list_org, "Organisation id")->required();
  table.Add(list_cmd, [list_org, list_page](Session& session) -> Status {
    AIIP_ASSIGN_OR_RETURN(
        bj::object list, session.FetchList(PathOf("organisations", *list_org) + "/contacts", {}, *list_page));
    session.ShowList(list, kContactColumns);
    return Status::Ok();
  });

  struct UpdateOptions {
    std::string id;
    ContactFields fields;
    std::optional<int64_t> version;
  };
  auto update = std::make_shared<UpdateOptions>();
  CLI::App* update_cmd = contact->add_subcommand("update", "Change a contact point");
  update_cmd->add_option("id", update->id, "Contact id")->required();
  update->fields.AddOptions(update_cmd);
  AddOptional(update_cmd, "--version", update->version, "Apply only if the contact is still at this version")
      ->check(CLI::PositiveNumber);
  table.Add(update_cmd, [update](Session& session) -> Status {
    bj::object body;
    update->fields.Fill(body);
    if (body.empty()) return UsageError("nothing to update: give at least one field option");
    if (update->version) body["version"] = *update->version;
    AIIP_ASSIGN_OR_RETURN(bj::value answer,
                          session.Call(Method::kPatch, PathOf("contacts", update->id), {}, body));
    return session.ShowObject(answer);
  });

  auto remove_id = std::make_shared<std::string>();
  CLI::App* remove_cmd = contact->add_subcommand("remove", "Remove a contact point");
  remove_cmd->add_option("id", *remove_id, "Contact id")->required();
  table.Add(remove_cmd, Keep(remove_id, DeleteOne([remove_id] { return PathOf("contacts", *remove_id); },
                                                  "contact", *remove_id)));
}

void AddMemberCommands(CLI::App& app, CommandTable& table) {
  CLI::App* member = app.add_subcommand("member", "Members (people and tools) of organisations");
  member->require_subcommand(1);
  const std::string roles_help =
      "Role (repeatable): admin, org-admin, analyst, noc, poc-247, central-authority, secretariat, "
      "auditor, reporter, viewer";

  struct AddOptions {
    std::string organisation, name;
    std::vector<std::string> roles;
    std::optional<std::string> type;
  };
  auto add = std::make_shared<AddOptions>();
  CLI::App* add_cmd = member->add_subcommand("add", "Add a member to an organisation");
  add_cmd->add_option("--org", add->organisation, "Organisation id")->required();
  add_cmd->add_option("--name", add->name, "Name")->required();
  AddRepeatable(add_cmd, "--role", add->roles, roles_help)->required();
  AddOptional(add_cmd, "--type", add->type, "person (default) or tool")
      ->check(CLI::IsMember({"person", "tool"}));
  table.Add(add_cmd, [add](Session& session) -> Status {
    bj::object body{{"organisation", add->organisation}, {"name", add->name}, {"roles", ToArray(add->roles)}};
    if (add->type) body["type"] = *add->type;
    AIIP_ASSIGN_OR_RETURN(bj::value answer, session.Call(Method::kPost, kApi + "/members", {}, body));
    return session.ShowObject(answer);
  });

  struct ListOptions {
    std::optional<std::string> organisation;
    PageOptions page;
  };
  auto list = std::make_shared<ListOptions>();
  CLI::App* list_cmd = member->add_subcommand("list", "List members");
  AddOptional(list_cmd, "--org", list->organisation, "Only members of this organisation");
  AddPageOptions(list_cmd, list->page);
  table.Add(list_cmd, Keep(list, ListAll(
                                     kApi + "/members",
                                     [list] {
                                       Query q;
                                       AddIfGiven(q, "organisation", list->organisation);
                                       return q;
                                     },
                                     list->page, kMemberColumns)));

  auto show_id = std::make_shared<std::string>();
  CLI::App* show = member->add_subcommand("show", "Show one member");
  show->add_option("id", *show_id, "Member id")->required();
  table.Add(show, Keep(show_id, ShowOne(Method::kGet, [show_id] { return PathOf("members", *show_id); })));

  struct UpdateOptions {
    std::string id;
    std::optional<std::string> name;
    std::vector<std::string> roles;
    bool disable = false, enable = false;
    std::optional<int64_t> version;
  };
  auto update = std::make_shared<UpdateOptions>();
  CLI::App* update_cmd = member->add_subcommand("update", "Change a member");
  update_cmd->add_option("id", update->id, "Member id")->required();
  AddOptional(update_cmd, "--name", update->name, "New name");
  AddRepeatable(update_cmd, "--role", update->roles, "New set of roles (repeatable; replaces all roles)");
  CLI::Option* disable =
      update_cmd->add_flag("--disable", update->disable, "Disable: its tokens stop working");
  update_cmd->add_flag("--enable", update->enable, "Enable again")->excludes(disable);
  AddOptional(update_cmd, "--version", update->version, "Apply only if the member is still at this version")
      ->check(CLI::PositiveNumber);
  table.Add(update_cmd, [update](Session& session) -> Status {
    bj::object body;
    if (update->name) body["name"] = *update->name;
    if (!update->roles.empty()) body["roles"] = ToArray(update->roles);
    if (update->disable || update->enable) body["disabled"] = update->disable;
    if (body.empty()) return UsageError("nothing to update: give --name, --role, --disable or --enable");
    if (update->version) body["version"] = *update->version;
    AIIP_ASSIGN_OR_RETURN(bj::value answer,
                          session.Call(Method::kPatch, PathOf("members", update->id), {}, body));
    return session.ShowObject(answer);
  });
}

void AddTokenCommands(CLI::App& app, CommandTable& table) {
  CLI::App* token = app.add_subcommand("token", "API tokens of members");
  token->require_subcommand(1);

  struct CreateOptions {
    std::string member;
    std::optional<std::string> label, expires;
  };
  auto create = std::make_shared<CreateOptions>();
  CLI::App* create_cmd = token->add_subcommand(
      "create", "Create a token; it is shown once, on the last line (or in field `token` with --json)");
  create_cmd->add_option("--member", create->member, "Member id")->required();
  AddOptional(create_cmd, "--label", create->label, "What the token is for, e.g. \"ticketing bot\"");
  AddOptional(create_cmd, "--expires", create->expires, "Expiry time, RFC 3339 (e.g. 2027-01-31T00:00:00Z)");
  table.Add(create_cmd, [create](Session& session) -> Status {
    bj::object body{{"member", create->member}};
    if (create->label) body["label"] = *create->label;
    if (create->expires) {
      // Checked here so that a typo is a usage error rather than a round trip.
      AIIP_ASSIGN_OR_RETURN(SystemTime expires, ParseRfc3339(*create->expires));
      body["expires_at"] = FormatRfc3339(expires);
    }
    AIIP_ASSIGN_OR_RETURN(bj::value answer, session.Call(Method::kPost, kApi + "/tokens", {}, body));
    const bj::object* object = answer.if_object();
    const bj::value* secret = object ? object->if_contains("token") : nullptr;
    if (secret == nullptr || !secret->is_string()) {
      return InvalidResponse("the server did not return the new token");
    }
    if (session.json()) {
      PrintJson(session.out(), answer);
      return Status::Ok();
    }
    bj::object shown = *object;
    shown.erase("token");
    PrintObject(session.out(), shown);
    session.err() << "The token follows; it is not shown again, store it now.\n";
    session.out() << '\n' << Printable(secret->get_string()) << '\n';
    return Status::Ok();
  });

  struct ListOptions {
    std::optional<std::string> member;
    PageOptions page;
  };
  auto list = std::make_shared<ListOptions>();
  CLI::App* list_cmd = token->add_subcommand("list", "List tokens (never their secrets)");
  AddOptional(list_cmd, "--member", list->member, "Only tokens of this member");
  AddPageOptions(list_cmd, list->page);
  table.Add(list_cmd, Keep(list, ListAll(
                                     kApi + "/tokens",
                                     [list] {
                                       Query q;
                                       AddIfGiven(q, "member", list->member);
                                       return q;
                                     },
                                     list->page, kTokenColumns)));

  auto revoke_id = std::make_shared<std::string>();
  CLI::App* revoke = token->add_subcommand("revoke", "Revoke a token");
  revoke->add_option("id", *revoke_id, "Token id (tok_…)")->required();
  table.Add(revoke,
            Keep(revoke_id, ShowOne(Method::kDelete, [revoke_id] { return PathOf("tokens", *revoke_id); })));
}

}  // namespace

void AddSystemCommands(CLI::App& app, CommandTable& table) {
  table.Add(app.add_subcommand("health", "Check that the node and its database answer"),
            ShowOne(Method::kGet, [] { return kApi + "/health"; }));
  table.Add(app.add_subcommand("version", "Show the versions of this client and of the node"),
            [](Session& session) -> Status {
              AIIP_ASSIGN_OR_RETURN(bj::value answer, session.Call(Method::kGet, kApi + "/version"));
              if (session.json() || !answer.is_object()) return session.ShowObject(answer);
              bj::object shown{{"client", AIIP_VERSION}};
              for (const auto& [key, value] : answer.get_object()) shown[key] = value;
              return session.ShowObject(shown);
            });
  table.Add(app.add_subcommand("whoami", "Show the member and organisation of the token in use"),
            ShowOne(Method::kGet, [] { return kApi + "/me"; }));
}

void AddRegistryCommands(CLI::App& app, CommandTable& table) {
  AddPartyCommands(app, table);
  AddOrgCommands(app, table);
  AddContactCommands(app, table);
  AddMemberCommands(app, table);
  AddTokenCommands(app, table);
}

}  // namespace aiip::cli
