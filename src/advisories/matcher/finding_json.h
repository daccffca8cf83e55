// The JSON form of findings and severities, shared by every place that shows them — the
// node's API and events, and `aiip vuln scan --json` — so a finding reads the same however
// it was produced (doc/vulnerabilities.md, "Finding JSON").
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string_view>

#include "advisories/matcher/matcher.h"
#include "advisories/model.h"
#include "common/status.h"

namespace aiip::advisories {

// The CVSS v3 qualitative rating of a base score: "none" (0), "low" (0.1-3.9), "medium"
// (4.0-6.9), "high" (7.0-8.9), "critical" (9.0-10.0); "unknown" for a negative score.
std::string_view SeverityRating(double base_score);
// The lowest base score of a rating name ("none" .. "critical"); nullopt for another name.
std::optional<double> SeverityThreshold(std::string_view rating);

// {"type", "vector", "base_score" (number or null), "rating"}.
boost::json::object SeverityToJson(const Severity& severity);

// {"component", "purl", "name", "version", "id", "aliases", "sources", "fixed", "severity",
// "confidence", "suppressed", "reason" (string, or null when not suppressed)}.
boost::json::object FindingToJson(const Finding& finding);
// The inverse for what the node stored itself; DataLoss when the component or id is missing.
Result<Finding> FindingFromJson(const boost::json::object& json);

}  // namespace aiip::advisories
