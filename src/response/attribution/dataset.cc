#include "response/attribution/dataset.h"

#include <algorithm>
#include <cstdio>

#include "common/time.h"

namespace aiip::attribution {

std::string MakeDatasetId(std::string_view vendor, SystemTime created_at, std::string_view source) {
  std::string slug;
  for (char c : vendor) {
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if ((lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9')) {
      slug += lower;
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  if (slug.empty()) slug = "unknown";
  uint64_t hash = 0xcbf29ce484222325ull;
  for (char c : source) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 0x100000001b3ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return slug + "/" + FormatRfc3339(created_at) + "/" + hex;
}

Status AttributionSet::Add(DatasetInfo info, std::shared_ptr<const Table> table,
                           std::optional<SystemTime> valid_from, std::optional<SystemTime> valid_until) {
  if (table == nullptr) return InvalidArgument("invalid-validity", "dataset " + info.id + " has no table");
  for (const Dataset& d : datasets_) {
    if (d.info.id == info.id) return Conflict("dataset " + info.id + " is already loaded");
  }
  const SystemTime from = valid_from.value_or(info.created_at);
  if (valid_until && *valid_until <= from) {
    return InvalidArgument("invalid-validity", "dataset " + info.id + " would be valid until " +
                                                   FormatRfc3339(*valid_until) + ", not after its start " +
                                                   FormatRfc3339(from));
  }
  Dataset dataset{std::move(info), std::move(table), from, valid_until};
  auto pos = std::upper_bound(datasets_.begin(), datasets_.end(), from,
                              [](SystemTime t, const Dataset& d) { return t < d.valid_from; });
  const auto offset = pos - datasets_.begin();
  datasets_.insert(pos, std::move(dataset));
  explicit_.insert(explicit_.begin() + offset, Explicit{valid_until});
  Recompute();
  return Status::Ok();
}

void AttributionSet::Recompute() {
  for (size_t i = 0; i < datasets_.size(); ++i) {
    if (explicit_[i].valid_until) {
      datasets_[i].valid_until = explicit_[i].valid_until;
    } else if (i + 1 < datasets_.size()) {
      datasets_[i].valid_until = datasets_[i + 1].valid_from;
    } else {
      datasets_[i].valid_until.reset();
    }
  }
}

const Dataset* AttributionSet::At(SystemTime at) const {
  for (size_t i = datasets_.size(); i-- > 0;) {
    const Dataset& d = datasets_[i];
    if (d.valid_from <= at && (!d.valid_until || at < *d.valid_until)) return &d;
  }
  return nullptr;
}

Result<Attribution> AttributionSet::Attribute(const IpAddress& address, SystemTime at) const {
  const Dataset* dataset = At(at);
  if (dataset == nullptr) {
    std::string detail = "no attribution dataset is valid at " + FormatRfc3339(at);
    if (!datasets_.empty())
      detail += "; the oldest is valid from " + FormatRfc3339(datasets_.front().valid_from);
    return Err(NotFound(detail));
  }
  return Attribution{dataset, dataset->table->Lookup(address)};
}

}  // namespace aiip::attribution
