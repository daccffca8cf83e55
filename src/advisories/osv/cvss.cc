#include "advisories/osv/cvss.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace aiip::advisories {
namespace {

// One metric of a vector: its name, the values it may take, and (for base metrics) the
// slot its value is stored in.
struct MetricSpec {
  std::string_view name;
  std::string_view values;  // space-separated
  int slot;                 // index into the parsed base values, or -1 for non-base metrics
};

bool ValueAllowed(std::string_view values, std::string_view value) {
  while (!values.empty()) {
    const size_t space = values.find(' ');
    if (values.substr(0, space) == value) return true;
    if (space == std::string_view::npos) break;
    values.remove_prefix(space + 1);
  }
  return false;
}

// Splits "K:V/K:V/..." and checks every metric against `specs`: each at most once, every
// base metric (slot >= 0) present. Fills `base` with the base metrics' values.
template <size_t kSpecs, size_t kBase>
bool ParseMetrics(std::string_view text, const std::array<MetricSpec, kSpecs>& specs,
                  std::array<std::string_view, kBase>& base) {
  std::array<bool, kSpecs> seen{};
  while (true) {
    const size_t slash = text.find('/');
    const std::string_view part = text.substr(0, slash);
    const size_t colon = part.find(':');
    if (colon == std::string_view::npos) return false;
    const std::string_view key = part.substr(0, colon);
    const std::string_view value = part.substr(colon + 1);
    size_t i = 0;
    while (i < kSpecs && specs[i].name != key) ++i;
    if (i == kSpecs || seen[i] || value.empty() || !ValueAllowed(specs[i].values, value)) return false;
    seen[i] = true;
    if (specs[i].slot >= 0) base[static_cast<size_t>(specs[i].slot)] = value;
    if (slash == std::string_view::npos) break;
    text.remove_prefix(slash + 1);
  }
  return std::all_of(base.begin(), base.end(), [](std::string_view v) { return !v.empty(); });
}

// CVSS v3.1 Appendix A: the smallest number with one decimal that is >= x, computed on
// integers so that floating-point noise (e.g. 4.000000000000001) does not push it up.
double Roundup(double x) {
  const int64_t scaled = std::llround(x * 100000.0);
  if (scaled % 10000 == 0) return static_cast<double>(scaled) / 100000.0;
  return static_cast<double>(scaled / 10000 + 1) / 10.0;
}

constexpr std::array<MetricSpec, 22> kCvss3Metrics = {{
    {"AV", "N A L P", 0},   {"AC", "L H", 1},        {"PR", "N L H", 2},       {"UI", "N R", 3},
    {"S", "U C", 4},        {"C", "H L N", 5},       {"I", "H L N", 6},        {"A", "H L N", 7},
    {"E", "X U P F H", -1}, {"RL", "X O T W U", -1}, {"RC", "X U R C", -1},    {"CR", "X L M H", -1},
    {"IR", "X L M H", -1},  {"AR", "X L M H", -1},   {"MAV", "X N A L P", -1}, {"MAC", "X L H", -1},
    {"MPR", "X N L H", -1}, {"MUI", "X N R", -1},    {"MS", "X U C", -1},      {"MC", "X N L H", -1},
    {"MI", "X N L H", -1},  {"MA", "X N L H", -1},
}};

constexpr std::array<MetricSpec, 14> kCvss2Metrics = {{
    {"AV", "L A N", 0},
    {"AC", "H M L", 1},
    {"Au", "M S N", 2},
    {"C", "N P C", 3},
    {"I", "N P C", 4},
    {"A", "N P C", 5},
    {"E", "U POC F H ND", -1},
    {"RL", "OF TF W U ND", -1},
    {"RC", "UC UR C ND", -1},
    {"CDP", "N L LM MH H ND", -1},
    {"TD", "N L M H ND", -1},
    {"CR", "L M H ND", -1},
    {"IR", "L M H ND", -1},
    {"AR", "L M H ND", -1},
}};

double Cvss3Cia(std::string_view v) { return v == "H" ? 0.56 : v == "L" ? 0.22 : 0.0; }

}  // namespace

std::optional<double> Cvss3BaseScore(std::string_view vector) {
  if (!vector.starts_with("CVSS:3.1/") && !vector.starts_with("CVSS:3.0/")) return std::nullopt;
  std::array<std::string_view, 8> m;
  if (!ParseMetrics(vector.substr(9), kCvss3Metrics, m)) return std::nullopt;
  const bool changed = m[4] == "C";
  const double av = m[0] == "N" ? 0.85 : m[0] == "A" ? 0.62 : m[0] == "L" ? 0.55 : 0.2;
  const double ac = m[1] == "L" ? 0.77 : 0.44;
  const double pr = m[2] == "N" ? 0.85 : m[2] == "L" ? (changed ? 0.68 : 0.62) : (changed ? 0.5 : 0.27);
  const double ui = m[3] == "N" ? 0.85 : 0.62;
  const double iss = 1.0 - (1.0 - Cvss3Cia(m[5])) * (1.0 - Cvss3Cia(m[6])) * (1.0 - Cvss3Cia(m[7]));
  const double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  const double exploitability = 8.22 * av * ac * pr * ui;
  if (impact <= 0) return 0.0;
  return changed ? Roundup(std::min(1.08 * (impact + exploitability), 10.0))
                 : Roundup(std::min(impact + exploitability, 10.0));
}

std::optional<double> Cvss2BaseScore(std::string_view vector) {
  if (vector.starts_with("CVSS:2.0/")) vector.remove_prefix(9);
  if (vector.size() >= 2 && vector.front() == '(' && vector.back() == ')') {
    vector = vector.substr(1, vector.size() - 2);
  }
  std::array<std::string_view, 6> m;
  if (!ParseMetrics(vector, kCvss2Metrics, m)) return std::nullopt;
  const double av = m[0] == "L" ? 0.395 : m[0] == "A" ? 0.646 : 1.0;
  const double ac = m[1] == "H" ? 0.35 : m[1] == "M" ? 0.61 : 0.71;
  const double au = m[2] == "M" ? 0.45 : m[2] == "S" ? 0.56 : 0.704;
  auto cia = [](std::string_view v) { return v == "N" ? 0.0 : v == "P" ? 0.275 : 0.660; };
  const double impact = 10.41 * (1.0 - (1.0 - cia(m[3])) * (1.0 - cia(m[4])) * (1.0 - cia(m[5])));
  const double exploitability = 20.0 * av * ac * au;
  const double f = impact == 0.0 ? 0.0 : 1.176;
  const double score = (0.6 * impact + 0.4 * exploitability - 1.5) * f;
  // Round half up to one decimal; the epsilon absorbs binary noise at exact halves.
  return std::max(0.0, std::floor(score * 10.0 + 0.5 + 1e-9) / 10.0);
}

}  // namespace aiip::advisories
