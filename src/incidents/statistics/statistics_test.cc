// Statistics: data-driven tables (tests/data/incidents/statistics/), the linear audit on a
// pattern the pair rule alone leaves open, and property tests on random tables that check, with
// an independent rank computation, that no suppressed cell can be derived from what is published.
#include "incidents/statistics/statistics.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <sstream>

namespace aiip::incidents::statistics {
namespace {

bool Suppressed(CellStatus s) { return s != CellStatus::kPublished; }

std::vector<std::vector<size_t>> AllLines(const std::vector<size_t>& extents) {
  // Written independently of the library: enumerate coordinates, group by all-but-one.
  size_t size = 1;
  for (size_t e : extents) size *= e;
  auto coordinates = [&](size_t index) {
    std::vector<size_t> c(extents.size());
    for (size_t d = extents.size(); d-- > 0;) {
      c[d] = index % extents[d];
      index /= extents[d];
    }
    return c;
  };
  std::map<std::pair<size_t, std::vector<size_t>>, std::vector<size_t>> groups;
  for (size_t i = 0; i < size; ++i) {
    auto c = coordinates(i);
    for (size_t d = 0; d < extents.size(); ++d) {
      if (extents[d] < 2) continue;
      auto key = c;
      key[d] = SIZE_MAX;
      groups[{d, key}].push_back(i);  // ascending index = ascending coordinate d: total last
    }
  }
  std::vector<std::vector<size_t>> lines;
  for (auto& [key, cells] : groups) lines.push_back(cells);
  return lines;
}

// Independent check by floating-point rank: a suppressed cell is derivable iff appending its
// unit vector to the published equations does not raise the rank.
size_t Rank(std::vector<std::vector<double>> m) {
  size_t rank = 0;
  const size_t cols = m.empty() ? 0 : m[0].size();
  for (size_t c = 0; c < cols && rank < m.size(); ++c) {
    size_t best = rank;
    for (size_t r = rank; r < m.size(); ++r) {
      if (std::fabs(m[r][c]) > std::fabs(m[best][c])) best = r;
    }
    if (std::fabs(m[best][c]) < 1e-9) continue;
    std::swap(m[best], m[rank]);
    for (size_t r = 0; r < m.size(); ++r) {
      if (r == rank) continue;
      const double f = m[r][c] / m[rank][c];
      if (f == 0) continue;
      for (size_t k = c; k < cols; ++k) m[r][k] -= f * m[rank][k];
    }
    ++rank;
  }
  return rank;
}

std::vector<size_t> DerivableCells(const std::vector<size_t>& extents,
                                   const std::vector<CellStatus>& status) {
  std::vector<size_t> unknown;
  std::map<size_t, size_t> column;
  for (size_t i = 0; i < status.size(); ++i) {
    if (Suppressed(status[i])) {
      column[i] = unknown.size();
      unknown.push_back(i);
    }
  }
  std::vector<std::vector<double>> a;
  for (const auto& line : AllLines(extents)) {
    std::vector<double> row(unknown.size(), 0);
    bool any = false;
    for (size_t j = 0; j < line.size(); ++j) {
      auto it = column.find(line[j]);
      if (it == column.end()) continue;
      row[it->second] = j + 1 == line.size() ? -1 : 1;
      any = true;
    }
    if (any) a.push_back(row);
  }
  const size_t base = Rank(a);
  std::vector<size_t> derivable;
  for (size_t v = 0; v < unknown.size(); ++v) {
    auto extended = a;
    std::vector<double> unit(unknown.size(), 0);
    unit[v] = 1;
    extended.push_back(unit);
    if (Rank(extended) == base) derivable.push_back(unknown[v]);
  }
  return derivable;
}

// The brief's minimum: every line holding a suppressed cell holds at least two.
void ExpectPairRule(const std::vector<size_t>& extents, const std::vector<CellStatus>& status) {
  for (const auto& line : AllLines(extents)) {
    const auto n = std::count_if(line.begin(), line.end(), [&](size_t c) { return Suppressed(status[c]); });
    ASSERT_NE(n, 1) << "a line with a single suppressed cell";
  }
}

// ---------------------------------------------------------------------------------------------

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TableSpec SpecOf(const boost::json::object& o) {
  TableSpec spec;
  for (const auto& d : o.at("dimensions").as_array())
    spec.dimensions.push_back(ParseDimension(d.as_string()).value());
  if (auto* k = o.if_contains("min_organisations"))
    spec.min_organisations = static_cast<uint32_t>(k->to_number<int64_t>());
  if (auto* bands = o.if_contains("loss_bands")) {
    for (const auto& b : bands->as_array()) {
      const auto& bo = b.as_object();
      LossBand band{std::string(bo.at("label").as_string()), bo.at("lower").to_number<int64_t>(),
                    std::nullopt};
      if (auto* u = bo.if_contains("upper"); u && !u->is_null()) band.upper = u->to_number<int64_t>();
      spec.loss_bands.push_back(band);
    }
  }
  if (auto* categories = o.if_contains("categories")) {
    for (const auto& [name, values] : categories->as_object()) {
      auto& list = spec.categories[ParseDimension(name).value()];
      for (const auto& v : values.as_array()) list.emplace_back(v.as_string());
    }
  }
  return spec;
}

std::vector<Incident> IncidentsOf(const boost::json::array& a) {
  std::vector<Incident> out;
  for (const auto& item : a) {
    const auto& o = item.as_object();
    auto s = [&](std::string_view key) {
      return o.contains(key) ? std::string(o.at(key).as_string()) : std::string();
    };
    Incident incident{s("organisation"), s("sector"),  s("region"), s("attack_type"),
                      s("month"),        std::nullopt, std::nullopt};
    if (o.contains("loss_band")) incident.loss_band = s("loss_band");
    if (o.contains("hours_to_detect")) incident.hours_to_detect = o.at("hours_to_detect").to_number<double>();
    const int64_t repeat = o.contains("repeat") ? o.at("repeat").to_number<int64_t>() : 1;
    for (int64_t r = 0; r < repeat; ++r) out.push_back(incident);
  }
  return out;
}

TEST(StatisticsDataTest, TablesFromData) {
  int files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(AIIP_SOURCE_DIR "/tests/data/incidents/statistics")) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    const auto root = boost::json::parse(ReadFile(entry.path())).as_object();
    const std::string name = entry.path().filename().string();
    const TableSpec spec = SpecOf(root.at("spec").as_object());
    const std::vector<Incident> incidents = IncidentsOf(root.at("incidents").as_array());
    auto table = BuildTable(incidents, spec);
    if (auto* error = root.if_contains("error")) {
      ASSERT_FALSE(table.has_value()) << name;
      EXPECT_EQ(table.error().type(), error->at("type").as_string()) << name;
      EXPECT_EQ(table.error().field(), error->at("field").as_string()) << name;
      continue;
    }
    ASSERT_TRUE(table.has_value()) << name << ": " << table.error().ToString();
    std::string expected;
    for (const auto& line : root.at("csv").as_array()) expected += std::string(line.as_string()) + "\r\n";
    EXPECT_EQ(ToCsv(*table), expected) << name;
    EXPECT_TRUE(table->counts_audited);
  }
  EXPECT_GE(files, 4);
}

TEST(StatisticsTest, CsvQuotesPerRfc4180) {
  TableSpec spec;
  spec.dimensions = {Dimension::kAttackType};
  spec.min_organisations = 1;
  std::vector<Incident> incidents = {{"o1", "energy", "FR", "fraud, \"CEO\"", "2024-01", std::nullopt, 2.0}};
  auto table = BuildTable(incidents, spec).value();
  EXPECT_EQ(ToCsv(table),
            "attack_type,incidents,loss_reported,loss_min,loss_max,hours_to_detect_median,hours_to_detect_"
            "p90,status\r\n"
            "\"fraud, \"\"CEO\"\"\",1,0,0,0,2,2,published\r\n"
            "(total),1,0,0,0,2,2,published\r\n");
}

TEST(StatisticsTest, AuditClosesWhatThePairRuleLeavesOpen) {
  // Two 2x2 rectangles joined by one cell: every line has two suppressed cells, yet the
  // joining cell is a bridge whose value follows from the row and column totals.
  const std::vector<size_t> extents = {5, 5};  // 4 x 4 interior plus totals
  std::vector<bool> primary(25, false);
  auto at = [](size_t r, size_t c) { return r * 5 + c; };
  for (auto [r, c] : std::vector<std::pair<size_t, size_t>>{
           {0, 0}, {0, 1}, {1, 0}, {1, 1}, {2, 2}, {2, 3}, {3, 2}, {3, 3}, {1, 2}}) {
    primary[at(r, c)] = true;
  }
  std::vector<CellStatus> pair_only(25, CellStatus::kPublished);
  for (size_t i = 0; i < 25; ++i) {
    if (primary[i]) pair_only[i] = CellStatus::kPrimary;
  }
  ExpectPairRule(extents, pair_only);
  EXPECT_EQ(DerivableCells(extents, pair_only), std::vector<size_t>{at(1, 2)});

  std::vector<uint64_t> weights(25, 7);
  auto result = Suppress(extents, primary, weights);
  EXPECT_TRUE(result.audited);
  ExpectPairRule(extents, result.status);
  EXPECT_TRUE(DerivableCells(extents, result.status).empty());
  EXPECT_GT(std::count(result.status.begin(), result.status.end(), CellStatus::kSecondary), 0);
}

TEST(StatisticsTest, RejectsBadSpecsAndBands) {
  TableSpec spec;
  EXPECT_EQ(BuildTable({}, spec).error().field(), "/dimensions");
  spec.dimensions = {Dimension::kMonth, Dimension::kMonth};
  EXPECT_EQ(BuildTable({}, spec).error().field(), "/dimensions/1");
  spec.dimensions = {Dimension::kMonth};
  spec.loss_bands = {{"a", 0, 10}, {"b", 5, 20}};
  EXPECT_EQ(BuildTable({}, spec).error().field(), "/loss_bands/1/lower");
  spec.loss_bands = {{"a", 0, std::nullopt}, {"b", 5, 20}};
  EXPECT_EQ(BuildTable({}, spec).error().field(), "/loss_bands/1/lower");
  spec.loss_bands = {{"a", 10, 10}};
  EXPECT_EQ(BuildTable({}, spec).error().field(), "/loss_bands/0/upper");
  spec.loss_bands = {{"a", 0, 10}, {"a", 10, 20}};
  EXPECT_EQ(BuildTable({}, spec).error().field(), "/loss_bands/1/label");
  spec.loss_bands.clear();
  spec.min_organisations = 0;
  EXPECT_EQ(BuildTable({}, spec).error().field(), "/min_organisations");
}

// ---------------------------------------------------------------------------------------------

TEST(SuppressionPropertyTest, RandomTablesLeaveNothingDerivable) {
  std::mt19937_64 rng(4242);
  auto uniform = [&](size_t lo, size_t hi) { return std::uniform_int_distribution<size_t>(lo, hi)(rng); };
  uint64_t tables = 0, suppressed = 0, primaries = 0, audited_cells = 0;
  for (int round = 0; round < 600; ++round) {
    std::vector<size_t> extents(uniform(1, 3));
    size_t size = 1;
    for (size_t& e : extents) {
      e = uniform(2, 6);
      size *= e;
    }
    if (size > 120) continue;
    const double p = std::uniform_real_distribution<double>(0.02, 0.35)(rng);
    std::vector<bool> primary(size);
    std::vector<uint64_t> weights(size);
    for (size_t i = 0; i < size; ++i) {
      primary[i] = std::bernoulli_distribution(p)(rng);
      weights[i] = uniform(0, 30);
      primaries += primary[i];
    }
    auto result = Suppress(extents, primary, weights);
    ASSERT_TRUE(result.audited);
    for (size_t i = 0; i < size; ++i) {
      if (primary[i]) {
        ASSERT_EQ(result.status[i], CellStatus::kPrimary);
      }
      if (!primary[i]) {
        ASSERT_NE(result.status[i], CellStatus::kPrimary);
      }
      suppressed += Suppressed(result.status[i]);
    }
    ExpectPairRule(extents, result.status);
    const auto derivable = DerivableCells(extents, result.status);
    ASSERT_TRUE(derivable.empty()) << "round " << round << ": cell " << derivable.front() << " derivable";
    audited_cells += size;
    ++tables;
  }
  std::cout << "suppression property test: " << tables << " random tables (" << audited_cells << " cells, "
            << primaries << " primary, " << suppressed
            << " suppressed in all): no line with a single suppressed "
            << "cell, no suppressed cell derivable by any linear combination of published lines\n";
  EXPECT_GT(tables, 300u);
}

TEST(SuppressionPropertyTest, RandomIncidentTablesAreConsistent) {
  std::mt19937_64 rng(99);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  const std::vector<std::string> sectors = {"energy", "health", "banking", "transport", "water"};
  const std::vector<std::string> regions = {"FR", "DE", "KE", "BR"};
  const std::vector<std::string> attacks = {"ransomware", "phishing", "ddos"};
  const std::vector<std::string> months = {"2024-01", "2024-02", "2024-03"};
  const std::vector<LossBand> bands = {
      {"<10k", 0, 10000}, {"10k-100k", 10000, 100000}, {">=100k", 100000, std::nullopt}};
  uint64_t checked = 0;
  for (int round = 0; round < 60; ++round) {
    std::vector<Incident> incidents;
    const size_t n = 20 + pick(200);
    const size_t orgs = 3 + pick(30);
    for (size_t i = 0; i < n; ++i) {
      Incident incident{"org-" + std::to_string(pick(orgs)),
                        sectors[pick(sectors.size())],
                        regions[pick(regions.size())],
                        attacks[pick(attacks.size())],
                        months[pick(months.size())],
                        std::nullopt,
                        std::nullopt};
      if (pick(3) != 0) incident.loss_band = bands[pick(bands.size())].label;
      if (pick(2) != 0) incident.hours_to_detect = static_cast<double>(pick(500));
      incidents.push_back(incident);
    }
    TableSpec spec;
    std::vector<Dimension> all = {Dimension::kSector, Dimension::kRegion, Dimension::kAttackType,
                                  Dimension::kMonth};
    std::shuffle(all.begin(), all.end(), rng);
    spec.dimensions.assign(all.begin(), all.begin() + 1 + static_cast<long>(pick(3)));
    spec.min_organisations = static_cast<uint32_t>(1 + pick(6));
    spec.loss_bands = bands;
    auto table = BuildTable(incidents, spec).value();
    const auto extents = table.Extents();
    std::vector<CellStatus> count_status, loss_status;
    for (size_t c = 0; c < table.cells.size(); ++c) {
      const Cell& cell = table.cells[c];
      count_status.push_back(cell.status);
      loss_status.push_back(cell.loss_status);
      // Recount from the incidents.
      const auto at = table.CoordinatesOf(c);
      std::set<std::string> contributors;
      uint64_t count = 0;
      for (const Incident& incident : incidents) {
        bool in = true;
        for (size_t d = 0; d < at.size() && in; ++d) {
          if (at[d] == table.categories[d].size()) continue;
          const std::string& value = table.dimensions[d] == Dimension::kSector       ? incident.sector
                                     : table.dimensions[d] == Dimension::kRegion     ? incident.region
                                     : table.dimensions[d] == Dimension::kAttackType ? incident.attack_type
                                                                                     : incident.month;
          in = value == table.categories[d][at[d]];
        }
        if (in) {
          ++count;
          contributors.insert(incident.organisation);
        }
      }
      ASSERT_EQ(cell.incidents, count);
      ASSERT_EQ(cell.organisations, contributors.size());
      const bool under = !contributors.empty() && contributors.size() < spec.min_organisations;
      ASSERT_EQ(cell.status == CellStatus::kPrimary, under);
      if (Suppressed(cell.status)) {
        ASSERT_TRUE(Suppressed(cell.loss_status));
      }
      if (cell.detection_published) {
        ASSERT_FALSE(Suppressed(cell.status));
      }
      ++checked;
    }
    ExpectPairRule(extents, count_status);
    ExpectPairRule(extents, loss_status);
    if (table.counts_audited) {
      ASSERT_TRUE(DerivableCells(extents, count_status).empty());
    }
    if (table.losses_audited) {
      ASSERT_TRUE(DerivableCells(extents, loss_status).empty());
    }
    // Nothing a suppressed cell holds reaches the CSV.
    const std::string csv = ToCsv(table);
    size_t lines = std::count(csv.begin(), csv.end(), '\n');
    ASSERT_EQ(lines, table.cells.size() + 1);
  }
  std::cout << "incident tables: " << checked << " cells recounted, patterns checked\n";
}

}  // namespace
}  // namespace aiip::incidents::statistics
