// Statistics of incidents that expose no one: aggregate tables by sector, region, attack type
// and month, with primary and complementary (secondary) cell suppression.
//
// A table crosses 1..4 dimensions and carries all its marginal totals: each dimension gets one
// extra "total" position, so a table over dimensions of n1, n2 ... categories has
// (n1+1)(n2+1)... cells, and every line of it (one dimension varying, the others fixed,
// totals included) satisfies "interior cells sum to the line's total". A cell holds the
// number of incidents, the banded sum of losses (an interval: the sum of the lower and of the
// upper bounds of the reported bands) and the median and 90th percentile of the hours to
// detect (nearest rank).
//
// Primary suppression: a cell is published only if at least k distinct reporting
// organisations contribute (k = 5 by default). Complementary suppression (the pair rule of the
// hypercube family of methods, then an exact linear audit): until every line that contains a
// suppressed cell contains at least two, the cheapest other cell of a line with only one is
// suppressed; then the published line equations are solved over the suppressed cells and any
// cell they determine exactly gets a further partner, until none is determined. The measures
// share the pattern; loss sums get their own primary rule (k organisations reporting a loss)
// and the same complementary step; the percentiles, which are not additive, only a primary
// rule. doc/sharing.md gives the argument. Pure and thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace aiip::incidents::statistics {

enum class Dimension : uint8_t { kSector, kRegion, kAttackType, kMonth };

// "sector", "region", "attack_type", "month".
std::string_view DimensionName(Dimension dimension);
// The names above; otherwise InvalidArgument("invalid-value").
Result<Dimension> ParseDimension(std::string_view name);

// A loss band [lower, upper); no upper bound for the last, open band.
struct LossBand {
  std::string label;
  int64_t lower = 0;
  std::optional<int64_t> upper;
};

// Bands must have distinct non-empty labels, 0 <= lower < upper, and be ordered without
// overlap. Errors name "/loss_bands/<i>/<field>".
Status ValidateLossBands(std::span<const LossBand> bands);

// One incident as the statistics see it (already sanitised: the loss is a band label).
struct Incident {
  std::string organisation;  // the reporting organisation: counted for the threshold
  std::string sector;
  std::string region;
  std::string attack_type;
  std::string month;                      // "YYYY-MM"
  std::optional<std::string> loss_band;   // a label of TableSpec::loss_bands
  std::optional<double> hours_to_detect;  // >= 0
};

struct TableSpec {
  std::vector<Dimension> dimensions;  // 1..4, distinct
  uint32_t min_organisations = 5;     // k (>= 1)
  std::vector<LossBand> loss_bands;
  // The categories of a dimension, in order; a dimension not listed takes the values seen in
  // the data, sorted. An incident outside a listed set is an error.
  std::map<Dimension, std::vector<std::string>> categories;
};

enum class CellStatus : uint8_t {
  kPublished,
  kPrimary,    // fewer than k contributing organisations
  kSecondary,  // suppressed so that a primary cell cannot be derived from the others
};

struct Cell {
  uint64_t incidents = 0;
  uint32_t organisations = 0;  // distinct contributors (never exported)
  CellStatus status = CellStatus::kPublished;

  uint64_t with_loss = 0;
  int64_t loss_lower = 0;             // sum of the lower bounds of the reported bands
  std::optional<int64_t> loss_upper;  // sum of the upper bounds; none if a band is open
  CellStatus loss_status = CellStatus::kPublished;

  uint64_t with_detection = 0;
  std::optional<double> hours_to_detect_median;  // nearest rank
  std::optional<double> hours_to_detect_p90;
  bool detection_published = false;  // k organisations reported a detection time, cell published
};

struct Table {
  std::vector<Dimension> dimensions;
  std::vector<std::vector<std::string>> categories;  // per dimension, without the total
  std::vector<Cell> cells;  // row-major; position categories[d].size() in dimension d is the total
  uint32_t min_organisations = 5;
  // Whether the exact linear audit ran for the counts and for the losses (it is skipped, and
  // only the pair rule holds, when a pattern has more than kMaxAuditedCells suppressed cells).
  bool counts_audited = false;
  bool losses_audited = false;

  std::vector<size_t> Extents() const;  // categories[d].size() + 1 per dimension
  size_t IndexOf(std::span<const size_t> coordinates) const;
  std::vector<size_t> CoordinatesOf(size_t index) const;
};

inline constexpr size_t kMaxAuditedCells = 1500;

// Builds the table of `incidents` under `spec`, suppression applied. Errors: an invalid spec
// ("/dimensions", "/min_organisations", "/loss_bands/..."), or an incident with a bad month,
// an unknown loss band or a category outside a listed set, named "/incidents/<i>/<field>".
Result<Table> BuildTable(std::span<const Incident> incidents, const TableSpec& spec);

// The complementary suppression on its own, over an extended table of the given `extents`
// (each including its total position, as in Table). `primary[i]` marks primary cells and
// `weights[i]` the cost of suppressing cell i (the cheapest positive cell is chosen first).
// Returns the status of every cell and whether the linear audit ran (`audited`).
struct SuppressionResult {
  std::vector<CellStatus> status;
  bool audited = false;
};
SuppressionResult Suppress(std::span<const size_t> extents, const std::vector<bool>& primary,
                           std::span<const uint64_t> weights);

// RFC 4180 CSV (CRLF line ends, fields quoted when they hold a comma, quote, CR or LF): one
// header line, then one line per cell in row-major order with "(total)" for margins. Columns:
// the dimension names, incidents, loss_reported, loss_min, loss_max, hours_to_detect_median,
// hours_to_detect_p90, status ("published" or "suppressed"; primary and secondary are not
// told apart). Suppressed values are empty fields.
std::string ToCsv(const Table& table);

}  // namespace aiip::incidents::statistics
