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

// Adds option `name` that sets `target` only when given (CLI11 2.1 has no std::optional
// binding). Returns the option for further configuration.
CLI::Option* AddOptional(CLI::App* command, const std::string& name, std::optional<std::string>& target,
                         const std::string& help);
CLI::Option* AddOptional(CLI::App* command, const std::string& name, std::optional<int64_t>& target,
                         const std::string& help);

}  // namespace aiip::cli
