// aiip vuln ...: the vulnerability clearinghouse (scan offline, ingest against a node).

#include "aiip/commands.h"

namespace aiip::cli {

void AddVulnCommands(CLI::App& /*app*/, CommandTable& /*table*/) {}

}  // namespace aiip::cli
