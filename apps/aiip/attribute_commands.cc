// aiip attribute ...: attacking addresses to network, AS and country, offline.

#include "aiip/commands.h"

namespace aiip::cli {

void AddAttributeCommands(CLI::App& /*app*/, CommandTable& /*table*/) {}

}  // namespace aiip::cli
