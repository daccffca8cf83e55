#include "registry/vocabulary.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include "common/json.h"

namespace aiip::registry {
namespace {
Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(FailedPrecondition("reference-data-missing", "cannot read " + path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<boost::json::array> ReadIsoList(const std::string& path, std::string_view key, std::string* raw) {
  AIIP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto parsed = json::ParseObject(text);
  if (!parsed) {
    return Err(FailedPrecondition("reference-data-invalid", path + ": " + parsed.error().detail()));
  }
  auto* list = parsed->if_contains(key);
  if (list == nullptr || !list->is_array()) {
    return Err(FailedPrecondition("reference-data-invalid", path + ": no \"" + std::string(key) + "\" array"));
  }
  if (raw != nullptr) *raw = std::move(text);
  return list->as_array();
}

std::optional<std::string> StringField(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}
}  // namespace

Result<ReferenceData> ReferenceData::Load(const std::string& tzdata_zi, const std::string& iso_639_json,
                                          const std::string& iso_3166_json) {
  ReferenceData data;
  AIIP_ASSIGN_OR_RETURN(std::string zones, ReadFile(tzdata_zi));
  std::istringstream lines(zones);
  std::string line;
  while (std::getline(lines, line)) {
    // "Z Europe/Paris ..." declares a zone; "L Europe/Paris Europe/Monaco" a link (alias).
    std::istringstream words(line);
    std::string tag, first, second;
    words >> tag >> first >> second;
    if (tag == "Z") data.time_zones_.insert(first);
    if (tag == "L") data.time_zones_.insert(second);
  }
  data.time_zones_.insert("UTC");
  if (data.time_zones_.size() < 100) {
    return Err(FailedPrecondition("reference-data-invalid", tzdata_zi + " lists too few time zones"));
  }

  AIIP_ASSIGN_OR_RETURN(auto languages, ReadIsoList(iso_639_json, "639-2", nullptr));
  for (const auto& v : languages) {
    if (!v.is_object()) continue;
    if (auto a2 = StringField(v.as_object(), "alpha_2")) data.languages_.insert(*a2);
    if (auto a3 = StringField(v.as_object(), "alpha_3")) data.languages_.insert(*a3);
  }

  AIIP_ASSIGN_OR_RETURN(auto states, ReadIsoList(iso_3166_json, "3166-1", &data.states_source_));
  for (const auto& v : states) {
    if (!v.is_object()) continue;
    const auto& o = v.as_object();
    auto code = StringField(o, "alpha_2");
    auto alpha3 = StringField(o, "alpha_3");
    auto numeric = StringField(o, "numeric");
    auto name = StringField(o, "name");
    if (!code || !alpha3 || !numeric || !name) {
      return Err(FailedPrecondition("reference-data-invalid",
                                    iso_3166_json + ": an entry lacks alpha_2, alpha_3, numeric or name"));
    }
    data.states_.push_back({*code, *alpha3, *numeric, *name, StringField(o, "official_name")});
  }
  if (data.states_.size() < 200) {
    return Err(FailedPrecondition("reference-data-invalid", iso_3166_json + " lists too few States"));
  }
  return data;
}

Result<ReferenceData> ReferenceData::LoadSystem(const std::string& iso_3166_json) {
  return Load("/usr/share/zoneinfo/tzdata.zi", "/usr/share/iso-codes/json/iso_639-2.json", iso_3166_json);
}

bool IsPlausibleEmail(std::string_view email) {
  if (email.size() > 254) return false;
  auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view local = email.substr(0, at), domain = email.substr(at + 1);
  if (local.size() > 64) return false;
  for (char c : local) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos)) {
      return false;
    }
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
  if (domain.find('.') == std::string_view::npos) return false;
  size_t label_start = 0;
  for (size_t i = 0; i <= domain.size(); ++i) {
    if (i == domain.size() || domain[i] == '.') {
      size_t len = i - label_start;
      if (len == 0 || len > 63 || domain[label_start] == '-' || domain[i - 1] == '-') return false;
      label_start = i + 1;
    } else if (!(std::isalnum(static_cast<unsigned char>(domain[i])) || domain[i] == '-')) {
      return false;
    }
  }
  return true;
}

bool IsE164Phone(std::string_view phone) {
  if (phone.size() < 9 || phone.size() > 16 || phone[0] != '+' || phone[1] == '0') return false;
  for (char c : phone.substr(1)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace aiip::registry
