#include "advisories/matcher/finding_json.h"

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace aiip::advisories {

namespace bj = boost::json;

namespace {

bj::array Strings(const std::vector<std::string>& values) {
  bj::array out;
  out.reserve(values.size());
  for (const std::string& value : values) out.emplace_back(value);
  return out;
}

std::vector<std::string> StringList(const bj::object& json, std::string_view key) {
  std::vector<std::string> out;
  if (const bj::value* value = json.if_contains(key); value != nullptr && value->is_array()) {
    for (const bj::value& item : value->get_array()) {
      if (item.is_string()) out.emplace_back(item.get_string());
    }
  }
  return out;
}

std::string Text(const bj::object& json, std::string_view key) {
  const bj::value* value = json.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}

}  // namespace

std::string_view SeverityRating(double base_score) {
  if (base_score < 0) return "unknown";
  if (base_score == 0) return "none";
  if (base_score < 4.0) return "low";
  if (base_score < 7.0) return "medium";
  if (base_score < 9.0) return "high";
  return "critical";
}

std::optional<double> SeverityThreshold(std::string_view rating) {
  if (rating == "none") return 0.0;
  if (rating == "low") return 0.1;
  if (rating == "medium") return 4.0;
  if (rating == "high") return 7.0;
  if (rating == "critical") return 9.0;
  return std::nullopt;
}

boost::json::object SeverityToJson(const Severity& severity) {
  bj::object out;
  out["type"] = severity.type;
  out["vector"] = severity.vector;
  if (severity.base_score >= 0) {
    out["base_score"] = severity.base_score;
  } else {
    out["base_score"] = nullptr;
  }
  out["rating"] = SeverityRating(severity.base_score);
  return out;
}

boost::json::object FindingToJson(const Finding& finding) {
  bj::object out;
  out["component"] = finding.component;
  out["purl"] = finding.purl;
  out["name"] = finding.name;
  out["version"] = finding.version;
  out["id"] = finding.id;
  out["aliases"] = Strings(finding.aliases);
  out["sources"] = Strings(finding.sources);
  out["fixed"] = Strings(finding.fixed);
  out["severity"] = SeverityToJson(finding.severity);
  out["confidence"] = ConfidenceName(finding.confidence);
  out["suppressed"] = finding.suppressed;
  out["reason"] = finding.suppressed ? bj::value(finding.reason) : bj::value(nullptr);
  return out;
}

Result<Finding> FindingFromJson(const boost::json::object& json) {
  const bj::value* component = json.if_contains("component");
  const bj::value* id = json.if_contains("id");
  if (component == nullptr || !component->is_number() || id == nullptr || !id->is_string()) {
    return Err(DataLoss("a stored finding lacks its component or id"));
  }
  Finding finding;
  finding.component = static_cast<size_t>(component->to_number<int64_t>());
  finding.id = std::string(id->get_string());
  finding.purl = Text(json, "purl");
  finding.name = Text(json, "name");
  finding.version = Text(json, "version");
  finding.aliases = StringList(json, "aliases");
  finding.sources = StringList(json, "sources");
  finding.fixed = StringList(json, "fixed");
  if (const bj::value* severity = json.if_contains("severity");
      severity != nullptr && severity->is_object()) {
    const bj::object& s = severity->get_object();
    if (const bj::value* score = s.if_contains("base_score"); score != nullptr && score->is_number()) {
      finding.severity.base_score = score->to_number<double>();
    }
    finding.severity.type = Text(s, "type");
    finding.severity.vector = Text(s, "vector");
  }
  finding.confidence = Text(json, "confidence") == "cpe" ? Confidence::kCpe : Confidence::kPurl;
  if (const bj::value* suppressed = json.if_contains("suppressed");
      suppressed != nullptr && suppressed->is_bool()) {
    finding.suppressed = suppressed->get_bool();
  }
  finding.reason = Text(json, "reason");
  return finding;
}

}  // namespace aiip::advisories
