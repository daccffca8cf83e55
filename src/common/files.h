// Files AIIP writes for its operator: small secrets and state files (the administrator
// token, the bound URL, the database URL) that must never be readable by others and never
// be seen half-written.
#pragma once

#include <filesystem>
#include <string>

#include "common/status.h"

namespace aiip {

// Writes `contents` to `path` with mode 0600: to a temporary file created with O_EXCL,
// fsync'd, then renamed over `path`, so a crash leaves the old file or the whole new one.
// Returns kInternal naming the file on any I/O error. Not safe against concurrent writers
// of the same path.
Status WritePrivateFile(const std::filesystem::path& path, const std::string& contents);

}  // namespace aiip
