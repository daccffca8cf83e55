// Dataset versions: attribution as of a point in time.
//
// Routing and location data change every day, and an attack is attributed with the data
// that was true when it happened. An AttributionSet holds several loaded Tables, each with
// a validity period [valid_from, valid_until): by default a dataset is valid from its
// creation time until the creation time of the next newer dataset (the newest one stays
// valid), and either bound can be given explicitly. Attributing an address as of a time
// picks the dataset valid then and says which one answered, by its id.
//
// Building the set is not thread-safe; once built, const methods may be called from any
// number of threads.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "response/attribution/table.h"

namespace aiip::attribution {

// Where a dataset came from.
struct DatasetInfo {
  // Stable identity, "<vendor>/<created_at>/<source hash>" for loaded files (see
  // MakeDatasetId); must be unique within a set.
  std::string id;
  std::string vendor;
  SystemTime created_at{};
  std::string source;  // e.g. the file path
};

// "<vendor slug>/<created_at as RFC 3339>/<16 hex digits of FNV-1a-64 of source>": the
// vendor lower-cased with every run of other characters than [a-z0-9] as one "-".
std::string MakeDatasetId(std::string_view vendor, SystemTime created_at, std::string_view source);

struct Dataset {
  DatasetInfo info;
  std::shared_ptr<const Table> table;
  SystemTime valid_from{};
  std::optional<SystemTime> valid_until;  // nullopt: still valid
};

// The answer for one address as of a time.
struct Attribution {
  const Dataset* dataset = nullptr;  // the dataset that answered; owned by the set
  Answer answer;
};

class AttributionSet {
 public:
  // Adds a dataset. `valid_from` defaults to info.created_at; `valid_until` defaults to the
  // valid_from of the next dataset in time order (none: open-ended). Errors:
  // Conflict for an id already present, InvalidArgument("invalid-validity") when
  // valid_until <= valid_from, or when `table` is null.
  Status Add(DatasetInfo info, std::shared_ptr<const Table> table, std::optional<SystemTime> valid_from = {},
             std::optional<SystemTime> valid_until = {});

  // The dataset valid at `at` (the one with the latest valid_from if periods given
  // explicitly overlap), or nullptr.
  const Dataset* At(SystemTime at) const;

  // Attributes `address` as of `at`. Returns NotFound naming the time when no dataset is
  // valid then; an address no network covers is a found dataset with !answer.found().
  Result<Attribution> Attribute(const IpAddress& address, SystemTime at) const;

  // The datasets, ordered by valid_from, with their effective valid_until.
  std::span<const Dataset> datasets() const { return datasets_; }

 private:
  struct Explicit {
    std::optional<SystemTime> valid_until;
  };
  void Recompute();

  std::vector<Dataset> datasets_;
  std::vector<Explicit> explicit_;  // parallel to datasets_
};

}  // namespace aiip::attribution
