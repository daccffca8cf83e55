// aiip legal ...: assessment of legal-cooperation requests, offline.

#include "aiip/commands.h"

namespace aiip::cli {

void AddLegalCommands(CLI::App& /*app*/, CommandTable& /*table*/) {}

}  // namespace aiip::cli
