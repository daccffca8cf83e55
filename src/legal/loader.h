// Reading the legal reference data from a directory (data/legal): the only part of the
// legal module that touches the file system, kept apart so the engine takes values.
#pragma once

#include <filesystem>
#include <vector>

#include "common/status.h"
#include "legal/data.h"

namespace aiip::legal {

// Reads conduct.json, instruments.json, parties/*.json and states/*.json under `directory`
// (files in sorted order) and parses them with ParseLegalData. Errors:
// InvalidArgument("unreadable-data") naming the path when a file cannot be read, else
// ParseLegalData's errors.
Result<LegalData> LoadLegalData(const std::filesystem::path& directory);

// The files LoadLegalData would parse, read but not parsed.
Result<std::vector<DataFile>> ReadLegalDataFiles(const std::filesystem::path& directory);

}  // namespace aiip::legal
