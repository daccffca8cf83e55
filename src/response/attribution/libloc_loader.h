// Loading an IPFire location database (libloc's location.db, as Debian's libloc-database
// installs it) into an attribution Table, through libloc's C API.
//
// This is the only part of the attribution engine that does I/O; the Table it builds is
// pure. Every network of the database (LOC_DB_ENUMERATE_NETWORKS, not flattened) becomes a
// network of the table with its origin AS and country; AS names come from the database's
// AS list. The dataset id is MakeDatasetId(vendor, created_at, absolute path).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "response/attribution/dataset.h"
#include "response/attribution/table.h"

namespace aiip::attribution {

inline constexpr std::string_view kDefaultLocationDb = "/usr/share/libloc-location/location.db";

struct LoadStats {
  double read_seconds = 0;   // enumerating the database through libloc
  double build_seconds = 0;  // TableBuilder::Build (sort, partition, tries)
  size_t v4_networks = 0;
  size_t v6_networks = 0;
  size_t ases = 0;  // ASes with a name in the database
};

struct LoadedDataset {
  DatasetInfo info;
  std::shared_ptr<const Table> table;
  LoadStats stats;
};

// Reads the database at `path`. Errors: NotFound if the file cannot be opened,
// InvalidArgument("invalid-location-db") if libloc rejects it or a record is malformed
// (the detail names the record), or the builder's errors. Thread-compatible.
Result<LoadedDataset> LoadLocationDb(const std::string& path);

}  // namespace aiip::attribution
