// Commands: the subcommands of `aiip`, one per operation of the node's API.
//
// Each group (party, org, contact, member, token, audit) registers its subcommands and
// their options on a CLI11 app, together with the action to run when that subcommand is
// the one given. Actions are `Status(Session&)`: they talk to the node through the Session
// and print through its output helpers; they never exit or throw, so RunCli alone maps
// their outcome to an exit code. Options are bound to storage owned by the action, which
// the CommandTable keeps alive for the whole invocation.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aiip/session.h"
#include "common/status.h"

namespace aiip::cli {

using Action = std::function<Status(Session&)>;

// The leaf subcommands and their actions.
class CommandTable {
 public:
  void Add(CLI::App* command, Action action) { entries_.emplace_back(command, std::move(action)); }
  // The action of the subcommand CLI11 parsed, or nullptr if none was.
  const Action* Selected() const;

 private:
  std::vector<std::pair<CLI::App*, Action>> entries_;
};

// aiip health | version | whoami
void AddSystemCommands(CLI::App& app, CommandTable& table);
// aiip party | org | contact | member | token ...
void AddRegistryCommands(CLI::App& app, CommandTable& table);
// aiip audit head | entries | proof | consistency | verify
void AddAuditCommands(CLI::App& app, CommandTable& table);
// aiip vuln scan | ingest ... (vuln_commands.cc)
void AddVulnCommands(CLI::App& app, CommandTable& table);
// aiip attribute ... (attribute_commands.cc)
void AddAttributeCommands(CLI::App& app, CommandTable& table);
// aiip legal assess | havens ... (legal_commands.cc)
void AddLegalCommands(CLI::App& app, CommandTable& table);
// aiip legal request create | send | list | show | ack | transition (legal_network_commands.cc);
// adds to the `legal` group, so it runs after AddLegalCommands.
void AddLegalNetworkCommands(CLI::App& app, CommandTable& table);

// aiip vuln ingest | list | show against a node (vuln_node_commands.cc); call after
// AddVulnCommands, which creates the `vuln` group.
void AddVulnNodeCommands(CLI::App& app, CommandTable& table);
// aiip inventory | subscription | webhook | events | stream ... (clearinghouse_commands.cc)
void AddClearinghouseCommands(CLI::App& app, CommandTable& table);
// aiip mailbox add | list | deliveries | delete (mail_commands.cc)
void AddMailCommands(CLI::App& app, CommandTable& table);
// aiip incident | group ... (incident_commands.cc)
void AddIncidentCommands(CLI::App& app, CommandTable& table);
// aiip attack | mitigation | operator ... (response_commands.cc)
void AddResponseCommands(CLI::App& app, CommandTable& table);

// ---- Helpers shared by the command files ----

inline const std::string kApi = "/api/v1";

// `action` together with the storage its options are bound to (kept alive with it).
Action Keep(std::shared_ptr<void> options, Action action);
// kApi + "/" + collection + "/" + the id as one path segment.
std::string PathOf(std::string_view collection, const std::string& id);
// --limit, --cursor and --all on a list command.
void AddPageOptions(CLI::App* command, PageOptions& page);
// Appends key=value to `query` when `value` is set.
void AddIfGiven(Query& query, const char* key, const std::optional<std::string>& value);
// A repeatable option: each occurrence takes exactly one value, so a following positional
// argument is never swallowed as another value.
CLI::Option* AddRepeatable(CLI::App* command, const std::string& name, std::vector<std::string>& target,
                           const std::string& help);
boost::json::array ToArray(const std::vector<std::string>& values);
// An action that sends one request and shows the object the node answers.
Action ShowOne(Method method, std::function<std::string()> path,
               std::function<boost::json::value()> body = {});
// DELETE of an object the node answers with 204: says so in table mode only, so that
// --json output stays empty like the node's answer. `id` must outlive the action.
Action DeleteOne(std::function<std::string()> path, std::string what, const std::string& id);
// A list command: fetches (all pages with --all) and shows `columns`. `page` and `columns`
// must outlive the action.
Action ListAll(std::string path, std::function<Query()> query, const PageOptions& page,
               const std::vector<Column>& columns);

// Adds option `name` that sets `target` only when given (CLI11 2.1 has no std::optional
// binding). Returns the option for further configuration.
CLI::Option* AddOptional(CLI::App* command, const std::string& name, std::optional<std::string>& target,
                         const std::string& help);
CLI::Option* AddOptional(CLI::App* command, const std::string& name, std::optional<int64_t>& target,
                         const std::string& help);

}  // namespace aiip::cli
