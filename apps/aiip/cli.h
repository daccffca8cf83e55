// The `aiip` command line: the operator's client of an AIIP node.
//
// RunCli parses one invocation with CLI11 (global options --server, --token-file,
// --ca-file, --config and --json may appear before or after the subcommand), runs the
// selected subcommand against the node and maps the outcome to the process exit code:
//
//   0  success (including --help);
//   1  the node answered with a problem — printed as "error: <title>: <detail>
//      [field <field>]" on stderr — or a verification failed or the node's answer was
//      malformed;
//   2  usage errors (bad options, bad config or token file) or the node could not be
//      reached at all.
//
// Results go to `out`, diagnostics to `err`; the environment is read only through `env`.
// main() is a thin wrapper, so tests drive the whole command line in-process.
#pragma once

#include <ostream>

#include "aiip/settings.h"

namespace aiip::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitProblem = 1,
  kExitUsage = 2,
};

// Runs `argv[1..argc)` as one `aiip` invocation and returns its exit code. Parse errors
// (CLI11 exceptions) are handled here and become exit code 2.
int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err, const EnvLookup& env);

}  // namespace aiip::cli
