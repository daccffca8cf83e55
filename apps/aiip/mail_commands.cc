// aiip mailbox add | list | deliveries | delete: the e-mail addresses that receive an
// organisation's events through the node's SMTP relay, and their delivery records
// (doc/cli.md, doc/notify.md "E-mail").

#include "aiip/commands.h"

namespace aiip::cli {

namespace {

namespace bj = boost::json;

const std::vector<Column> kRecipientColumns = {{"ID", "id"},
                                               {"ADDRESS", "address"},
                                               {"KINDS", "kinds"},
                                               {"DISABLED", "disabled"},
                                               {"CREATED", "created_at"}};
const std::vector<Column> kMailDeliveryColumns = {{"EVENT", "event_seq"},   {"STATE", "state"},
                                                  {"ATTEMPTS", "attempts"}, {"REPLY", "last_reply"},
                                                  {"ERROR", "last_error"},  {"DELIVERED", "delivered_at"}};

}  // namespace

void AddMailCommands(CLI::App& app, CommandTable& table) {
  CLI::App* mailbox =
      app.add_subcommand("mailbox", "E-mail addresses that receive your organisation's events (SMTP relay)");
  mailbox->require_subcommand(1);

  struct AddOptions {
    std::string address;
    std::vector<std::string> kinds;
    std::optional<std::string> organisation;
  };
  auto add = std::make_shared<AddOptions>();
  CLI::App* add_cmd = mailbox->add_subcommand("add", "Register an e-mail address");
  add_cmd->add_option("address", add->address, "E-mail address (RFC 5321 mailbox, ASCII)")->required();
  AddRepeatable(add_cmd, "--kind", add->kinds, "Event kind to mail (repeatable; default all)");
  AddOptional(add_cmd, "--org", add->organisation, "Organisation id (administrators)");
  table.Add(add_cmd, Keep(add, ShowOne(
                                   Method::kPost, [] { return kApi + "/mail-recipients"; },
                                   [add] {
                                     bj::object body{{"address", add->address}};
                                     if (!add->kinds.empty()) body["kinds"] = ToArray(add->kinds);
                                     if (add->organisation) body["organisation"] = *add->organisation;
                                     return bj::value(std::move(body));
                                   })));

  auto list_page = std::make_shared<PageOptions>();
  CLI::App* list_cmd = mailbox->add_subcommand("list", "List mail recipients");
  table.Add(list_cmd, Keep(list_page, ListAll(kApi + "/mail-recipients", {}, *list_page, kRecipientColumns)));

  struct DeliveriesOptions {
    std::string id;
    std::optional<std::string> after;
    PageOptions page;
  };
  auto deliveries = std::make_shared<DeliveriesOptions>();
  CLI::App* deliveries_cmd = mailbox->add_subcommand("deliveries", "Delivery records of a mail recipient");
  deliveries_cmd->add_option("id", deliveries->id, "Mail recipient id")->required();
  AddOptional(deliveries_cmd, "--after", deliveries->after, "Only events after this seq");
  table.Add(deliveries_cmd, [deliveries](Session& session) -> Status {
    Query query;
    AddIfGiven(query, "after", deliveries->after);
    AIIP_ASSIGN_OR_RETURN(bj::object page,
                          session.FetchList(PathOf("mail-recipients", deliveries->id) + "/deliveries", query,
                                            deliveries->page));
    session.ShowList(page, kMailDeliveryColumns);
    return Status::Ok();
  });

  auto delete_id = std::make_shared<std::string>();
  CLI::App* delete_cmd =
      mailbox->add_subcommand("delete", "Disable a mail recipient (its pending mail fails)");
  delete_cmd->add_option("id", *delete_id, "Mail recipient id")->required();
  table.Add(delete_cmd,
            Keep(delete_id, DeleteOne([delete_id] { return PathOf("mail-recipients", *delete_id); },
                                      "mail recipient", *delete_id)));
}

}  // namespace aiip::cli
