#include "aiip/cli.h"

#include <CLI/CLI.hpp>

#include "aiip/commands.h"
#include "aiip/output.h"
#include "aiip/session.h"

namespace aiip::cli {

namespace {

// Prints why the command failed and picks the exit code (see cli.h).
int ReportFailure(const Status& status, const Session& session, std::ostream& err) {
  const HttpClient* client = session.client_if_created();
  if (client != nullptr && client->last_problem()) {
    const Problem& problem = *client->last_problem();
    err << "error: " << Printable(problem.title);
    if (!problem.detail.empty()) err << ": " << Printable(problem.detail);
    if (!problem.field.empty()) err << " [field " << Printable(problem.field) << "]";
    err << '\n';
    return kExitProblem;
  }
  err << "error: " << Printable(status.detail());
  if (!status.field().empty()) err << " [field " << Printable(status.field()) << "]";
  err << '\n';
  // Everything else that is the caller's doing is kInvalidArgument: options, config and
  // token files, server URL, CA file.
  if (IsTransportError(status) || status.code() == Code::kInvalidArgument) return kExitUsage;
  return kExitProblem;
}

}  // namespace

int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err, const EnvLookup& env) {
  CLI::App app{"aiip: command-line client of an AIIP node (States, CSIRTs, operators and police cooperating)",
               "aiip"};
  // Subcommands inherit this, so global options may also follow the subcommand.
  app.fallthrough();
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 ok, 1 the node answered with a problem or a check failed, "
      "2 usage error or node unreachable. See doc/cli.md.");

  GlobalOptions globals;
  const std::string group = "Global options";
  AddOptional(&app, "--server", globals.settings.server,
              "Node URL (default: $AIIP_SERVER, config `server`, " + std::string(kDefaultServer) + ")")
      ->group(group);
  AddOptional(&app, "--token-file", globals.settings.token_file,
              "File holding the API token (default: $AIIP_TOKEN, config `token_file`)")
      ->check(CLI::ExistingFile)
      ->group(group);
  AddOptional(&app, "--ca-file", globals.settings.ca_file,
              "PEM CA certificates to trust for https:// instead of the system store")
      ->check(CLI::ExistingFile)
      ->group(group);
  AddOptional(&app, "--config", globals.settings.config_file,
              "Config file (default: ~/.config/aiip/config.toml)")
      ->group(group);
  app.add_flag("--json", globals.json, "Print the node's JSON (pretty-printed) instead of tables")
      ->group(group);

  CommandTable table;
  AddSystemCommands(app, table);
  AddRegistryCommands(app, table);
  AddAuditCommands(app, table);
  AddVulnCommands(app, table);
  AddVulnNodeCommands(app, table);
  AddAttributeCommands(app, table);
  AddLegalCommands(app, table);
  AddLegalNetworkCommands(app, table);
  AddClearinghouseCommands(app, table);
  AddMailCommands(app, table);
  AddIncidentCommands(app, table);
  AddResponseCommands(app, table);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help arrives here too, as a "successful" parse error that prints the help.
    return app.exit(e, out, err) == 0 ? kExitOk : kExitUsage;
  }

  const Action* action = table.Selected();
  Session session(std::move(globals), env, out, err);
  if (action == nullptr) {
    err << "error: no command given; see aiip --help\n";
    return kExitUsage;
  }
  const Status status = (*action)(session);
  if (!status.ok()) return ReportFailure(status, session, err);
  return session.findings_exit() ? kExitProblem : kExitOk;
}

}  // namespace aiip::cli
