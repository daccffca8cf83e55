#include "incidents/statistics/statistics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <unordered_map>

namespace aiip::incidents::statistics {
namespace {

__extension__ typedef unsigned __int128 Uint128;

// Arithmetic modulo the Mersenne prime 2^61 - 1: exact elimination without growth of entries.
constexpr uint64_t kPrime = (uint64_t{1} << 61) - 1;

uint64_t MulMod(uint64_t a, uint64_t b) {
  const Uint128 product = static_cast<Uint128>(a) * b;
  uint64_t r = static_cast<uint64_t>(product & kPrime) + static_cast<uint64_t>(product >> 61);
  if (r >= kPrime) r -= kPrime;
  return r;
}
uint64_t SubMod(uint64_t a, uint64_t b) { return a >= b ? a - b : a + kPrime - b; }
uint64_t PowMod(uint64_t base, uint64_t exponent) {
  uint64_t result = 1;
  while (exponent > 0) {
    if (exponent & 1) result = MulMod(result, base);
    base = MulMod(base, base);
    exponent >>= 1;
  }
  return result;
}
uint64_t InvMod(uint64_t a) { return PowMod(a, kPrime - 2); }

// The lines of an extended table: one dimension varies over all its positions (the last is
// the total), the others are fixed.
class Lines {
 public:
  explicit Lines(std::span<const size_t> extents) : extents_(extents.begin(), extents.end()) {
    strides_.assign(extents_.size(), 1);
    for (size_t d = extents_.size(); d-- > 1;) strides_[d - 1] = strides_[d] * extents_[d];
    size_ = extents_.empty() ? 0 : strides_[0] * extents_[0];
  }

  size_t size() const { return size_; }

  // Calls visit(cells) for every line with at least two positions; `cells` lists the
  // interior positions first and the total last.
  template <typename Visit>
  void ForEach(Visit&& visit) const {
    std::vector<size_t> cells;
    for (size_t d = 0; d < extents_.size(); ++d) {
      if (extents_[d] < 2) continue;
      for (size_t base = 0; base < size_; ++base) {
        if ((base / strides_[d]) % extents_[d] != 0) continue;
        cells.clear();
        for (size_t i = 0; i < extents_[d]; ++i) cells.push_back(base + i * strides_[d]);
        visit(std::span<const size_t>(cells));
      }
    }
  }

 private:
  std::vector<size_t> extents_;
  std::vector<size_t> strides_;
  size_t size_ = 0;
};

bool IsSuppressed(CellStatus s) { return s != CellStatus::kPublished; }

// The cheapest published cell of `cells`: the smallest positive weight, else the first
// zero-weight one; none if all are suppressed.
std::optional<size_t> CheapestPublished(std::span<const size_t> cells, const std::vector<CellStatus>& status,
                                        std::span<const uint64_t> weights) {
  std::optional<size_t> best;
  for (size_t cell : cells) {
    if (IsSuppressed(status[cell])) continue;
    if (!best.has_value()) {
      best = cell;
      continue;
    }
    const uint64_t w = weights[cell], b = weights[*best];
    if ((b == 0 && w > 0) || (w > 0 && w < b)) best = cell;
  }
  return best;
}

// The pair rule: until every line with a suppressed cell has at least two.
void PairRule(const Lines& lines, std::vector<CellStatus>& status, std::span<const uint64_t> weights) {
  bool changed = true;
  while (changed) {
    changed = false;
    lines.ForEach([&](std::span<const size_t> cells) {
      const auto suppressed =
          std::count_if(cells.begin(), cells.end(), [&](size_t c) { return IsSuppressed(status[c]); });
      if (suppressed != 1) return;
      if (auto partner = CheapestPublished(cells, status, weights)) {
        status[*partner] = CellStatus::kSecondary;
        changed = true;
      }
    });
  }
}

struct UnionFind {
  std::vector<size_t> parent;
  explicit UnionFind(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), size_t{0}); }
  size_t Find(size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void Unite(size_t a, size_t b) { parent[Find(a)] = Find(b); }
};

// The exact audit: the published lines give linear equations over the suppressed cells
// (interior +1, total -1, published values on the right-hand side). A suppressed cell is
// derivable iff its unit vector lies in the row space of those equations, i.e. iff in the
// reduced row echelon form its column is a pivot whose row has no entry in a free column.
// Equations couple only cells of one connected component, so each component is solved alone.
// Returns the first derivable cell, or none; `complete` is false if a component was too large.
std::optional<size_t> FindDerivable(const Lines& lines, const std::vector<CellStatus>& status,
                                    bool& complete) {
  complete = true;
  std::vector<std::vector<size_t>> equations;
  UnionFind components(lines.size());
  lines.ForEach([&](std::span<const size_t> cells) {
    std::vector<size_t> line(cells.begin(), cells.end());
    if (std::none_of(line.begin(), line.end(), [&](size_t c) { return IsSuppressed(status[c]); })) return;
    size_t first = SIZE_MAX;
    for (size_t c : line) {
      if (!IsSuppressed(status[c])) continue;
      if (first == SIZE_MAX) first = c;
      components.Unite(first, c);
    }
    equations.push_back(std::move(line));
  });
  std::unordered_map<size_t, std::vector<size_t>> members;  // component root -> cells
  for (size_t c = 0; c < lines.size(); ++c) {
    if (IsSuppressed(status[c])) members[components.Find(c)].push_back(c);
  }
  std::unordered_map<size_t, std::vector<const std::vector<size_t>*>> rows_of;
  for (const auto& line : equations) {
    for (size_t c : line) {
      if (IsSuppressed(status[c])) {
        rows_of[components.Find(c)].push_back(&line);
        break;
      }
    }
  }
  std::optional<size_t> derivable;
  for (auto& [root, cells] : members) {
    if (cells.size() > kMaxAuditedCells) {
      complete = false;
      continue;
    }
    std::unordered_map<size_t, size_t> column;
    for (size_t i = 0; i < cells.size(); ++i) column[cells[i]] = i;
    const size_t n = cells.size();
    std::vector<std::vector<uint64_t>> matrix;
    for (const auto* line : rows_of[root]) {
      std::vector<uint64_t> row(n, 0);
      for (size_t i = 0; i < line->size(); ++i) {
        auto it = column.find((*line)[i]);
        if (it == column.end()) continue;
        row[it->second] = i + 1 == line->size() ? kPrime - 1 : 1;
      }
      matrix.push_back(std::move(row));
    }
    std::vector<size_t> pivot_column;
    size_t rank = 0;
    for (size_t col = 0; col < n && rank < matrix.size(); ++col) {
      size_t pivot = rank;
      while (pivot < matrix.size() && matrix[pivot][col] == 0) ++pivot;
      if (pivot == matrix.size()) continue;
      std::swap(matrix[pivot], matrix[rank]);
      const uint64_t inverse = InvMod(matrix[rank][col]);
      for (uint64_t& v : matrix[rank]) v = MulMod(v, inverse);
      for (size_t r = 0; r < matrix.size(); ++r) {
        if (r == rank || matrix[r][col] == 0) continue;
        const uint64_t factor = matrix[r][col];
        for (size_t k = col; k < n; ++k) matrix[r][k] = SubMod(matrix[r][k], MulMod(factor, matrix[rank][k]));
      }
      pivot_column.push_back(col);
      ++rank;
    }
    std::vector<bool> is_pivot(n, false);
    for (size_t col : pivot_column) is_pivot[col] = true;
    for (size_t r = 0; r < rank; ++r) {
      bool free_entry = false;
      for (size_t k = 0; k < n && !free_entry; ++k) free_entry = !is_pivot[k] && matrix[r][k] != 0;
      if (!free_entry) {
        const size_t cell = cells[pivot_column[r]];
        if (!derivable.has_value() || cell < *derivable) derivable = cell;
      }
    }
  }
  return derivable;
}

std::optional<double> NearestRank(std::vector<double>& values, double p) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

bool ValidMonth(std::string_view m) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (m.size() != 7 || m[4] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6}) {
    if (!digit(m[i])) return false;
  }
  const int month = (m[5] - '0') * 10 + (m[6] - '0');
  return month >= 1 && month <= 12;
}

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Number(double v) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return ec == std::errc() ? std::string(buffer, end) : std::string();
}

std::string_view CategoryOf(const Incident& incident, Dimension d) {
  switch (d) {
    case Dimension::kSector:
      return incident.sector;
    case Dimension::kRegion:
      return incident.region;
    case Dimension::kAttackType:
      return incident.attack_type;
    case Dimension::kMonth:
      return incident.month;
  }
  return incident.sector;
}

}  // namespace

std::string_view DimensionName(Dimension dimension) {
  switch (dimension) {
    case Dimension::kSector:
      return "sector";
    case Dimension::kRegion:
      return "region";
    case Dimension::kAttackType:
      return "attack_type";
    case Dimension::kMonth:
      return "month";
  }
  return "sector";
}

Result<Dimension> ParseDimension(std::string_view name) {
  for (Dimension d : {Dimension::kSector, Dimension::kRegion, Dimension::kAttackType, Dimension::kMonth}) {
    if (name == DimensionName(d)) return d;
  }
  return Err(InvalidArgument("invalid-value", "a dimension is sector, region, attack_type or month"));
}

Status ValidateLossBands(std::span<const LossBand> bands) {
  for (size_t i = 0; i < bands.size(); ++i) {
    const std::string at = "/loss_bands/" + std::to_string(i);
    const LossBand& b = bands[i];
    if (b.label.empty()) return InvalidArgument("invalid-value", "a band has a label", at + "/label");
    for (size_t j = 0; j < i; ++j) {
      if (bands[j].label == b.label)
        return InvalidArgument("invalid-value", "duplicate band label", at + "/label");
    }
    if (b.lower < 0) return InvalidArgument("out-of-range", "a lower bound is at least 0", at + "/lower");
    if (b.upper.has_value() && *b.upper <= b.lower) {
      return InvalidArgument("out-of-range", "the upper bound exceeds the lower bound", at + "/upper");
    }
    if (i > 0) {
      const LossBand& previous = bands[i - 1];
      if (!previous.upper.has_value() || b.lower < *previous.upper) {
        return InvalidArgument("invalid-value", "bands are ordered and do not overlap", at + "/lower");
      }
    }
  }
  return Status::Ok();
}

std::vector<size_t> Table::Extents() const {
  std::vector<size_t> extents;
  for (const auto& c : categories) extents.push_back(c.size() + 1);
  return extents;
}

size_t Table::IndexOf(std::span<const size_t> coordinates) const {
  size_t index = 0;
  for (size_t d = 0; d < categories.size(); ++d) index = index * (categories[d].size() + 1) + coordinates[d];
  return index;
}

std::vector<size_t> Table::CoordinatesOf(size_t index) const {
  std::vector<size_t> out(categories.size());
  for (size_t d = categories.size(); d-- > 0;) {
    out[d] = index % (categories[d].size() + 1);
    index /= categories[d].size() + 1;
  }
  return out;
}

SuppressionResult Suppress(std::span<const size_t> extents, const std::vector<bool>& primary,
                           std::span<const uint64_t> weights) {
  const Lines lines(extents);
  SuppressionResult result;
  result.status.assign(lines.size(), CellStatus::kPublished);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (primary[i]) result.status[i] = CellStatus::kPrimary;
  }
  result.audited = true;
  while (true) {
    PairRule(lines, result.status, weights);
    bool complete = true;
    const std::optional<size_t> derivable = FindDerivable(lines, result.status, complete);
    result.audited = result.audited && complete;
    if (!derivable.has_value()) break;
    // Give the derivable cell one more partner: the cheapest published cell on its lines, or
    // failing that anywhere (each round suppresses one more cell, so the loop ends).
    std::vector<size_t> candidates;
    lines.ForEach([&](std::span<const size_t> cells) {
      if (std::find(cells.begin(), cells.end(), *derivable) != cells.end()) {
        candidates.insert(candidates.end(), cells.begin(), cells.end());
      }
    });
    auto partner = CheapestPublished(candidates, result.status, weights);
    if (!partner.has_value()) {
      std::vector<size_t> all(lines.size());
      std::iota(all.begin(), all.end(), size_t{0});
      partner = CheapestPublished(all, result.status, weights);
    }
    if (!partner.has_value()) break;
    result.status[*partner] = CellStatus::kSecondary;
  }
  return result;
}

Result<Table> BuildTable(std::span<const Incident> incidents, const TableSpec& spec) {
  if (spec.dimensions.empty() || spec.dimensions.size() > 4) {
    return Err(InvalidArgument("out-of-range", "a table has 1 to 4 dimensions", "/dimensions"));
  }
  for (size_t i = 0; i < spec.dimensions.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (spec.dimensions[i] == spec.dimensions[j]) {
        return Err(
            InvalidArgument("invalid-value", "duplicate dimension", "/dimensions/" + std::to_string(i)));
      }
    }
  }
  if (spec.min_organisations < 1) {
    return Err(InvalidArgument("out-of-range", "the threshold is at least 1", "/min_organisations"));
  }
  AIIP_RETURN_IF_ERROR(ValidateLossBands(spec.loss_bands));

  const size_t dims = spec.dimensions.size();
  Table table;
  table.dimensions = spec.dimensions;
  table.min_organisations = spec.min_organisations;
  table.categories.resize(dims);
  std::vector<std::unordered_map<std::string_view, size_t>> position(dims);
  for (size_t d = 0; d < dims; ++d) {
    auto listed = spec.categories.find(spec.dimensions[d]);
    if (listed != spec.categories.end()) {
      table.categories[d] = listed->second;
    } else {
      for (const Incident& incident : incidents)
        table.categories[d].emplace_back(CategoryOf(incident, spec.dimensions[d]));
      std::sort(table.categories[d].begin(), table.categories[d].end());
      table.categories[d].erase(std::unique(table.categories[d].begin(), table.categories[d].end()),
                                table.categories[d].end());
    }
    for (size_t i = 0; i < table.categories[d].size(); ++i) position[d][table.categories[d][i]] = i;
  }

  // Validate every incident and find its coordinates.
  std::unordered_map<std::string_view, uint32_t> organisation_ids;
  std::vector<std::vector<size_t>> coordinates(incidents.size());
  for (size_t i = 0; i < incidents.size(); ++i) {
    const Incident& incident = incidents[i];
    const std::string at = "/incidents/" + std::to_string(i);
    if (incident.organisation.empty()) {
      return Err(
          InvalidArgument("missing-field", "the reporting organisation is required", at + "/organisation"));
    }
    if (!ValidMonth(incident.month))
      return Err(InvalidArgument("invalid-value", "a month is YYYY-MM", at + "/month"));
    if (incident.loss_band.has_value() &&
        std::none_of(spec.loss_bands.begin(), spec.loss_bands.end(),
                     [&](const LossBand& b) { return b.label == *incident.loss_band; })) {
      return Err(InvalidArgument("invalid-value", "unknown loss band '" + *incident.loss_band + "'",
                                 at + "/loss_band"));
    }
    if (incident.hours_to_detect.has_value() &&
        (!std::isfinite(*incident.hours_to_detect) || *incident.hours_to_detect < 0)) {
      return Err(InvalidArgument("out-of-range", "hours to detect are finite and at least 0",
                                 at + "/hours_to_detect"));
    }
    organisation_ids.emplace(incident.organisation, static_cast<uint32_t>(organisation_ids.size()));
    for (size_t d = 0; d < dims; ++d) {
      const std::string_view category = CategoryOf(incident, spec.dimensions[d]);
      auto it = position[d].find(category);
      if (it == position[d].end()) {
        return Err(InvalidArgument("invalid-value",
                                   "'" + std::string(category) + "' is not a listed category",
                                   at + "/" + std::string(DimensionName(spec.dimensions[d]))));
      }
      coordinates[i].push_back(it->second);
    }
  }

  const std::vector<size_t> extents = table.Extents();
  size_t size = 1;
  for (size_t e : extents) size *= e;
  table.cells.assign(size, Cell{});
  std::vector<std::vector<uint32_t>> organisations(size), loss_organisations(size),
      detection_organisations(size);
  std::vector<std::vector<double>> detection(size);
  std::vector<bool> open_band(size, false);
  std::vector<size_t> at(dims);
  for (size_t i = 0; i < incidents.size(); ++i) {
    const Incident& incident = incidents[i];
    const uint32_t org = organisation_ids.at(incident.organisation);
    const LossBand* band = nullptr;
    if (incident.loss_band.has_value()) {
      for (const LossBand& b : spec.loss_bands) {
        if (b.label == *incident.loss_band) band = &b;
      }
    }
    // The incident counts in its own cell and in every margin above it: 2^dims cells.
    for (uint32_t mask = 0; mask < (1u << dims); ++mask) {
      for (size_t d = 0; d < dims; ++d) at[d] = (mask >> d) & 1 ? extents[d] - 1 : coordinates[i][d];
      const size_t c = table.IndexOf(at);
      Cell& cell = table.cells[c];
      ++cell.incidents;
      organisations[c].push_back(org);
      if (band != nullptr) {
        ++cell.with_loss;
        cell.loss_lower += band->lower;
        if (band->upper.has_value()) {
          cell.loss_upper = cell.loss_upper.value_or(0) + *band->upper;
        } else {
          open_band[c] = true;
        }
        loss_organisations[c].push_back(org);
      }
      if (incident.hours_to_detect.has_value()) {
        ++cell.with_detection;
        detection[c].push_back(*incident.hours_to_detect);
        detection_organisations[c].push_back(org);
      }
    }
  }
  auto distinct = [](std::vector<uint32_t>& v) {
    std::sort(v.begin(), v.end());
    return static_cast<uint32_t>(std::unique(v.begin(), v.end()) - v.begin());
  };

  const uint32_t k = spec.min_organisations;
  std::vector<bool> primary(size), loss_primary(size);
  std::vector<uint64_t> weights(size), loss_weights(size);
  std::vector<uint32_t> detection_count(size);
  for (size_t c = 0; c < size; ++c) {
    Cell& cell = table.cells[c];
    cell.organisations = distinct(organisations[c]);
    if (open_band[c]) cell.loss_upper.reset();
    if (cell.with_loss == 0) cell.loss_upper = 0;
    primary[c] = cell.organisations > 0 && cell.organisations < k;
    weights[c] = cell.incidents;
    const uint32_t loss_orgs = distinct(loss_organisations[c]);
    loss_primary[c] = loss_orgs > 0 && loss_orgs < k;
    loss_weights[c] = static_cast<uint64_t>(cell.loss_lower) + cell.with_loss;
    detection_count[c] = distinct(detection_organisations[c]);
    cell.hours_to_detect_median = NearestRank(detection[c], 0.5);
    cell.hours_to_detect_p90 = NearestRank(detection[c], 0.9);
  }
  SuppressionResult counts = Suppress(extents, primary, weights);
  table.counts_audited = counts.audited;
  for (size_t c = 0; c < size; ++c) {
    table.cells[c].status = counts.status[c];
    // Losses are hidden wherever the counts are, and wherever too few reported a loss.
    loss_primary[c] = loss_primary[c] || IsSuppressed(counts.status[c]);
  }
  SuppressionResult losses = Suppress(extents, loss_primary, loss_weights);
  table.losses_audited = losses.audited;
  for (size_t c = 0; c < size; ++c) {
    Cell& cell = table.cells[c];
    cell.loss_status = losses.status[c];
    cell.detection_published = !IsSuppressed(cell.status) && detection_count[c] >= k;
  }
  return table;
}

std::string ToCsv(const Table& table) {
  std::string out;
  for (Dimension d : table.dimensions) out += std::string(DimensionName(d)) + ",";
  out += "incidents,loss_reported,loss_min,loss_max,hours_to_detect_median,hours_to_detect_p90,status\r\n";
  for (size_t index = 0; index < table.cells.size(); ++index) {
    const std::vector<size_t> at = table.CoordinatesOf(index);
    for (size_t d = 0; d < at.size(); ++d) {
      out +=
          at[d] == table.categories[d].size() ? std::string("(total)") : CsvField(table.categories[d][at[d]]);
      out += ",";
    }
    const Cell& cell = table.cells[index];
    const bool published = !IsSuppressed(cell.status);
    const bool loss = !IsSuppressed(cell.loss_status);
    out += (published ? std::to_string(cell.incidents) : "") + ",";
    out += (loss ? std::to_string(cell.with_loss) : "") + ",";
    out += (loss ? std::to_string(cell.loss_lower) : "") + ",";
    out += (loss && cell.loss_upper.has_value() ? std::to_string(*cell.loss_upper) : "") + ",";
    out += (cell.detection_published ? Number(*cell.hours_to_detect_median) : "") + ",";
    out += (cell.detection_published ? Number(*cell.hours_to_detect_p90) : "") + ",";
    out += published ? "published" : "suppressed";
    out += "\r\n";
  }
  return out;
}

}  // namespace aiip::incidents::statistics
