#include "incidents/stix/stix.h"

#include <algorithm>
#include <array>
#include <boost/url/parse.hpp>
#include <map>
#include <set>

#include "common/encoding.h"
#include "common/json.h"
#include "common/time.h"
#include "crypto/sha256.h"
#include "incidents/report/report_json.h"
#include "incidents/report/values.h"
#include "incidents/stix/pattern.h"

namespace aiip::incidents::stix {
namespace bj = boost::json;

namespace {

// ---- TLP marking definitions --------------------------------------------------------------

struct TlpMarking {
  Tlp tlp;
  std::string_view id;
  std::string_view name;   // TLP 2.0 name
  std::string_view value;  // tlp_2_0 property
};
constexpr std::array<TlpMarking, 5> kTlp2 = {{
    {Tlp::kClear, "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "TLP:CLEAR", "clear"},
    {Tlp::kGreen, "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "TLP:GREEN", "green"},
    {Tlp::kAmber, "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "TLP:AMBER", "amber"},
    {Tlp::kAmberStrict, "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "TLP:AMBER+STRICT",
     "amber+strict"},
    {Tlp::kRed, "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "TLP:RED", "red"},
}};
constexpr std::string_view kTlp2Created = "2022-10-01T00:00:00.000Z";

// TLP 1.0 (STIX 2.1 §7.2.1.4 and marking-definition.json's tlp_* definitions).
struct Tlp1Marking {
  Tlp tlp;
  std::string_view id;
  std::string_view value;
};
constexpr std::array<Tlp1Marking, 4> kTlp1 = {{
    {Tlp::kClear, "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "white"},
    {Tlp::kGreen, "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "green"},
    {Tlp::kAmber, "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "amber"},
    {Tlp::kRed, "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "red"},
}};

// ---- Object kinds -------------------------------------------------------------------------

// SCO types of observables/*.json.
constexpr std::string_view kScoTypes[] = {"artifact",
                                          "autonomous-system",
                                          "directory",
                                          "domain-name",
                                          "email-addr",
                                          "email-message",
                                          "file",
                                          "ipv4-addr",
                                          "ipv6-addr",
                                          "mac-addr",
                                          "mutex",
                                          "network-traffic",
                                          "process",
                                          "software",
                                          "url",
                                          "user-account",
                                          "windows-registry-key",
                                          "x509-certificate"};

bool IsSco(std::string_view type) {
  return std::find(std::begin(kScoTypes), std::end(kScoTypes), type) != std::end(kScoTypes);
}

// Required properties per type: sdos/*.json, sros/*.json, observables/*.json and the common
// objects, as their "required" lists say.
const std::map<std::string_view, std::vector<std::string_view>>& RequiredProperties() {
  static const auto* table = new std::map<std::string_view, std::vector<std::string_view>>{
      {"attack-pattern", {"name"}},
      {"campaign", {"name"}},
      {"course-of-action", {"name"}},
      {"grouping", {"context", "object_refs"}},
      {"identity", {"name"}},
      {"incident", {"name"}},
      {"indicator", {"pattern", "pattern_type", "valid_from"}},
      {"infrastructure", {"name"}},
      {"intrusion-set", {"name"}},
      {"malware", {"is_family"}},
      {"malware-analysis", {"product"}},
      {"note", {"content", "object_refs"}},
      {"observed-data", {"first_observed", "last_observed", "number_observed"}},
      {"opinion", {"object_refs", "opinion"}},
      {"report", {"name", "object_refs", "published"}},
      {"threat-actor", {"name"}},
      {"tool", {"name"}},
      {"vulnerability", {"name"}},
      {"relationship", {"relationship_type", "source_ref", "target_ref"}},
      {"sighting", {"sighting_of_ref"}},
      {"language-content", {"object_ref", "contents"}},
      {"extension-definition", {"name", "schema", "version", "extension_types", "created_by_ref"}},
      {"autonomous-system", {"number"}},
      {"directory", {"path"}},
      {"domain-name", {"value"}},
      {"email-addr", {"value"}},
      {"email-message", {"is_multipart"}},
      {"ipv4-addr", {"value"}},
      {"ipv6-addr", {"value"}},
      {"mac-addr", {"value"}},
      {"mutex", {"name"}},
      {"network-traffic", {"protocols"}},
      {"software", {"name"}},
      {"url", {"value"}},
  };
  return *table;
}

// Properties holding timestamps (common/timestamp.json), by name, wherever they appear.
constexpr std::string_view kTimestampProperties[] = {"created",
                                                     "modified",
                                                     "first_seen",
                                                     "last_seen",
                                                     "valid_from",
                                                     "valid_until",
                                                     "first_observed",
                                                     "last_observed",
                                                     "published",
                                                     "start_time",
                                                     "stop_time",
                                                     "submitted",
                                                     "analysis_started",
                                                     "analysis_ended",
                                                     "object_modified",
                                                     "ctime",
                                                     "mtime",
                                                     "atime",
                                                     "date",
                                                     "start",
                                                     "end",
                                                     "validity_not_before",
                                                     "validity_not_after",
                                                     "account_created",
                                                     "account_expires",
                                                     "credential_last_changed",
                                                     "account_first_login",
                                                     "account_last_login"};

bool IsTimestampProperty(std::string_view name) {
  return std::find(std::begin(kTimestampProperties), std::end(kTimestampProperties), name) !=
         std::end(kTimestampProperties);
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// common/core.json "type": ^([a-z][a-z0-9]*)+(-[a-z0-9]+)*\-?$, 3-250 characters.
bool IsTypeName(std::string_view t) {
  if (t.size() < 3 || t.size() > 250 || !(t[0] >= 'a' && t[0] <= 'z')) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '-') {
      if (i + 1 < t.size() && t[i + 1] == '-') return false;
    } else if (!IsLowerAlnum(t[i])) {
      return false;
    }
  }
  return true;
}

// common/identifier.json: ^[a-z][a-z0-9-]+[a-z0-9]--UUID with version 1-5 and variant 8-b.
bool IsUuid(std::string_view u) {
  if (u.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (u[i] != '-') return false;
    } else if (!IsHexDigit(u[i])) {
      return false;
    }
  }
  return u[14] >= '1' && u[14] <= '5' && std::string_view("89abAB").find(u[19]) != std::string_view::npos;
}

bool IsIdentifier(std::string_view id, std::string_view* type = nullptr) {
  const size_t sep = id.rfind("--");
  if (sep == std::string_view::npos || sep < 3) return false;
  const std::string_view t = id.substr(0, sep);
  if (!(t[0] >= 'a' && t[0] <= 'z') || t.back() == '-') return false;
  for (char c : t) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  if (!IsUuid(id.substr(sep + 2))) return false;
  if (type != nullptr) *type = t;
  return true;
}

std::string_view IdType(std::string_view id) {
  std::string_view t;
  return IsIdentifier(id, &t) ? t : std::string_view();
}

// common/timestamp.json: YYYY-MM-DDTHH:MM:SS(.s+)Z, a real date; `millis` adds core.json's
// timestamp_millis rule (at least three fraction digits).
std::optional<SystemTime> StixTimestamp(std::string_view s, bool millis) {
  if (s.size() < 20 || s.back() != 'Z' || s[10] != 'T') return std::nullopt;
  if (millis) {
    const size_t dot = s.find('.');
    if (dot != 19 || s.size() - dot - 2 < 3) return std::nullopt;
  }
  auto t = ParseRfc3339(s);
  if (!t) return std::nullopt;
  return *t;
}

// ---- The validator ------------------------------------------------------------------------

class ObjectChecker {
 public:
  ObjectChecker(const bj::object& o, std::string pointer, bool embedded)
      : o_(o), pointer_(std::move(pointer)), embedded_(embedded) {}

  Status Run() {
    const bj::value* type_value = o_.if_contains("type");
    if (type_value == nullptr) return Error("type", "missing-field", "'type' is required (common/core.json)");
    if (!type_value->is_string()) return Error("type", "wrong-type", "'type' must be a string");
    type_ = std::string_view(type_value->get_string());
    if (!IsTypeName(type_) || type_ == "action") {
      return Error("type", "invalid-value",
                   "'" + std::string(type_) + "' is not a STIX type name (common/core.json)");
    }
    if (type_ == "bundle") return Error("type", "invalid-value", "a bundle cannot be inside a bundle");
    if (!embedded_) {
      const bj::value* id = o_.if_contains("id");
      if (id == nullptr) return Error("id", "missing-field", "'id' is required (common/core.json)");
      if (!id->is_string()) return Error("id", "wrong-type", "'id' must be a string");
      id_ = std::string_view(id->get_string());
      std::string_view id_type;
      if (!IsIdentifier(id_, &id_type) || id_type != type_) {
        return Error("id", "invalid-value",
                     "'" + std::string(id_) + "' is not '" + std::string(type_) +
                         "--' and a UUID (common/identifier.json)");
      }
    }
    AIIP_RETURN_IF_ERROR(PropertyNames());
    const bool sco = IsSco(type_);
    if (sco) {
      AIIP_RETURN_IF_ERROR(SpecVersion(false));
    } else if (type_ == "marking-definition") {
      AIIP_RETURN_IF_ERROR(MarkingDefinition());
    } else {
      AIIP_RETURN_IF_ERROR(Core());
    }
    AIIP_RETURN_IF_ERROR(CommonOptional());
    AIIP_RETURN_IF_ERROR(Required());
    AIIP_RETURN_IF_ERROR(References());
    AIIP_RETURN_IF_ERROR(Timestamps());
    return TypeRules();
  }

 private:
  std::string PointerOf(std::string_view key) const { return pointer_ + "/" + json::PointerEscape(key); }

  // `key` is a JSON Pointer relative to this object, already escaped.
  Status Error(std::string_view key, std::string type, std::string detail) const {
    std::string who = id_.empty() ? std::string(type_.empty() ? "object" : type_) : std::string(id_);
    return InvalidArgument(std::move(type), who + ": " + detail,
                           key.empty() ? pointer_ : pointer_ + "/" + std::string(key));
  }

  const bj::value* Get(std::string_view key) const { return o_.if_contains(key); }

  Status String(std::string_view key, const bj::value& v) const {
    if (!v.is_string()) return Error(key, "wrong-type", "'" + std::string(key) + "' must be a string");
    return Status::Ok();
  }

  Status NonEmptyStringArray(std::string_view key) const {
    const bj::value* v = Get(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_array() || v->get_array().empty()) {
      return Error(key, v->is_array() ? "invalid-value" : "wrong-type",
                   "'" + std::string(key) + "' must be a non-empty array of strings (minItems 1)");
    }
    for (size_t i = 0; i < v->get_array().size(); ++i) {
      if (!v->get_array()[i].is_string()) {
        return Error(std::string(key) + "/" + std::to_string(i), "wrong-type", "items must be strings");
      }
    }
    return Status::Ok();
  }

  Status Integer(std::string_view key, int64_t min, int64_t max) const {
    const bj::value* v = Get(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_int64() && !v->is_uint64()) {
      return Error(key, "wrong-type", "'" + std::string(key) + "' must be an integer");
    }
    if (v->is_uint64() || v->get_int64() < min || v->get_int64() > max) {
      return Error(key, "out-of-range",
                   "'" + std::string(key) + "' must be between " + std::to_string(min) + " and " +
                       std::to_string(max));
    }
    return Status::Ok();
  }

  // common/properties.json: property names are ^[a-z][a-z0-9_]{2,249}$ (or "id"); core.json
  // forbids severity, action, username and phone_numbers on SDOs, SROs and SCOs alike.
  Status PropertyNames() const {
    for (const auto& member : o_) {
      const std::string_view k = member.key();
      bool ok = k == "id" || (k.size() >= 3 && k.size() <= 250 && k[0] >= 'a' && k[0] <= 'z');
      for (size_t i = 1; ok && i < k.size(); ++i) ok = IsLowerAlnum(k[i]) || k[i] == '_';
      if (!ok) {
        return Error(json::PointerEscape(k), "invalid-value",
                     "'" + std::string(k) + "' is not a valid property name (common/properties.json)");
      }
      if (k == "severity" || k == "action" || k == "username" || k == "phone_numbers") {
        return Error(k, "invalid-value",
                     "'" + std::string(k) + "' is a reserved property name (common/core.json)");
      }
    }
    return Status::Ok();
  }

  Status SpecVersion(bool required) const {
    const bj::value* v = Get("spec_version");
    if (v == nullptr) {
      return required
                 ? Error("spec_version", "missing-field", "'spec_version' is required (common/core.json)")
                 : Status::Ok();
    }
    if (!v->is_string()) return Error("spec_version", "wrong-type", "'spec_version' must be a string");
    if (v->get_string() != "2.1") {
      return Error("spec_version", "invalid-value",
                   "spec_version '" + std::string(v->get_string()) + "' is not 2.1 (only STIX 2.1 is read)");
    }
    return Status::Ok();
  }

  // common/core.json: spec_version, created, modified (millisecond precision), modified >=
  // created.
  Status Core() const {
    AIIP_RETURN_IF_ERROR(SpecVersion(true));
    std::optional<SystemTime> times[2];
    const std::string_view keys[2] = {"created", "modified"};
    for (int i = 0; i < 2; ++i) {
      const bj::value* v = Get(keys[i]);
      if (v == nullptr) {
        return Error(keys[i], "missing-field",
                     "'" + std::string(keys[i]) + "' is required (common/core.json)");
      }
      AIIP_RETURN_IF_ERROR(String(keys[i], *v));
      times[i] = StixTimestamp(v->get_string(), true);
      if (!times[i]) {
        return Error(keys[i], "invalid-timestamp",
                     "'" + std::string(keys[i]) +
                         "' is not a UTC timestamp with millisecond precision (common/core.json)");
      }
    }
    if (*times[1] < *times[0]) return Error("modified", "invalid-value", "'modified' is before 'created'");
    return Status::Ok();
  }

  // common/marking-definition.json: TLP 1.0 markings have fixed ids and definitions; others
  // are statements, TLP 2.0 (an extension) or extension-defined.
  Status MarkingDefinition() const {
    AIIP_RETURN_IF_ERROR(SpecVersion(true));
    const bj::value* created = Get("created");
    if (created == nullptr)
      return Error("created", "missing-field", "'created' is required (marking-definition.json)");
    AIIP_RETURN_IF_ERROR(String("created", *created));
    if (!StixTimestamp(created->get_string(), false)) {
      return Error("created", "invalid-timestamp", "'created' is not a UTC timestamp");
    }
    const bj::value* type = Get("definition_type");
    const bj::value* definition = Get("definition");
    if (Get("extensions") == nullptr && (type == nullptr || definition == nullptr)) {
      return Error(type == nullptr ? "definition_type" : "definition", "missing-field",
                   "a marking definition without extensions needs 'definition_type' and 'definition'");
    }
    if (type == nullptr) return Status::Ok();
    AIIP_RETURN_IF_ERROR(String("definition_type", *type));
    if (definition == nullptr || !definition->is_object()) {
      return Error("definition", definition == nullptr ? "missing-field" : "wrong-type",
                   "'definition' must be an object");
    }
    const bj::object& d = definition->get_object();
    if (type->get_string() == "statement") {
      const bj::value* s = d.if_contains("statement");
      if (s == nullptr || !s->is_string()) {
        return Error("definition", "invalid-value", "a statement marking needs a string 'statement'");
      }
    } else if (type->get_string() == "tlp") {
      const bj::value* level = d.if_contains("tlp");
      const auto it =
          std::find_if(kTlp1.begin(), kTlp1.end(), [&](const Tlp1Marking& m) { return m.id == id_; });
      if (it == kTlp1.end() || level == nullptr || !level->is_string() || level->get_string() != it->value) {
        return Error("definition", "invalid-value",
                     "a TLP 1.0 marking must be one of the four predefined ones (marking-definition.json)");
      }
    }
    return Status::Ok();
  }

  Status CommonOptional() const {
    if (const bj::value* v = Get("created_by_ref")) {
      AIIP_RETURN_IF_ERROR(String("created_by_ref", *v));
      if (IdType(v->get_string()) != "identity") {
        return Error("created_by_ref", "invalid-value", "'created_by_ref' must be an identity id");
      }
    }
    AIIP_RETURN_IF_ERROR(NonEmptyStringArray("labels"));
    if (const bj::value* v = Get("revoked"); v != nullptr && !v->is_bool()) {
      return Error("revoked", "wrong-type", "'revoked' must be a boolean");
    }
    AIIP_RETURN_IF_ERROR(Integer("confidence", 0, 100));
    if (const bj::value* v = Get("lang")) AIIP_RETURN_IF_ERROR(String("lang", *v));
    if (const bj::value* v = Get("defanged"); v != nullptr && !v->is_bool()) {
      return Error("defanged", "wrong-type", "'defanged' must be a boolean");
    }
    AIIP_RETURN_IF_ERROR(ExternalReferences());
    AIIP_RETURN_IF_ERROR(GranularMarkings());
    AIIP_RETURN_IF_ERROR(KillChainPhases());
    AIIP_RETURN_IF_ERROR(Extensions());
    if (const bj::value* v = Get("object_marking_refs")) {
      if (!v->is_array() || v->get_array().empty()) {
        return Error("object_marking_refs", "invalid-value",
                     "'object_marking_refs' must be a non-empty array");
      }
      for (size_t i = 0; i < v->get_array().size(); ++i) {
        const bj::value& m = v->get_array()[i];
        if (!m.is_string() || IdType(m.get_string()) != "marking-definition") {
          return Error("object_marking_refs/" + std::to_string(i), "invalid-value",
                       "items of 'object_marking_refs' must be marking-definition ids");
        }
      }
    }
    return Status::Ok();
  }

  // common/external-reference.json: source_name required; "cve" and "capec" sources need
  // a matching external_id; url is a URI; hashes as hashes-type.json.
  Status ExternalReferences() const {
    const bj::value* v = Get("external_references");
    if (v == nullptr) return Status::Ok();
    if (!v->is_array() || v->get_array().empty()) {
      return Error("external_references", "invalid-value", "'external_references' must be a non-empty array");
    }
    for (size_t i = 0; i < v->get_array().size(); ++i) {
      const std::string at = "external_references/" + std::to_string(i);
      const bj::value& item = v->get_array()[i];
      if (!item.is_object()) return Error(at, "wrong-type", "an external reference must be an object");
      const bj::object& r = item.get_object();
      const bj::value* source = r.if_contains("source_name");
      if (source == nullptr || !source->is_string()) {
        return Error(at + "/source_name", source == nullptr ? "missing-field" : "wrong-type",
                     "an external reference needs a string 'source_name' (external-reference.json)");
      }
      const bj::value* external_id = r.if_contains("external_id");
      if (external_id != nullptr && !external_id->is_string()) {
        return Error(at + "/external_id", "wrong-type", "'external_id' must be a string");
      }
      const std::string_view s = source->get_string();
      if (s == "cve" || s == "capec") {
        const std::string_view prefix = s == "cve" ? "CVE-" : "CAPEC-";
        if (external_id == nullptr || !external_id->get_string().starts_with(prefix)) {
          return Error(
              at + "/external_id", "invalid-value",
              "a '" + std::string(s) + "' reference needs an external_id starting " + std::string(prefix));
        }
      }
      if (const bj::value* url = r.if_contains("url")) {
        if (!url->is_string() || !boost::urls::parse_uri_reference(url->get_string())) {
          return Error(at + "/url", "invalid-value", "'url' is not a URI");
        }
      }
      if (const bj::value* hashes = r.if_contains("hashes"))
        AIIP_RETURN_IF_ERROR(Hashes(at + "/hashes", *hashes));
    }
    return Status::Ok();
  }

  // common/hashes-type.json.
  Status Hashes(const std::string& at, const bj::value& v) const {
    if (!v.is_object() || v.get_object().empty())
      return Error(at, "invalid-value", "hashes must be a non-empty object");
    for (const auto& member : v.get_object()) {
      const std::string key(member.key());
      if (!member.value().is_string())
        return Error(at + "/" + json::PointerEscape(key), "wrong-type", "hash values are strings");
      const std::string_view h = member.value().get_string();
      size_t digits = 0;
      if (key == "MD5")
        digits = 32;
      else if (key == "SHA-1")
        digits = 40;
      else if (key == "SHA-256" || key == "SHA3-256")
        digits = 64;
      else if (key == "SHA-512" || key == "SHA3-512")
        digits = 128;
      bool ok = true;
      if (digits > 0) {
        ok = h.size() == digits && std::all_of(h.begin(), h.end(), IsHexDigit);
      } else if (key == "TLSH") {
        ok = h.size() == 70 && std::all_of(h.begin(), h.end(),
                                           [](char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); });
      } else if (key == "SSDEEP") {
        ok = !h.empty() && h.size() <= 128;
      } else {
        ok = key.size() >= 3 && key.size() <= 250 && std::all_of(key.begin(), key.end(), [](char c) {
               return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
             });
      }
      if (!ok) {
        return Error(at + "/" + json::PointerEscape(key), "invalid-value",
                     "'" + key + "' hash value or name is malformed (common/hashes-type.json)");
      }
    }
    return Status::Ok();
  }

  // common/granular-marking.json.
  Status GranularMarkings() const {
    const bj::value* v = Get("granular_markings");
    if (v == nullptr) return Status::Ok();
    if (!v->is_array() || v->get_array().empty()) {
      return Error("granular_markings", "invalid-value", "'granular_markings' must be a non-empty array");
    }
    for (size_t i = 0; i < v->get_array().size(); ++i) {
      const std::string at = "granular_markings/" + std::to_string(i);
      const bj::value& g = v->get_array()[i];
      if (!g.is_object()) return Error(at, "wrong-type", "a granular marking must be an object");
      const bj::value* ref = g.get_object().if_contains("marking_ref");
      const bj::value* lang = g.get_object().if_contains("lang");
      if (ref == nullptr && lang == nullptr) {
        return Error(at + "/marking_ref", "missing-field",
                     "a granular marking needs 'marking_ref' or 'lang'");
      }
      if (ref != nullptr && (!ref->is_string() || IdType(ref->get_string()) != "marking-definition")) {
        return Error(at + "/marking_ref", "invalid-value", "'marking_ref' must be a marking-definition id");
      }
      const bj::value* selectors = g.get_object().if_contains("selectors");
      if (selectors == nullptr || !selectors->is_array() || selectors->get_array().empty() ||
          !std::all_of(selectors->get_array().begin(), selectors->get_array().end(),
                       [](const bj::value& s) { return s.is_string(); })) {
        return Error(at + "/selectors", "invalid-value", "'selectors' must be a non-empty array of strings");
      }
    }
    return Status::Ok();
  }

  // common/kill-chain-phase.json.
  Status KillChainPhases() const {
    const bj::value* v = Get("kill_chain_phases");
    if (v == nullptr) return Status::Ok();
    if (!v->is_array() || v->get_array().empty()) {
      return Error("kill_chain_phases", "invalid-value", "'kill_chain_phases' must be a non-empty array");
    }
    for (size_t i = 0; i < v->get_array().size(); ++i) {
      const bj::value& p = v->get_array()[i];
      for (std::string_view key : {"kill_chain_name", "phase_name"}) {
        const bj::value* s = p.is_object() ? p.get_object().if_contains(key) : nullptr;
        if (s == nullptr || !s->is_string()) {
          return Error("kill_chain_phases/" + std::to_string(i) + "/" + std::string(key), "missing-field",
                       "a kill-chain phase needs a string '" + std::string(key) + "'");
        }
      }
    }
    return Status::Ok();
  }

  // common/core.json "extensions" and common/extension.json: keys are "<name>-ext" or
  // extension-definition ids; an extension-definition's extension has an extension_type.
  Status Extensions() const {
    const bj::value* v = Get("extensions");
    if (v == nullptr) return Status::Ok();
    if (!v->is_object() || v->get_object().empty()) {
      return Error("extensions", "invalid-value", "'extensions' must be a non-empty object");
    }
    for (const auto& member : v->get_object()) {
      const std::string key(member.key());
      const std::string at = "extensions/" + json::PointerEscape(key);
      if (!member.value().is_object() || member.value().get_object().empty()) {
        return Error(at, "invalid-value", "an extension must be a non-empty object");
      }
      if (key.starts_with("extension-definition--")) {
        if (!IsUuid(std::string_view(key).substr(22)))
          return Error(at, "invalid-value", "malformed extension id");
        const bj::value* kind = member.value().get_object().if_contains("extension_type");
        static constexpr std::string_view kKinds[] = {"new-sdo", "new-sco", "new-sro", "property-extension",
                                                      "toplevel-property-extension"};
        if (kind == nullptr || !kind->is_string() ||
            std::find(std::begin(kKinds), std::end(kKinds), kind->get_string()) == std::end(kKinds)) {
          return Error(at + "/extension_type", kind == nullptr ? "missing-field" : "invalid-value",
                       "an extension needs an 'extension_type' of common/extension.json");
        }
        if (key == kIncidentCoreExtensionId)
          AIIP_RETURN_IF_ERROR(IncidentCore(at, member.value().get_object()));
      } else if (!key.ends_with("-ext") || !IsTypeName(std::string_view(key).substr(0, key.size() - 4)) ||
                 key.size() < 5) {
        return Error(at, "invalid-value", "extension names are '<name>-ext' or extension-definition ids");
      }
    }
    return Status::Ok();
  }

  // The Incident Core Extension (incident-core, STIX common objects, "Incident Extension
  // Suite"): extension_type property-extension; determination (blocked, confirmed,
  // failed-attempt, false-positive, suspected) and investigation_status required;
  // criticality 0-100; *_refs lists of ids of the named types.
  Status IncidentCore(const std::string& at, const bj::object& e) const {
    if (type_ != "incident")
      return Error(at, "invalid-value", "the Incident Core Extension applies to incidents only");
    if (e.at("extension_type").get_string() != "property-extension") {
      return Error(at + "/extension_type", "invalid-value",
                   "the Incident Core Extension is a property-extension");
    }
    static constexpr std::string_view kDeterminations[] = {"blocked", "confirmed", "failed-attempt",
                                                           "false-positive", "suspected"};
    const bj::value* d = e.if_contains("determination");
    if (d == nullptr || !d->is_string() ||
        std::find(std::begin(kDeterminations), std::end(kDeterminations), d->get_string()) ==
            std::end(kDeterminations)) {
      return Error(at + "/determination", d == nullptr ? "missing-field" : "invalid-value",
                   "'determination' must be blocked, confirmed, failed-attempt, false-positive or suspected");
    }
    const bj::value* status = e.if_contains("investigation_status");
    if (status == nullptr || !status->is_string() || status->get_string().empty()) {
      return Error(at + "/investigation_status", status == nullptr ? "missing-field" : "invalid-value",
                   "'investigation_status' (new, open, closed, ...) is required");
    }
    if (const bj::value* c = e.if_contains("criticality")) {
      if (!c->is_int64() || c->get_int64() < 0 || c->get_int64() > 100) {
        return Error(at + "/criticality", "out-of-range", "'criticality' must be an integer 0-100");
      }
    }
    for (std::string_view key : {"incident_types", "detection_methods"}) {
      if (const bj::value* list = e.if_contains(key)) {
        if (!list->is_array() || !std::all_of(list->get_array().begin(), list->get_array().end(),
                                              [](const bj::value& x) { return x.is_string(); })) {
          return Error(at + "/" + std::string(key), "wrong-type",
                       "'" + std::string(key) + "' must be an array of strings");
        }
      }
    }
    static const std::pair<std::string_view, std::string_view> kRefs[] = {
        {"event_refs", "event"},       {"impact_refs", "impact"},           {"task_refs", "task"},
        {"sequence_refs", "sequence"}, {"sequence_start_refs", "sequence"}, {"other_object_refs", ""}};
    for (const auto& [key, target] : kRefs) {
      const bj::value* list = e.if_contains(key);
      if (list == nullptr) continue;
      if (!list->is_array())
        return Error(at + "/" + std::string(key), "wrong-type", "must be an array of ids");
      for (size_t i = 0; i < list->get_array().size(); ++i) {
        const bj::value& id = list->get_array()[i];
        if (!id.is_string() || IdType(id.get_string()).empty() ||
            (!target.empty() && IdType(id.get_string()) != target)) {
          return Error(
              at + "/" + std::string(key) + "/" + std::to_string(i), "invalid-value",
              "must be " + (target.empty() ? std::string("an id") : "a " + std::string(target) + " id"));
        }
      }
    }
    return Status::Ok();
  }

  Status Required() const {
    const auto& table = RequiredProperties();
    const auto it = table.find(type_);
    if (it == table.end()) return Status::Ok();
    for (std::string_view key : it->second) {
      if (Get(key) == nullptr) {
        return Error(
            key, "missing-field",
            "'" + std::string(key) + "' is required for " + std::string(type_) + " (STIX 2.1 schema)");
      }
    }
    return Status::Ok();
  }

  // Properties named *_ref hold an id, *_refs a non-empty array of ids (identifier.json).
  // Objects embedded in observed-data "objects" refer to each other by local keys instead.
  Status References() const {
    if (embedded_) return Status::Ok();
    for (const auto& member : o_) {
      const std::string_view k = member.key();
      if (k.ends_with("_ref")) {
        if (!member.value().is_string() || IdType(member.value().get_string()).empty()) {
          return Error(json::PointerEscape(k), "invalid-value",
                       "'" + std::string(k) + "' must be a STIX id (common/identifier.json)");
        }
      } else if (k.ends_with("_refs")) {
        const bj::value& v = member.value();
        if (!v.is_array() || v.get_array().empty()) {
          return Error(json::PointerEscape(k), "invalid-value",
                       "'" + std::string(k) + "' must be a non-empty array of ids");
        }
        for (size_t i = 0; i < v.get_array().size(); ++i) {
          if (!v.get_array()[i].is_string() || IdType(v.get_array()[i].get_string()).empty()) {
            return Error(json::PointerEscape(k) + "/" + std::to_string(i), "invalid-value",
                         "items of '" + std::string(k) + "' must be STIX ids (common/identifier.json)");
          }
        }
      }
    }
    return Status::Ok();
  }

  Status Timestamps() const {
    for (const auto& member : o_) {
      const std::string_view k = member.key();
      if (!IsTimestampProperty(k) || k == "created" || k == "modified") continue;
      // In process objects "created" is also a timestamp; in others these names are used as
      // documented, all timestamps.
      if (!member.value().is_string() || !StixTimestamp(member.value().get_string(), false)) {
        return Error(json::PointerEscape(k), "invalid-timestamp",
                     "'" + std::string(k) + "' is not a UTC RFC 3339 timestamp (common/timestamp.json)");
      }
    }
    return Status::Ok();
  }

  std::optional<SystemTime> Time(std::string_view key) const {
    const bj::value* v = Get(key);
    return v == nullptr ? std::nullopt : StixTimestamp(v->get_string(), false);
  }

  Status Ordered(std::string_view first, std::string_view second, bool strict) const {
    auto a = Time(first);
    auto b = Time(second);
    if (a && b && (strict ? !(*a < *b) : *b < *a)) {
      return Error(second, "invalid-value",
                   "'" + std::string(second) + "' must be " + (strict ? "later than" : "no earlier than") +
                       " '" + std::string(first) + "'");
    }
    return Status::Ok();
  }

  Status StringValue(std::string_view key) const {
    const bj::value* v = Get(key);
    return v == nullptr ? Status::Ok() : String(key, *v);
  }

  Status RefType(std::string_view key, std::initializer_list<std::string_view> allowed, bool forbid) const {
    const bj::value* v = Get(key);
    if (v == nullptr) return Status::Ok();
    std::vector<const bj::value*> ids;
    if (v->is_array()) {
      for (const auto& x : v->get_array()) ids.push_back(&x);
    } else {
      ids.push_back(v);
    }
    for (const bj::value* id : ids) {
      const std::string_view t = IdType(id->get_string());
      const bool listed = std::find(allowed.begin(), allowed.end(), t) != allowed.end();
      if (listed == forbid) {
        return Error(key, "invalid-value", "'" + std::string(key) + "' may not refer to a " + std::string(t));
      }
    }
    return Status::Ok();
  }

  Status TypeRules() const {
    for (std::string_view key : {"name", "description", "pattern", "pattern_type", "pattern_version",
                                 "content", "context", "product", "relationship_type", "opinion"}) {
      if (!IsSco(type_) || key == "name") AIIP_RETURN_IF_ERROR(StringValue(key));
    }
    if (type_ == "indicator") {
      AIIP_RETURN_IF_ERROR(NonEmptyStringArray("indicator_types"));
      if (Get("pattern_type")->get_string() == "stix") {
        auto parsed = ParsePattern(Get("pattern")->get_string());
        if (!parsed)
          return Error("pattern", "invalid-value", "not a STIX pattern: " + parsed.error().detail());
      }
      return Ordered("valid_from", "valid_until", true);
    }
    if (type_ == "observed-data") {
      AIIP_RETURN_IF_ERROR(Integer("number_observed", 1, 999'999'999));
      AIIP_RETURN_IF_ERROR(Ordered("first_observed", "last_observed", false));
      const bj::value* objects = Get("objects");
      if ((objects == nullptr) == (Get("object_refs") == nullptr)) {
        return Error("object_refs", objects == nullptr ? "missing-field" : "invalid-value",
                     "observed-data needs exactly one of 'objects' and 'object_refs' (observed-data.json)");
      }
      if (objects != nullptr) {
        if (!objects->is_object() || objects->get_object().empty()) {
          return Error("objects", "invalid-value", "'objects' must be a non-empty object");
        }
        for (const auto& member : objects->get_object()) {
          const std::string at = PointerOf("objects") + "/" + json::PointerEscape(member.key());
          if (!member.value().is_object()) {
            return InvalidArgument("wrong-type", std::string(id_) + ": observed objects must be objects", at);
          }
          AIIP_RETURN_IF_ERROR(ObjectChecker(member.value().get_object(), at, true).Run());
        }
      }
      return Status::Ok();
    }
    if (type_ == "sighting") {
      AIIP_RETURN_IF_ERROR(Integer("count", 0, 999'999'999));
      AIIP_RETURN_IF_ERROR(
          RefType("sighting_of_ref",
                  {"relationship", "sighting", "bundle", "marking-definition", "language-content"}, true));
      AIIP_RETURN_IF_ERROR(RefType("observed_data_refs", {"observed-data"}, false));
      AIIP_RETURN_IF_ERROR(RefType("where_sighted_refs", {"identity", "location"}, false));
      return Ordered("first_seen", "last_seen", false);
    }
    if (type_ == "relationship") {
      const std::string_view rt = Get("relationship_type")->get_string();
      if (rt.empty() ||
          !std::all_of(rt.begin(), rt.end(), [](char c) { return IsLowerAlnum(c) || c == '-'; })) {
        return Error("relationship_type", "invalid-value", "'relationship_type' must match ^[a-z0-9\\-]+$");
      }
      for (std::string_view key : {"source_ref", "target_ref"}) {
        AIIP_RETURN_IF_ERROR(RefType(
            key, {"relationship", "sighting", "bundle", "marking-definition", "language-content"}, true));
      }
      return Ordered("start_time", "stop_time", true);
    }
    if (type_ == "report" || type_ == "grouping" || type_ == "note" || type_ == "opinion") {
      if (type_ == "opinion") {
        static constexpr std::string_view kOpinions[] = {"strongly-disagree", "disagree", "neutral", "agree",
                                                         "strongly-agree"};
        if (std::find(std::begin(kOpinions), std::end(kOpinions), Get("opinion")->get_string()) ==
            std::end(kOpinions)) {
          return Error("opinion", "invalid-value", "'opinion' is not in opinion-enum");
        }
      }
      return Status::Ok();
    }
    if (type_ == "identity") return NonEmptyStringArray("sectors");
    if (type_ == "malware") {
      if (!Get("is_family")->is_bool())
        return Error("is_family", "wrong-type", "'is_family' must be a boolean");
      if (Get("is_family")->get_bool() && Get("name") == nullptr) {
        return Error("name", "missing-field", "a malware family needs a 'name' (malware.json)");
      }
      return Ordered("first_seen", "last_seen", false);
    }
    if (type_ == "location") {
      const bool lat = Get("latitude") != nullptr;
      const bool lon = Get("longitude") != nullptr;
      if (lat != lon)
        return Error(lat ? "longitude" : "latitude", "missing-field", "latitude and longitude go together");
      if (!lat && Get("region") == nullptr && Get("country") == nullptr) {
        return Error("country", "missing-field",
                     "a location needs region, country or latitude/longitude (location.json)");
      }
      if (Get("precision") != nullptr && !lat) {
        return Error("precision", "invalid-value", "'precision' needs latitude and longitude");
      }
      for (auto [key, bound] : {std::pair<std::string_view, double>{"latitude", 90}, {"longitude", 180}}) {
        if (const bj::value* v = Get(key)) {
          if (!v->is_number()) return Error(key, "wrong-type", "'" + std::string(key) + "' must be a number");
          const double d = v->to_number<double>();
          if (d < -bound || d > bound)
            return Error(key, "out-of-range", "'" + std::string(key) + "' is out of range");
        }
      }
      return Status::Ok();
    }
    if (type_ == "threat-actor" || type_ == "campaign" || type_ == "intrusion-set" ||
        type_ == "infrastructure") {
      return Ordered("first_seen", "last_seen", false);
    }
    if (type_ == "malware-analysis" && Get("result") == nullptr && Get("analysis_sco_refs") == nullptr) {
      return Error("result", "missing-field", "malware-analysis needs 'result' or 'analysis_sco_refs'");
    }
    if (type_ == "extension-definition") {
      const bj::value* kinds = Get("extension_types");
      if (!kinds->is_array() || kinds->get_array().empty()) {
        return Error("extension_types", "invalid-value", "'extension_types' must be a non-empty array");
      }
      return Status::Ok();
    }
    return ScoRules();
  }

  // observables/*.json value rules.
  Status ScoRules() const {
    const bj::value* value = Get("value");
    if (value != nullptr) AIIP_RETURN_IF_ERROR(String("value", *value));
    const std::string_view v = value != nullptr ? std::string_view(value->get_string()) : std::string_view();
    if (type_ == "ipv4-addr" || type_ == "ipv6-addr") {
      auto n = ParseIpNetwork(v);
      if (!n || n->v6 != (type_ == "ipv6-addr")) {
        return Error("value", "invalid-value",
                     "'" + std::string(v) + "' is not an " + (type_ == "ipv4-addr" ? "IPv4" : "IPv6") +
                         " address or CIDR network (" + std::string(type_) + ".json)");
      }
    } else if (type_ == "domain-name") {
      if (v.empty() || v.size() > 253 || std::any_of(v.begin(), v.end(), [](char c) {
            return static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '@';
          })) {
        return Error("value", "invalid-value",
                     "'" + std::string(v) + "' is not a host name (domain-name.json, idn-hostname)");
      }
    } else if (type_ == "email-addr") {
      if (!CanonicalEmail(v))
        return Error("value", "invalid-value", "'" + std::string(v) + "' is not an e-mail address");
    } else if (type_ == "url") {
      if (!boost::urls::parse_uri(v))
        return Error("value", "invalid-value", "'" + std::string(v) + "' is not a URI (url.json)");
    } else if (type_ == "mac-addr") {
      bool ok = v.size() == 17;
      for (size_t i = 0; ok && i < 17; ++i) {
        ok = i % 3 == 2 ? v[i] == ':' : ((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f'));
      }
      if (!ok)
        return Error("value", "invalid-value",
                     "'" + std::string(v) + "' is not a lower-case colon MAC address");
    } else if (type_ == "file") {
      if (Get("hashes") == nullptr && Get("name") == nullptr) {
        return Error("hashes", "missing-field", "a file needs 'hashes' or 'name' (file.json)");
      }
      AIIP_RETURN_IF_ERROR(Integer("size", 0, INT64_MAX));
    } else if (type_ == "autonomous-system") {
      AIIP_RETURN_IF_ERROR(Integer("number", 0, INT64_MAX));
    } else if (type_ == "email-message") {
      if (!Get("is_multipart")->is_bool())
        return Error("is_multipart", "wrong-type", "'is_multipart' must be a boolean");
      if (Get("is_multipart")->get_bool() && Get("body") != nullptr) {
        return Error("body", "invalid-value",
                     "'body' is only for non-multipart messages (email-message.json)");
      }
    } else if (type_ == "network-traffic") {
      AIIP_RETURN_IF_ERROR(NonEmptyStringArray("protocols"));
      if (Get("src_ref") == nullptr && Get("dst_ref") == nullptr) {
        return Error("src_ref", "missing-field",
                     "network-traffic needs 'src_ref' or 'dst_ref' (network-traffic.json)");
      }
    } else if (type_ == "artifact") {
      if (Get("payload_bin") != nullptr && Get("url") != nullptr) {
        return Error("url", "invalid-value",
                     "an artifact has 'payload_bin' or 'url', not both (artifact.json)");
      }
    }
    if (const bj::value* hashes = Get("hashes")) AIIP_RETURN_IF_ERROR(Hashes("hashes", *hashes));
    return Status::Ok();
  }

  const bj::object& o_;
  std::string pointer_;
  bool embedded_;
  std::string_view type_;
  std::string_view id_;
};

// ---- Import -------------------------------------------------------------------------------

// STIX industry-sector-ov -> NIS2 sector (doc/incidents.md has the table).
std::optional<Sector> SectorOfStix(std::string_view s) {
  static const std::pair<std::string_view, Sector> kMap[] = {
      {"energy", Sector::kEnergy},
      {"utilities", Sector::kEnergy},
      {"nuclear", Sector::kEnergy},
      {"dams", Sector::kEnergy},
      {"transportation", Sector::kTransport},
      {"financial-services", Sector::kBanking},
      {"insurance", Sector::kBanking},
      {"healthcare", Sector::kHealth},
      {"pharmaceuticals", Sector::kHealth},
      {"water", Sector::kDrinkingWater},
      {"telecommunications", Sector::kDigitalInfrastructure},
      {"communications", Sector::kDigitalInfrastructure},
      {"technology", Sector::kIctServiceManagement},
      {"government", Sector::kPublicAdministration},
      {"government-national", Sector::kPublicAdministration},
      {"government-regional", Sector::kPublicAdministration},
      {"government-local", Sector::kPublicAdministration},
      {"government-public-services", Sector::kPublicAdministration},
      {"emergency-services", Sector::kPublicAdministration},
      {"aerospace", Sector::kSpace},
      {"chemical", Sector::kChemicals},
      {"agriculture", Sector::kFood},
      {"manufacturing", Sector::kManufacturing},
      {"automotive", Sector::kManufacturing},
      {"education", Sector::kResearch},
  };
  for (const auto& [k, v] : kMap) {
    if (k == s) return v;
  }
  return std::nullopt;
}

std::string_view StixSectorOf(Sector s) {
  switch (s) {
    case Sector::kEnergy:
      return "energy";
    case Sector::kTransport:
      return "transportation";
    case Sector::kBanking:
    case Sector::kFinancialMarketInfrastructures:
      return "financial-services";
    case Sector::kHealth:
      return "healthcare";
    case Sector::kDrinkingWater:
    case Sector::kWasteWater:
      return "water";
    case Sector::kDigitalInfrastructure:
      return "telecommunications";
    case Sector::kIctServiceManagement:
    case Sector::kDigitalProviders:
      return "technology";
    case Sector::kPublicAdministration:
      return "government";
    case Sector::kSpace:
      return "aerospace";
    case Sector::kPostalCourier:
      return "transportation";
    case Sector::kWasteManagement:
      return "utilities";
    case Sector::kChemicals:
      return "chemical";
    case Sector::kFood:
      return "agriculture";
    case Sector::kManufacturing:
      return "manufacturing";
    case Sector::kResearch:
      return "education";
    case Sector::kOther:
      return "";
  }
  return "";
}

// A simple indicator from one `=` comparison of a pattern, if it is one AIIP knows.
std::optional<std::pair<IndicatorType, std::string>> SimpleComparison(const PatternComparison& c) {
  if (c.op != "=" || c.negated || !c.only_strings || c.strings.size() != 1) return std::nullopt;
  const std::string& v = c.strings[0];
  if (c.path == "value") {
    if (c.object_type == "ipv4-addr") return std::pair{IndicatorType::kIpv4, v};
    if (c.object_type == "ipv6-addr") return std::pair{IndicatorType::kIpv6, v};
    if (c.object_type == "domain-name") return std::pair{IndicatorType::kDomain, v};
    if (c.object_type == "url") return std::pair{IndicatorType::kUrl, v};
    if (c.object_type == "email-addr") return std::pair{IndicatorType::kEmail, v};
  }
  if (c.object_type == "file" && c.path.starts_with("hashes.")) {
    std::string algo = c.path.substr(7);
    std::transform(algo.begin(), algo.end(), algo.begin(),
                   [](char ch) { return ch >= 'a' && ch <= 'z' ? ch - 32 : ch; });
    if (algo == "MD5") return std::pair{IndicatorType::kMd5, v};
    if (algo == "SHA-1" || algo == "SHA1") return std::pair{IndicatorType::kSha1, v};
    if (algo == "SHA-256" || algo == "SHA256") return std::pair{IndicatorType::kSha256, v};
    if (algo == "SHA-512" || algo == "SHA512") return std::pair{IndicatorType::kSha512, v};
  }
  return std::nullopt;
}

class Importer {
 public:
  explicit Importer(const bj::object& bundle) : bundle_(bundle) {}

  Result<Import> Run() {
    const bj::array& objects = bundle_.at("objects").get_array();
    for (size_t i = 0; i < objects.size(); ++i) {
      const bj::object& o = objects[i].get_object();
      by_id_[std::string(o.at("id").get_string())] = i;
      if (o.at("type").get_string() == "incident") incidents_.push_back(i);
    }
    if (incidents_.empty()) {
      return Err(InvalidArgument(
          "no-incident", "the bundle holds no incident object; a report is one incident", "/objects"));
    }
    if (incidents_.size() > 1) {
      return Err(InvalidArgument("several-incidents",
                                 "the bundle holds " + std::to_string(incidents_.size()) +
                                     " incident objects; submit one report per incident",
                                 "/objects/" + std::to_string(incidents_[1])));
    }
    const size_t index = incidents_[0];
    const std::string pointer = "/objects/" + std::to_string(index);
    const bj::object& incident = objects[index].get_object();

    // The report's JSON, built from the bundle and then read by the strict report parser.
    bj::object native;
    if (const bj::value* ext = ExtensionsOf(incident, kAiipExtensionId)) {
      native = ext->get_object();
      native.erase("extension_type");
    }
    native["title"] = incident.at("name");
    if (const bj::value* d = incident.if_contains("description")) native["narrative"] = *d;
    ReadTlp(incident, native);
    ReadReporter(incident, native);
    ReadIndicators(objects, native);
    ReadTimeWindow(incident, objects, native);
    if (!native.contains("attack_type")) ReadAttackType(incident, native);
    if (!native.contains("sector")) {
      native["sector"] = "other";
      notes_.push_back("no sector in the bundle: sector set to \"other\"");
    }
    auto report = ParseReportObject(native);
    if (!report) {
      // Errors name the incident: the mapped fields all come from it or its extension.
      const Status& e = report.error();
      return Err(InvalidArgument(e.type(), "the incident does not map to a valid report: " + e.detail(),
                                 SourceOf(e.field(), pointer)));
    }
    return Import{std::move(*report), std::move(notes_)};
  }

 private:
  // Where in the bundle a field of the mapped report came from: name and description are the
  // incident's own, tlp its marking, indicators the bundle's objects, the rest AIIP's extension.
  static std::string SourceOf(const std::string& field, const std::string& incident) {
    if (field == "/title") return incident + "/name";
    if (field == "/narrative") return incident + "/description";
    if (field == "/tlp") return incident + "/object_marking_refs";
    if (field.starts_with("/indicators")) return "/objects";
    if (field.starts_with("/first_seen") || field.starts_with("/last_seen")) return "/objects";
    return incident + "/extensions/" + json::PointerEscape(kAiipExtensionId) + field;
  }

  static const bj::value* ExtensionsOf(const bj::object& o, std::string_view id) {
    const bj::value* ext = o.if_contains("extensions");
    return ext == nullptr ? nullptr : ext->get_object().if_contains(id);
  }

  const bj::object* Object(std::string_view id) const {
    auto it = by_id_.find(std::string(id));
    return it == by_id_.end() ? nullptr : &bundle_.at("objects").get_array()[it->second].get_object();
  }

  void ReadTlp(const bj::object& incident, bj::object& native) {
    std::optional<incidents::Tlp> tlp;
    if (const bj::value* refs = incident.if_contains("object_marking_refs")) {
      for (const bj::value& ref : refs->get_array()) {
        auto level = TlpOfMarking(ref.get_string());
        if (level && (!tlp || *level > *tlp)) tlp = level;  // the strictest marking wins
      }
    }
    if (!tlp) {
      tlp = incidents::Tlp::kAmber;
      notes_.push_back("the incident has no TLP marking: treated as TLP:AMBER");
    }
    native["tlp"] = TlpName(*tlp);
  }

  void ReadReporter(const bj::object& incident, bj::object& native) {
    const bj::value* ref = incident.if_contains("created_by_ref");
    if (ref == nullptr) return;
    const bj::object* identity = Object(ref->get_string());
    if (identity == nullptr) {
      notes_.push_back("created_by_ref names an identity that is not in the bundle: no reporter");
      return;
    }
    if (!native.contains("reporter")) {
      bj::object reporter{{"organisation", identity->at("name")}};
      if (const bj::value* contact = identity->if_contains("contact_information")) {
        if (auto email = CanonicalEmail(contact->get_string())) {
          reporter["email"] = *email;
        } else {
          notes_.push_back("the reporter's contact_information is not one e-mail address: not kept");
        }
      }
      native["reporter"] = std::move(reporter);
    }
    if (!native.contains("sector")) {
      if (const bj::value* sectors = identity->if_contains("sectors")) {
        for (const bj::value& s : sectors->get_array()) {
          if (auto sector = SectorOfStix(s.get_string())) {
            native["sector"] = SectorCode(*sector);
            break;
          }
        }
      }
    }
  }

  void AddIndicator(bj::array& out, std::set<std::pair<IndicatorType, std::string>>& seen, IndicatorType type,
                    const std::string& value, std::string_view where) {
    auto canonical = CanonicalIndicatorValue(type, value);
    if (!canonical) {
      notes_.push_back(std::string(where) + ": " + std::string(IndicatorTypeName(type)) + " '" + value +
                       "' dropped: " + canonical.error().detail());
      return;
    }
    if (seen.emplace(type, *canonical).second) {
      out.emplace_back(bj::object{{"type", IndicatorTypeName(type)}, {"value", *canonical}});
    }
  }

  void Sco(const bj::object& o, bj::array& out, std::set<std::pair<IndicatorType, std::string>>& seen,
           const std::string& where) {
    const std::string_view type = o.at("type").get_string();
    const bj::value* value = o.if_contains("value");
    if (type == "ipv4-addr")
      AddIndicator(out, seen, IndicatorType::kIpv4, std::string(value->get_string()), where);
    if (type == "ipv6-addr")
      AddIndicator(out, seen, IndicatorType::kIpv6, std::string(value->get_string()), where);
    if (type == "domain-name")
      AddIndicator(out, seen, IndicatorType::kDomain, std::string(value->get_string()), where);
    if (type == "url") AddIndicator(out, seen, IndicatorType::kUrl, std::string(value->get_string()), where);
    if (type == "email-addr")
      AddIndicator(out, seen, IndicatorType::kEmail, std::string(value->get_string()), where);
    if (type == "file") {
      if (const bj::value* hashes = o.if_contains("hashes")) {
        for (const auto& [key, h] : hashes->get_object()) {
          const std::string value_text(h.get_string());
          if (key == "MD5") AddIndicator(out, seen, IndicatorType::kMd5, value_text, where);
          if (key == "SHA-1") AddIndicator(out, seen, IndicatorType::kSha1, value_text, where);
          if (key == "SHA-256") AddIndicator(out, seen, IndicatorType::kSha256, value_text, where);
          if (key == "SHA-512") AddIndicator(out, seen, IndicatorType::kSha512, value_text, where);
        }
      }
    }
  }

  void ReadIndicators(const bj::array& objects, bj::object& native) {
    bj::array out;
    std::set<std::pair<IndicatorType, std::string>> seen;
    if (const bj::value* existing = native.if_contains("indicators")) out = existing->get_array();
    size_t skipped = 0;
    for (size_t i = 0; i < objects.size(); ++i) {
      const bj::object& o = objects[i].get_object();
      const std::string_view type = o.at("type").get_string();
      const std::string where = "/objects/" + std::to_string(i);
      if (type == "indicator") {
        const std::string pattern(o.at("pattern").get_string());
        if (o.at("pattern_type").get_string() != "stix") {
          notes_.push_back(where + ": pattern_type '" + std::string(o.at("pattern_type").get_string()) +
                           "' has no native indicator type: dropped");
          continue;
        }
        auto parsed = ParsePattern(pattern);
        std::vector<std::pair<IndicatorType, std::string>> simple;
        bool all_simple = parsed->disjunction_only;
        for (const PatternComparison& c : parsed->comparisons) {
          auto s = SimpleComparison(c);
          if (!s || !CanonicalIndicatorValue(s->first, s->second)) {
            all_simple = false;
            break;
          }
          simple.push_back(*s);
        }
        if (all_simple) {
          for (const auto& [t, v] : simple) AddIndicator(out, seen, t, v, where);
        } else {
          AddIndicator(out, seen, IndicatorType::kStixPattern, pattern, where);
        }
      } else if (type == "observed-data") {
        if (const bj::value* embedded = o.if_contains("objects")) {
          for (const auto& member : embedded->get_object())
            Sco(member.value().get_object(), out, seen, where);
        }
      } else if (IsSco(type)) {
        Sco(o, out, seen, where);
      } else if (type != "incident" && type != "identity" && type != "marking-definition" &&
                 type != "sighting" && type != "report" && type != "relationship" &&
                 type != "extension-definition") {
        ++skipped;
      }
    }
    if (skipped > 0) {
      notes_.push_back(std::to_string(skipped) +
                       " object(s) of types with no place in a report were validated and not kept");
    }
    if (!out.empty()) native["indicators"] = std::move(out);
  }

  void ReadTimeWindow(const bj::object& incident, const bj::array& objects, bj::object& native) {
    if (native.contains("first_seen")) return;
    std::optional<SystemTime> first;
    std::optional<SystemTime> last;
    const auto widen = [&](const bj::object& o, std::string_view a, std::string_view b) {
      if (const bj::value* v = o.if_contains(a)) {
        auto t = ParseRfc3339(v->get_string());
        if (t && (!first || *t < *first)) first = *t;
      }
      if (const bj::value* v = o.if_contains(b)) {
        auto t = ParseRfc3339(v->get_string());
        if (t && (!last || *last < *t)) last = *t;
      }
    };
    for (const bj::value& v : objects) {
      const bj::object& o = v.get_object();
      const std::string_view type = o.at("type").get_string();
      if (type == "sighting") widen(o, "first_seen", "last_seen");
      if (type == "observed-data") widen(o, "first_observed", "last_observed");
    }
    if (!first) {
      first = *ParseRfc3339(incident.at("created").get_string());
      notes_.push_back("no sighting or observed-data times: first_seen is the incident's created time");
    }
    native["first_seen"] = FormatRfc3339(*first);
    if (last && !(*last < *first)) native["last_seen"] = FormatRfc3339(*last);
    if (!native.contains("reported_at")) {
      auto created = *ParseRfc3339(incident.at("created").get_string());
      if (!(created < *first)) native["reported_at"] = FormatRfc3339(created);
    }
  }

  void ReadAttackType(const bj::object& incident, bj::object& native) {
    if (const bj::value* core = ExtensionsOf(incident, kIncidentCoreExtensionId)) {
      if (const bj::value* types = core->get_object().if_contains("incident_types")) {
        for (const bj::value& t : types->get_array()) {
          if (auto parsed = ParseAttackType(t.get_string())) {
            native["attack_type"] = parsed->ToString();
            return;
          }
        }
      }
    }
    native["attack_type"] = "other:undetermined";
    notes_.push_back("no RSIT attack type in the bundle: attack_type set to \"other:undetermined\"");
  }

  const bj::object& bundle_;
  std::map<std::string, size_t> by_id_;
  std::vector<size_t> incidents_;
  std::vector<std::string> notes_;
};

// ---- Export -------------------------------------------------------------------------------

// A UUID (version 4 layout) derived from the report id and a role, so exports are stable.
std::string DerivedId(std::string_view type, std::string_view report_id, std::string_view role) {
  const crypto::Sha256Digest d =
      crypto::Sha256(std::string("aiip-stix\n") + std::string(report_id) + "\n" + std::string(role));
  std::array<uint8_t, 16> u;
  std::copy_n(d.begin(), 16, u.begin());
  u[6] = static_cast<uint8_t>((u[6] & 0x0f) | 0x40);
  u[8] = static_cast<uint8_t>((u[8] & 0x3f) | 0x80);
  const std::string hex = HexEncode(std::span<const uint8_t>(u));
  return std::string(type) + "--" + hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) +
         "-" + hex.substr(16, 4) + "-" + hex.substr(20);
}

std::string PatternOf(const Indicator& i) {
  const std::string q = QuotePatternString(i.value);
  switch (i.type) {
    case IndicatorType::kIpv4:
      return "[ipv4-addr:value = " + q + "]";
    case IndicatorType::kIpv6:
      return "[ipv6-addr:value = " + q + "]";
    case IndicatorType::kDomain:
      return "[domain-name:value = " + q + "]";
    case IndicatorType::kUrl:
      return "[url:value = " + q + "]";
    case IndicatorType::kEmail:
      return "[email-addr:value = " + q + "]";
    case IndicatorType::kMd5:
      return "[file:hashes.MD5 = " + q + "]";
    case IndicatorType::kSha1:
      return "[file:hashes.'SHA-1' = " + q + "]";
    case IndicatorType::kSha256:
      return "[file:hashes.'SHA-256' = " + q + "]";
    case IndicatorType::kSha512:
      return "[file:hashes.'SHA-512' = " + q + "]";
    case IndicatorType::kStixPattern:
      return i.value;
  }
  return i.value;
}

}  // namespace

std::string_view TlpMarkingId(Tlp tlp) { return kTlp2[static_cast<size_t>(tlp)].id; }

std::optional<Tlp> TlpOfMarking(std::string_view marking_id) {
  for (const auto& m : kTlp2) {
    if (m.id == marking_id) return m.tlp;
  }
  for (const auto& m : kTlp1) {
    if (m.id == marking_id) return m.tlp;
  }
  return std::nullopt;
}

Status ValidateBundleObject(const bj::object& bundle) {
  // common/bundle.json: type "bundle", id bundle--UUID, objects an array of STIX objects.
  const bj::value* type = bundle.if_contains("type");
  if (type == nullptr)
    return InvalidArgument("missing-field", "'type' is required (common/bundle.json)", "/type");
  if (!type->is_string() || type->get_string() != "bundle") {
    return InvalidArgument("invalid-value",
                           "not a bundle: type is " +
                               (type->is_string() ? "'" + std::string(type->get_string()) + "'"
                                                  : std::string(json::KindName(*type))) +
                               " (common/bundle.json)",
                           "/type");
  }
  const bj::value* id = bundle.if_contains("id");
  if (id == nullptr) return InvalidArgument("missing-field", "'id' is required (common/bundle.json)", "/id");
  if (!id->is_string() || IdType(id->get_string()) != "bundle") {
    return InvalidArgument("invalid-value", "'id' must be bundle--<UUID> (common/bundle.json)", "/id");
  }
  if (bundle.contains("spec_version")) {
    return InvalidArgument("invalid-value", "a STIX 2.1 bundle has no spec_version (STIX 2.0 bundles do)",
                           "/spec_version");
  }
  const bj::value* objects = bundle.if_contains("objects");
  if (objects == nullptr) return Status::Ok();
  if (!objects->is_array()) return InvalidArgument("wrong-type", "'objects' must be an array", "/objects");
  std::set<std::pair<std::string_view, std::string_view>> versions;
  for (size_t i = 0; i < objects->get_array().size(); ++i) {
    const std::string pointer = "/objects/" + std::to_string(i);
    const bj::value& o = objects->get_array()[i];
    if (!o.is_object()) return InvalidArgument("wrong-type", "STIX objects are JSON objects", pointer);
    AIIP_RETURN_IF_ERROR(ObjectChecker(o.get_object(), pointer, false).Run());
    // The same object version twice is ambiguous (STIX 2.1 §3.6: id + modified names a version).
    const bj::value* modified = o.get_object().if_contains("modified");
    if (!versions
             .emplace(o.get_object().at("id").get_string(),
                      modified != nullptr ? std::string_view(modified->get_string()) : "")
             .second) {
      return InvalidArgument(
          "invalid-value",
          std::string(o.get_object().at("id").get_string()) + ": the same object version appears twice",
          pointer + "/id");
    }
  }
  return Status::Ok();
}

Result<bj::object> ValidateBundle(std::string_view json_text) {
  AIIP_ASSIGN_OR_RETURN(bj::object bundle, json::ParseObject(json_text));
  AIIP_RETURN_IF_ERROR(ValidateBundleObject(bundle));
  return bundle;
}

Result<Import> BundleToReport(std::string_view json_text) {
  AIIP_ASSIGN_OR_RETURN(bj::object bundle, ValidateBundle(json_text));
  if (!bundle.contains("objects")) {
    return Err(
        InvalidArgument("no-incident", "the bundle holds no objects; a report is one incident", "/objects"));
  }
  return Importer(bundle).Run();
}

bj::object ReportToBundle(const Report& report, const ExportOptions& options) {
  const std::string time = FormatRfc3339(report.reported_at.value_or(options.now));
  const std::string& rid = options.report_id;
  bj::array objects;

  const std::string aiip_identity = DerivedId("identity", "aiip", "producer");
  objects.emplace_back(bj::object{{"type", "identity"},
                                  {"spec_version", "2.1"},
                                  {"id", aiip_identity},
                                  {"created", "2025-01-01T00:00:00.000Z"},
                                  {"modified", "2025-01-01T00:00:00.000Z"},
                                  {"name", "AIIP clearinghouse"},
                                  {"identity_class", "system"}});
  objects.emplace_back(bj::object{
      {"type", "extension-definition"},
      {"spec_version", "2.1"},
      {"id", kAiipExtensionId},
      {"created_by_ref", aiip_identity},
      {"created", "2025-01-01T00:00:00.000Z"},
      {"modified", "2025-01-01T00:00:00.000Z"},
      {"name", "AIIP incident report"},
      {"description",
       "The fields of an AIIP incident report that STIX 2.1 has no place for, in AIIP's native JSON form."},
      {"schema", "https://aiip.example/doc/incidents.md#stix-mapping"},
      {"version", "1.0"},
      {"extension_types", bj::array{"property-extension"}}});
  const TlpMarking& marking = kTlp2[static_cast<size_t>(report.tlp)];
  objects.emplace_back(bj::object{
      {"type", "marking-definition"},
      {"spec_version", "2.1"},
      {"id", marking.id},
      {"created", kTlp2Created},
      {"name", marking.name},
      {"extensions", bj::object{{kTlp2ExtensionId, bj::object{{"extension_type", "property-extension"},
                                                              {"tlp_2_0", marking.value}}}}}});
  const bj::array markings{marking.id};

  std::string reporter_id;
  if (report.reporter) {
    reporter_id = DerivedId("identity", rid, "reporter");
    bj::object identity{{"type", "identity"},
                        {"spec_version", "2.1"},
                        {"id", reporter_id},
                        {"created", time},
                        {"modified", time},
                        {"name", report.reporter->organisation},
                        {"identity_class", "organization"},
                        {"object_marking_refs", markings}};
    if (!StixSectorOf(report.sector).empty()) identity["sectors"] = bj::array{StixSectorOf(report.sector)};
    if (!report.reporter->email.empty()) identity["contact_information"] = report.reporter->email;
    objects.emplace_back(std::move(identity));
  }

  bj::array indicator_ids;
  for (size_t i = 0; i < report.indicators.size(); ++i) {
    const Indicator& ind = report.indicators[i];
    const std::string id = DerivedId(
        "indicator", rid, "indicator/" + std::string(IndicatorTypeName(ind.type)) + "/" + ind.value);
    indicator_ids.emplace_back(id);
    bj::object o{{"type", "indicator"},
                 {"spec_version", "2.1"},
                 {"id", id},
                 {"created", time},
                 {"modified", time},
                 {"pattern", PatternOf(ind)},
                 {"pattern_type", "stix"},
                 {"valid_from", FormatRfc3339(report.first_seen)},
                 {"indicator_types", bj::array{"malicious-activity"}},
                 {"object_marking_refs", markings}};
    if (!reporter_id.empty()) o["created_by_ref"] = reporter_id;
    objects.emplace_back(std::move(o));
  }

  bj::object core{{"extension_type", "property-extension"},
                  {"determination", "confirmed"},
                  {"investigation_status", "open"},
                  {"incident_types", bj::array{report.attack_type.type.empty() ? report.attack_type.klass
                                                                               : report.attack_type.type}}};
  if (!indicator_ids.empty()) core["other_object_refs"] = indicator_ids;
  // AIIP's extension: the native JSON without what STIX carries itself.
  bj::object aiip = ReportToJson(report);
  for (std::string_view key : {"title", "narrative", "indicators", "tlp"}) aiip.erase(key);
  aiip["extension_type"] = "property-extension";
  bj::object incident{{"type", "incident"},
                      {"spec_version", "2.1"},
                      {"id", DerivedId("incident", rid, "incident")},
                      {"created", time},
                      {"modified", time},
                      {"name", report.title},
                      {"object_marking_refs", markings},
                      {"extensions", bj::object{{kIncidentCoreExtensionId, std::move(core)},
                                                {kAiipExtensionId, std::move(aiip)}}}};
  if (!report.narrative.empty()) incident["description"] = report.narrative;
  if (!reporter_id.empty()) incident["created_by_ref"] = reporter_id;
  objects.emplace_back(std::move(incident));

  return bj::object{
      {"type", "bundle"}, {"id", DerivedId("bundle", rid, "bundle")}, {"objects", std::move(objects)}};
}

}  // namespace aiip::incidents::stix
