#include "advisories/csaf/cvss.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <utility>

namespace aiip::advisories::cvss {
namespace {

namespace bj = boost::json;

// One metric: its abbreviation in the vector, the JSON property naming it, and its values
// as (vector letter, JSON enum name) pairs.
struct Metric {
  std::string_view key;
  std::string_view property;
  // Owned: an initializer_list member would dangle once the table is built.
  std::vector<std::pair<std::string_view, std::string_view>> values;
  bool base;
};

const std::vector<Metric>& V3Metrics() {
  static const std::vector<Metric> metrics = {
      {"AV",
       "attackVector",
       {{"N", "NETWORK"}, {"A", "ADJACENT_NETWORK"}, {"L", "LOCAL"}, {"P", "PHYSICAL"}},
       true},
      {"AC", "attackComplexity", {{"L", "LOW"}, {"H", "HIGH"}}, true},
      {"PR", "privilegesRequired", {{"N", "NONE"}, {"L", "LOW"}, {"H", "HIGH"}}, true},
      {"UI", "userInteraction", {{"N", "NONE"}, {"R", "REQUIRED"}}, true},
      {"S", "scope", {{"U", "UNCHANGED"}, {"C", "CHANGED"}}, true},
      {"C", "confidentialityImpact", {{"N", "NONE"}, {"L", "LOW"}, {"H", "HIGH"}}, true},
      {"I", "integrityImpact", {{"N", "NONE"}, {"L", "LOW"}, {"H", "HIGH"}}, true},
      {"A", "availabilityImpact", {{"N", "NONE"}, {"L", "LOW"}, {"H", "HIGH"}}, true},
      {"E",
       "exploitCodeMaturity",
       {{"X", "NOT_DEFINED"},
        {"U", "UNPROVEN"},
        {"P", "PROOF_OF_CONCEPT"},
        {"F", "FUNCTIONAL"},
        {"H", "HIGH"}},
       false},
      {"RL",
       "remediationLevel",
       {{"X", "NOT_DEFINED"},
        {"O", "OFFICIAL_FIX"},
        {"T", "TEMPORARY_FIX"},
        {"W", "WORKAROUND"},
        {"U", "UNAVAILABLE"}},
       false},
      {"RC",
       "reportConfidence",
       {{"X", "NOT_DEFINED"}, {"U", "UNKNOWN"}, {"R", "REASONABLE"}, {"C", "CONFIRMED"}},
       false},
      {"CR",
       "confidentialityRequirement",
       {{"X", "NOT_DEFINED"}, {"L", "LOW"}, {"M", "MEDIUM"}, {"H", "HIGH"}},
       false},
      {"IR",
       "integrityRequirement",
       {{"X", "NOT_DEFINED"}, {"L", "LOW"}, {"M", "MEDIUM"}, {"H", "HIGH"}},
       false},
      {"AR",
       "availabilityRequirement",
       {{"X", "NOT_DEFINED"}, {"L", "LOW"}, {"M", "MEDIUM"}, {"H", "HIGH"}},
       false},
      {"MAV",
       "modifiedAttackVector",
       {{"X", "NOT_DEFINED"}, {"N", "NETWORK"}, {"A", "ADJACENT_NETWORK"}, {"L", "LOCAL"}, {"P", "PHYSICAL"}},
       false},
      {"MAC", "modifiedAttackComplexity", {{"X", "NOT_DEFINED"}, {"L", "LOW"}, {"H", "HIGH"}}, false},
      {"MPR",
       "modifiedPrivilegesRequired",
       {{"X", "NOT_DEFINED"}, {"N", "NONE"}, {"L", "LOW"}, {"H", "HIGH"}},
       false},
      {"MUI", "modifiedUserInteraction", {{"X", "NOT_DEFINED"}, {"N", "NONE"}, {"R", "REQUIRED"}}, false},
      {"MS", "modifiedScope", {{"X", "NOT_DEFINED"}, {"U", "UNCHANGED"}, {"C", "CHANGED"}}, false},
      {"MC",
       "modifiedConfidentialityImpact",
       {{"X", "NOT_DEFINED"}, {"N", "NONE"}, {"L", "LOW"}, {"H", "HIGH"}},
       false},
      {"MI",
       "modifiedIntegrityImpact",
       {{"X", "NOT_DEFINED"}, {"N", "NONE"}, {"L", "LOW"}, {"H", "HIGH"}},
       false},
      {"MA",
       "modifiedAvailabilityImpact",
       {{"X", "NOT_DEFINED"}, {"N", "NONE"}, {"L", "LOW"}, {"H", "HIGH"}},
       false},
  };
  return metrics;
}

const std::vector<Metric>& V2Metrics() {
  static const std::vector<Metric> metrics = {
      {"AV", "accessVector", {{"L", "LOCAL"}, {"A", "ADJACENT_NETWORK"}, {"N", "NETWORK"}}, true},
      {"AC", "accessComplexity", {{"H", "HIGH"}, {"M", "MEDIUM"}, {"L", "LOW"}}, true},
      {"Au", "authentication", {{"M", "MULTIPLE"}, {"S", "SINGLE"}, {"N", "NONE"}}, true},
      {"C", "confidentialityImpact", {{"N", "NONE"}, {"P", "PARTIAL"}, {"C", "COMPLETE"}}, true},
      {"I", "integrityImpact", {{"N", "NONE"}, {"P", "PARTIAL"}, {"C", "COMPLETE"}}, true},
      {"A", "availabilityImpact", {{"N", "NONE"}, {"P", "PARTIAL"}, {"C", "COMPLETE"}}, true},
      {"E",
       "exploitability",
       {{"U", "UNPROVEN"},
        {"POC", "PROOF_OF_CONCEPT"},
        {"F", "FUNCTIONAL"},
        {"H", "HIGH"},
        {"ND", "NOT_DEFINED"}},
       false},
      {"RL",
       "remediationLevel",
       {{"OF", "OFFICIAL_FIX"},
        {"TF", "TEMPORARY_FIX"},
        {"W", "WORKAROUND"},
        {"U", "UNAVAILABLE"},
        {"ND", "NOT_DEFINED"}},
       false},
      {"RC",
       "reportConfidence",
       {{"UC", "UNCONFIRMED"}, {"UR", "UNCORROBORATED"}, {"C", "CONFIRMED"}, {"ND", "NOT_DEFINED"}},
       false},
      {"CDP",
       "collateralDamagePotential",
       {{"N", "NONE"},
        {"L", "LOW"},
        {"LM", "LOW_MEDIUM"},
        {"MH", "MEDIUM_HIGH"},
        {"H", "HIGH"},
        {"ND", "NOT_DEFINED"}},
       false},
      {"TD",
       "targetDistribution",
       {{"N", "NONE"}, {"L", "LOW"}, {"M", "MEDIUM"}, {"H", "HIGH"}, {"ND", "NOT_DEFINED"}},
       false},
      {"CR",
       "confidentialityRequirement",
       {{"L", "LOW"}, {"M", "MEDIUM"}, {"H", "HIGH"}, {"ND", "NOT_DEFINED"}},
       false},
      {"IR",
       "integrityRequirement",
       {{"L", "LOW"}, {"M", "MEDIUM"}, {"H", "HIGH"}, {"ND", "NOT_DEFINED"}},
       false},
      {"AR",
       "availabilityRequirement",
       {{"L", "LOW"}, {"M", "MEDIUM"}, {"H", "HIGH"}, {"ND", "NOT_DEFINED"}},
       false},
  };
  return metrics;
}

const Metric* FindMetric(const std::vector<Metric>& metrics, std::string_view key) {
  for (const Metric& m : metrics) {
    if (m.key == key) return &m;
  }
  return nullptr;
}

std::optional<Vector> ParseMetrics(std::string_view body, const std::vector<Metric>& table,
                                   std::string version, std::string* why) {
  Vector out;
  out.version = std::move(version);
  while (!body.empty()) {
    const size_t slash = body.find('/');
    std::string_view part = body.substr(0, slash);
    body = slash == std::string_view::npos ? std::string_view() : body.substr(slash + 1);
    if (slash != std::string_view::npos && body.empty()) {
      *why = "the vector ends with '/'";
      return std::nullopt;
    }
    const size_t colon = part.find(':');
    if (colon == std::string_view::npos) {
      *why = "'" + std::string(part) + "' is not a metric:value pair";
      return std::nullopt;
    }
    const std::string_view key = part.substr(0, colon);
    const std::string_view value = part.substr(colon + 1);
    const Metric* metric = FindMetric(table, key);
    if (metric == nullptr) {
      *why = "unknown metric '" + std::string(key) + "'";
      return std::nullopt;
    }
    const bool known = std::any_of(metric->values.begin(), metric->values.end(),
                                   [&](const auto& v) { return v.first == value; });
    if (!known) {
      *why = "metric " + std::string(key) + " has no value '" + std::string(value) + "'";
      return std::nullopt;
    }
    if (!out.metrics.emplace(std::string(key), std::string(value)).second) {
      *why = "metric " + std::string(key) + " is given twice";
      return std::nullopt;
    }
  }
  for (const Metric& m : table) {
    if (m.base && !out.metrics.contains(std::string(m.key))) {
      *why = "base metric " + std::string(m.key) + " is missing";
      return std::nullopt;
    }
  }
  return out;
}

// The value of `key`, or `fallback` when absent (temporal and environmental metrics).
std::string_view Get(const Vector& v, std::string_view key, std::string_view fallback) {
  auto it = v.metrics.find(std::string(key));
  return it == v.metrics.end() ? fallback : std::string_view(it->second);
}

// CVSS v3.1 Roundup (specification appendix A): avoids floating-point artefacts.
double RoundUp31(double x) {
  const int64_t i = static_cast<int64_t>(std::llround(x * 100000.0));
  if (i % 10000 == 0) return static_cast<double>(i) / 100000.0;
  return static_cast<double>(i / 10000 + 1) / 10.0;
}

double RoundUp30(double x) { return std::ceil(x * 10.0 - 1e-9) / 10.0; }

double Weight(std::string_view key, std::string_view value, bool scope_changed) {
  if (key == "AV") return value == "N" ? 0.85 : value == "A" ? 0.62 : value == "L" ? 0.55 : 0.2;
  if (key == "AC") return value == "L" ? 0.77 : 0.44;
  if (key == "PR") {
    if (value == "N") return 0.85;
    if (value == "L") return scope_changed ? 0.68 : 0.62;
    return scope_changed ? 0.5 : 0.27;
  }
  if (key == "UI") return value == "N" ? 0.85 : 0.62;
  if (key == "CIA") return value == "H" ? 0.56 : value == "L" ? 0.22 : 0.0;
  if (key == "E") return value == "U" ? 0.91 : value == "P" ? 0.94 : value == "F" ? 0.97 : 1.0;
  if (key == "RL") return value == "O" ? 0.95 : value == "T" ? 0.96 : value == "W" ? 0.97 : 1.0;
  if (key == "RC") return value == "U" ? 0.92 : value == "R" ? 0.96 : 1.0;
  if (key == "REQ") return value == "L" ? 0.5 : value == "H" ? 1.5 : 1.0;
  return 1.0;
}

// The modified metric M<key> when defined, else the base metric <key>.
std::string_view Modified(const Vector& v, std::string_view key) {
  const std::string mkey = "M" + std::string(key);
  std::string_view m = Get(v, mkey, "X");
  return m == "X" ? Get(v, key, "X") : m;
}

}  // namespace

std::optional<Vector> ParseV3(std::string_view text, std::string* why) {
  std::string version;
  if (text.starts_with("CVSS:3.1/")) {
    version = "3.1";
  } else if (text.starts_with("CVSS:3.0/")) {
    version = "3.0";
  } else {
    *why = "a CVSS v3 vector starts with 'CVSS:3.0/' or 'CVSS:3.1/'";
    return std::nullopt;
  }
  return ParseMetrics(text.substr(9), V3Metrics(), version, why);
}

std::optional<Vector> ParseV2(std::string_view text, std::string* why) {
  if (text.empty()) {
    *why = "the vector is empty";
    return std::nullopt;
  }
  return ParseMetrics(text, V2Metrics(), "2.0", why);
}

Scores ScoreV3(const Vector& v) {
  const bool v31 = v.version == "3.1";
  auto roundup = [&](double x) { return v31 ? RoundUp31(x) : RoundUp30(x); };
  const bool changed = Get(v, "S", "U") == "C";
  const double iss = 1 - (1 - Weight("CIA", Get(v, "C", "N"), false)) *
                             (1 - Weight("CIA", Get(v, "I", "N"), false)) *
                             (1 - Weight("CIA", Get(v, "A", "N"), false));
  const double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  const double exploitability =
      8.22 * Weight("AV", Get(v, "AV", "N"), changed) * Weight("AC", Get(v, "AC", "L"), changed) *
      Weight("PR", Get(v, "PR", "N"), changed) * Weight("UI", Get(v, "UI", "N"), changed);
  Scores s;
  if (impact <= 0) {
    s.base = 0;
  } else if (changed) {
    s.base = roundup(std::min(1.08 * (impact + exploitability), 10.0));
  } else {
    s.base = roundup(std::min(impact + exploitability, 10.0));
  }
  const double temporal_factor = Weight("E", Get(v, "E", "X"), false) *
                                 Weight("RL", Get(v, "RL", "X"), false) *
                                 Weight("RC", Get(v, "RC", "X"), false);
  s.temporal = roundup(s.base * temporal_factor);

  const bool mchanged = Modified(v, "S") == "C";
  const double miss = std::min(
      1 - (1 - Weight("REQ", Get(v, "CR", "X"), false) * Weight("CIA", Modified(v, "C"), false)) *
              (1 - Weight("REQ", Get(v, "IR", "X"), false) * Weight("CIA", Modified(v, "I"), false)) *
              (1 - Weight("REQ", Get(v, "AR", "X"), false) * Weight("CIA", Modified(v, "A"), false)),
      0.915);
  double mimpact;
  if (!mchanged) {
    mimpact = 6.42 * miss;
  } else if (v31) {
    mimpact = 7.52 * (miss - 0.029) - 3.25 * std::pow(miss * 0.9731 - 0.02, 13);
  } else {
    mimpact = 7.52 * (miss - 0.029) - 3.25 * std::pow(miss - 0.02, 15);
  }
  const double mexploitability =
      8.22 * Weight("AV", Modified(v, "AV"), mchanged) * Weight("AC", Modified(v, "AC"), mchanged) *
      Weight("PR", Modified(v, "PR"), mchanged) * Weight("UI", Modified(v, "UI"), mchanged);
  if (mimpact <= 0) {
    s.environmental = 0;
  } else if (mchanged) {
    s.environmental = roundup(roundup(std::min(1.08 * (mimpact + mexploitability), 10.0)) * temporal_factor);
  } else {
    s.environmental = roundup(roundup(std::min(mimpact + mexploitability, 10.0)) * temporal_factor);
  }
  return s;
}

namespace {

double Round1(double x) { return std::round(x * 10.0 + 1e-9) / 10.0; }

double V2Weight(std::string_view key, std::string_view value) {
  if (key == "AV") return value == "L" ? 0.395 : value == "A" ? 0.646 : 1.0;
  if (key == "AC") return value == "H" ? 0.35 : value == "M" ? 0.61 : 0.71;
  if (key == "Au") return value == "M" ? 0.45 : value == "S" ? 0.56 : 0.704;
  if (key == "CIA") return value == "N" ? 0.0 : value == "P" ? 0.275 : 0.660;
  if (key == "E") return value == "U" ? 0.85 : value == "POC" ? 0.9 : value == "F" ? 0.95 : 1.0;
  if (key == "RL") return value == "OF" ? 0.87 : value == "TF" ? 0.90 : value == "W" ? 0.95 : 1.0;
  if (key == "RC") return value == "UC" ? 0.90 : value == "UR" ? 0.95 : 1.0;
  if (key == "CDP") {
    return value == "L" ? 0.1 : value == "LM" ? 0.3 : value == "MH" ? 0.4 : value == "H" ? 0.5 : 0.0;
  }
  if (key == "TD") return value == "N" ? 0.0 : value == "L" ? 0.25 : value == "M" ? 0.75 : 1.0;
  if (key == "REQ") return value == "L" ? 0.5 : value == "H" ? 1.51 : 1.0;
  return 1.0;
}

double V2Base(const Vector& v, double impact) {
  const double exploitability = 20 * V2Weight("AV", Get(v, "AV", "N")) * V2Weight("AC", Get(v, "AC", "L")) *
                                V2Weight("Au", Get(v, "Au", "N"));
  const double f = impact == 0 ? 0 : 1.176;
  return Round1(((0.6 * impact) + (0.4 * exploitability) - 1.5) * f);
}

}  // namespace

Scores ScoreV2(const Vector& v) {
  const double c = V2Weight("CIA", Get(v, "C", "N"));
  const double i = V2Weight("CIA", Get(v, "I", "N"));
  const double a = V2Weight("CIA", Get(v, "A", "N"));
  const double temporal_factor = V2Weight("E", Get(v, "E", "ND")) * V2Weight("RL", Get(v, "RL", "ND")) *
                                 V2Weight("RC", Get(v, "RC", "ND"));
  Scores s;
  s.base = V2Base(v, 10.41 * (1 - (1 - c) * (1 - i) * (1 - a)));
  s.temporal = Round1(s.base * temporal_factor);
  const double adjusted_impact =
      std::min(10.0, 10.41 * (1 - (1 - c * V2Weight("REQ", Get(v, "CR", "ND"))) *
                                      (1 - i * V2Weight("REQ", Get(v, "IR", "ND"))) *
                                      (1 - a * V2Weight("REQ", Get(v, "AR", "ND")))));
  const double adjusted_temporal = Round1(V2Base(v, adjusted_impact) * temporal_factor);
  s.environmental =
      Round1((adjusted_temporal + (10 - adjusted_temporal) * V2Weight("CDP", Get(v, "CDP", "ND"))) *
             V2Weight("TD", Get(v, "TD", "ND")));
  return s;
}

std::string_view SeverityV3(double score) {
  if (score == 0) return "NONE";
  if (score < 4.0) return "LOW";
  if (score < 7.0) return "MEDIUM";
  if (score < 9.0) return "HIGH";
  return "CRITICAL";
}

namespace {

bool IsNumber(const bj::value& v) { return v.is_int64() || v.is_uint64() || v.is_double(); }
double ToDouble(const bj::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return v.get_double();
}

constexpr std::string_view kSeverities[] = {"NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"};
constexpr std::string_view kV3ScoreFields[] = {"baseScore", "temporalScore", "environmentalScore"};
constexpr std::string_view kV3SeverityFields[] = {"baseSeverity", "temporalSeverity",
                                                  "environmentalSeverity"};

}  // namespace

void CheckCvss(const bj::value& cvss, bool v3, const std::string& pointer,
               std::vector<ValidationFailure>& out) {
  auto fail = [&](std::string_view test, std::string_view member, std::string message) {
    out.push_back({std::string(test), member.empty() ? pointer : pointer + "/" + std::string(member),
                   std::move(message)});
  };
  if (!cvss.is_object()) {
    fail("6.1.8", "", "a CVSS object must be a JSON object");
    return;
  }
  const bj::object& o = cvss.get_object();
  // 6.1.8: the FIRST schema. Required members, their kinds and enumerations.
  const size_t before = out.size();
  const bj::value* version = o.if_contains("version");
  const bj::value* vector_string = o.if_contains("vectorString");
  static constexpr std::string_view kRequired[] = {"version", "vectorString", "baseScore", "baseSeverity"};
  for (size_t i = 0; i < (v3 ? 4u : 3u); ++i) {
    if (!o.contains(kRequired[i])) {
      fail("6.1.8", kRequired[i], "the required member '" + std::string(kRequired[i]) + "' is missing");
    }
  }
  if (version != nullptr) {
    const bool ok =
        version->is_string() && (v3 ? (version->get_string() == "3.0" || version->get_string() == "3.1")
                                    : version->get_string() == "2.0");
    if (!ok) fail("6.1.8", "version", v3 ? "version must be \"3.0\" or \"3.1\"" : "version must be \"2.0\"");
  }
  std::optional<Vector> parsed;
  if (vector_string != nullptr) {
    if (!vector_string->is_string()) {
      fail("6.1.8", "vectorString", "vectorString must be a string");
    } else {
      std::string why;
      parsed = v3 ? ParseV3(vector_string->get_string(), &why) : ParseV2(vector_string->get_string(), &why);
      if (!parsed) {
        fail("6.1.8", "vectorString", "vectorString is not a valid CVSS vector: " + why);
      } else if (v3 && version != nullptr && version->is_string() &&
                 parsed->version != version->get_string()) {
        fail("6.1.8", "vectorString",
             "vectorString is a CVSS " + parsed->version + " vector but version is " +
                 std::string(version->get_string()));
      }
    }
  }
  const std::vector<Metric>& table = v3 ? V3Metrics() : V2Metrics();
  for (const auto& [key, value] : o) {
    const std::string_view name = key;
    if (name.ends_with("Score")) {
      if (!IsNumber(value) || ToDouble(value) < 0 || ToDouble(value) > 10) {
        fail("6.1.8", name, std::string(name) + " must be a number from 0 to 10");
      }
      continue;
    }
    if (v3 && name.ends_with("Severity")) {
      const bool ok =
          value.is_string() && std::find(std::begin(kSeverities), std::end(kSeverities),
                                         std::string_view(value.get_string())) != std::end(kSeverities);
      if (!ok) fail("6.1.8", name, std::string(name) + " must be one of NONE, LOW, MEDIUM, HIGH, CRITICAL");
      continue;
    }
    for (const Metric& m : table) {
      if (m.property != name) continue;
      const bool ok = value.is_string() && std::any_of(m.values.begin(), m.values.end(), [&](const auto& v) {
                        return v.second == std::string_view(value.get_string());
                      });
      if (!ok) fail("6.1.8", name, std::string(name) + " has a value outside its enumeration");
    }
  }
  if (out.size() != before || !parsed) return;

  // 6.1.10: properties given beside the vector must say the same.
  for (const Metric& m : table) {
    const bj::value* value = o.if_contains(m.property);
    if (value == nullptr) continue;
    std::string_view letter = Get(*parsed, m.key, v3 ? "X" : "ND");
    std::string_view expected;
    for (const auto& [abbreviation, json_name] : m.values) {
      if (abbreviation == letter) expected = json_name;
    }
    if (value->get_string() != expected) {
      fail("6.1.10", m.property,
           std::string(m.property) + " is " + std::string(value->get_string()) + " but the vector says " +
               std::string(m.key) + ":" + std::string(letter));
    }
  }

  // 6.1.9: the scores and severities the vector gives.
  const Scores scores = v3 ? ScoreV3(*parsed) : ScoreV2(*parsed);
  const double computed[] = {scores.base, scores.temporal, scores.environmental};
  for (size_t k = 0; k < 3; ++k) {
    if (const bj::value* given = o.if_contains(kV3ScoreFields[k])) {
      if (std::abs(ToDouble(*given) - computed[k]) > 1e-6) {
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, "%.1f", computed[k]);
        fail("6.1.9", kV3ScoreFields[k],
             std::string(kV3ScoreFields[k]) + " is " + bj::serialize(*given) +
                 " but the vector computes to " + buffer);
      }
    }
    if (!v3) continue;
    if (const bj::value* given = o.if_contains(kV3SeverityFields[k])) {
      if (given->get_string() != SeverityV3(computed[k])) {
        fail("6.1.9", kV3SeverityFields[k],
             std::string(kV3SeverityFields[k]) + " is " + std::string(given->get_string()) +
                 " but the score " + "computed from the vector is " + std::string(SeverityV3(computed[k])));
      }
    }
  }
}

}  // namespace aiip::advisories::cvss
