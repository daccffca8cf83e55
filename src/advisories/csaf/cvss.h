// CVSS v2.0, v3.0 and v3.1 as CSAF carries them (the FIRST JSON schemas referenced by
// csaf_json_schema.json): vector parsing, score computation per the FIRST specifications,
// and the three mandatory CSAF tests on a CVSS object (6.1.8 schema, 6.1.9 computation,
// 6.1.10 consistency of properties with the vector). Internal to aiip::csaf.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "advisories/csaf/csaf.h"

namespace aiip::advisories::cvss {

struct Vector {
  std::string version;                         // "2.0", "3.0" or "3.1"
  std::map<std::string, std::string> metrics;  // "AV" -> "N"; only metrics present
};

// Parses a v3.x vector ("CVSS:3.1/AV:N/..."): known metrics and values, no repeats, all
// eight base metrics. On failure returns nullopt and sets `why`.
std::optional<Vector> ParseV3(std::string_view text, std::string* why);
// Parses a v2 vector ("AV:N/AC:L/Au:N/C:P/I:P/A:P[/E:..]").
std::optional<Vector> ParseV2(std::string_view text, std::string* why);

struct Scores {
  double base = 0;
  double temporal = 0;
  double environmental = 0;
};

Scores ScoreV3(const Vector& v);
Scores ScoreV2(const Vector& v);

// "NONE", "LOW", "MEDIUM", "HIGH" or "CRITICAL" for a v3 score.
std::string_view SeverityV3(double score);

// Runs tests 6.1.8, 6.1.9 and 6.1.10 on the value of a `cvss_v3` (v3 = true) or `cvss_v2`
// member whose JSON Pointer is `pointer`, appending failures to `out`.
void CheckCvss(const boost::json::value& cvss, bool v3, const std::string& pointer,
               std::vector<ValidationFailure>& out);

}  // namespace aiip::advisories::cvss
