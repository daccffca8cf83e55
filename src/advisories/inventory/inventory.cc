#include "advisories/inventory/inventory.h"

#include <boost/json.hpp>
#include <utility>

#include "advisories/inventory/cpe.h"
#include "advisories/inventory/purl.h"
#include "common/json.h"

namespace aiip::advisories {
namespace {

namespace bj = boost::json;

constexpr std::string_view kVexStates[] = {"resolved",  "resolved_with_pedigree", "exploitable",
                                           "in_triage", "false_positive",         "not_affected"};
constexpr std::string_view kVexJustifications[] = {
    "code_not_present",     "code_not_reachable",     "requires_configuration",
    "requires_dependency",  "requires_environment",   "protected_by_compiler",
    "protected_at_runtime", "protected_at_perimeter", "protected_by_mitigating_control"};

template <size_t N>
bool OneOf(std::string_view s, const std::string_view (&values)[N]) {
  for (std::string_view v : values) {
    if (s == v) return true;
  }
  return false;
}

std::string Kind(const bj::value& v) { return std::string(json::KindName(v)); }

std::string Child(std::string_view pointer, std::string_view key) {
  std::string out(pointer);
  out += '/';
  out += json::PointerEscape(key);
  return out;
}

std::string Child(std::string_view pointer, size_t index) {
  std::string out(pointer);
  out += '/';
  out += std::to_string(index);
  return out;
}

// Reads the fields of one entry (component, package, statement) leniently: a field of the
// wrong type becomes a warning and reads as absent.
class EntryReader {
 public:
  EntryReader(const bj::object& object, std::string_view pointer, std::vector<std::string>& warnings)
      : object_(object), pointer_(pointer), warnings_(warnings) {}

  std::string String(std::string_view key) {
    const bj::value* v = object_.if_contains(key);
    if (v == nullptr || v->is_null()) return {};
    if (!v->is_string()) {
      Warn(Child(pointer_, key), "must be a string, got " + Kind(*v) + "; ignored");
      return {};
    }
    return std::string(v->get_string());
  }

  const bj::object* Object(std::string_view key) {
    const bj::value* v = object_.if_contains(key);
    if (v == nullptr || v->is_null()) return nullptr;
    if (!v->is_object()) {
      Warn(Child(pointer_, key), "must be an object, got " + Kind(*v) + "; ignored");
      return nullptr;
    }
    return &v->get_object();
  }

  const bj::array* Array(std::string_view key) {
    const bj::value* v = object_.if_contains(key);
    if (v == nullptr || v->is_null()) return nullptr;
    if (!v->is_array()) {
      Warn(Child(pointer_, key), "must be an array, got " + Kind(*v) + "; ignored");
      return nullptr;
    }
    return &v->get_array();
  }

  void Warn(std::string_view pointer, std::string_view problem) {
    std::string w(pointer);
    w += ": ";
    w += problem;
    warnings_.push_back(std::move(w));
  }

 private:
  const bj::object& object_;
  std::string_view pointer_;
  std::vector<std::string>& warnings_;
};

// Top-level members are strict: a wrong type is an error.
Result<const bj::array*> TopArray(const bj::object& root, std::string_view key, std::string_view pointer) {
  const bj::value* v = root.if_contains(key);
  if (v == nullptr || v->is_null()) return nullptr;
  if (!v->is_array()) {
    return Err(InvalidArgument("wrong-type", "'" + std::string(key) + "' must be an array, got " + Kind(*v),
                               Child(pointer, key)));
  }
  return &v->get_array();
}

Result<const bj::object*> TopObject(const bj::object& root, std::string_view key, std::string_view pointer) {
  const bj::value* v = root.if_contains(key);
  if (v == nullptr || v->is_null()) return nullptr;
  if (!v->is_object()) {
    return Err(InvalidArgument("wrong-type", "'" + std::string(key) + "' must be an object, got " + Kind(*v),
                               Child(pointer, key)));
  }
  return &v->get_object();
}

Result<std::string> TopString(const bj::object& root, std::string_view key, bool required) {
  const bj::value* v = root.if_contains(key);
  if (v == nullptr || v->is_null()) {
    if (required)
      return Err(InvalidArgument("missing-field", "'" + std::string(key) + "' is required", Child("", key)));
    return std::string();
  }
  if (!v->is_string()) {
    return Err(InvalidArgument("wrong-type", "'" + std::string(key) + "' must be a string, got " + Kind(*v),
                               Child("", key)));
  }
  return std::string(v->get_string());
}

// Sets the purl of `c` from `text` found at `pointer`; false (with a warning) if invalid.
bool SetPurl(Component& c, std::string_view text, std::string_view pointer, EntryReader& r) {
  Result<Purl> purl = ParsePurl(text);
  if (!purl) {
    r.Warn(pointer, purl.error().detail() + "; purl ignored");
    return false;
  }
  c.purl = FormatPurl(*purl);
  if (c.name.empty()) c.name = purl->name;
  if (c.version.empty()) c.version = purl->version;
  if (c.group.empty()) c.group = purl->namespace_;
  return true;
}

bool AddCpe(Component& c, std::string_view text, std::string_view pointer, EntryReader& r) {
  Result<Cpe> cpe = ParseCpe(text);
  if (!cpe) {
    r.Warn(pointer, cpe.error().detail() + "; CPE ignored");
    return false;
  }
  c.cpes.push_back(FormatCpe(*cpe));
  return true;
}

// ---------------------------------------------------------------- CycloneDX

class CycloneDxReader {
 public:
  explicit CycloneDxReader(Inventory& inv) : inv_(inv) {}

  void Component(const bj::value& value, const std::string& pointer) {
    if (!value.is_object()) {
      inv_.warnings.push_back(pointer + ": a component must be an object, got " + Kind(value) + "; skipped");
      return;
    }
    EntryReader r(value.get_object(), pointer, inv_.warnings);
    advisories::Component c;
    c.origin = pointer;
    c.bom_ref = r.String("bom-ref");
    c.name = r.String("name");
    c.version = r.String("version");
    c.group = r.String("group");
    c.type = r.String("type");
    const std::string purl = r.String("purl");
    const std::string cpe = r.String("cpe");
    bool identified = false;
    if (!purl.empty()) identified = SetPurl(c, purl, Child(pointer, "purl"), r);
    if (!cpe.empty()) identified = AddCpe(c, cpe, Child(pointer, "cpe"), r) || identified;
    if (c.name.empty()) r.Warn(pointer, "the component has no name");
    if (!identified && purl.empty() && cpe.empty()) {
      r.Warn(pointer, "the component has neither a purl nor a CPE; it can only be matched by name");
    }
    const bj::array* nested = r.Array("components");
    inv_.components.push_back(std::move(c));
    if (nested != nullptr) {
      const std::string base = Child(pointer, "components");
      for (size_t i = 0; i < nested->size(); ++i) Component((*nested)[i], Child(base, i));
    }
  }

  void Vulnerability(const bj::value& value, const std::string& pointer) {
    if (!value.is_object()) {
      inv_.warnings.push_back(pointer + ": a vulnerability must be an object, got " + Kind(value) +
                              "; skipped");
      return;
    }
    EntryReader r(value.get_object(), pointer, inv_.warnings);
    VexStatement base;
    base.vulnerability_id = r.String("id");
    if (base.vulnerability_id.empty()) {
      r.Warn(pointer, "the vulnerability has no id; skipped");
      return;
    }
    if (const bj::array* refs = r.Array("references")) {
      for (size_t i = 0; i < refs->size(); ++i) {
        const std::string ref_pointer = Child(Child(pointer, "references"), i);
        if (!(*refs)[i].is_object()) {
          r.Warn(ref_pointer, "a reference must be an object; ignored");
          continue;
        }
        EntryReader rr((*refs)[i].get_object(), ref_pointer, inv_.warnings);
        if (std::string id = rr.String("id"); !id.empty()) base.aliases.push_back(std::move(id));
      }
    }
    if (const bj::object* analysis = r.Object("analysis")) {
      const std::string analysis_pointer = Child(pointer, "analysis");
      EntryReader ar(*analysis, analysis_pointer, inv_.warnings);
      base.state = ar.String("state");
      base.justification = ar.String("justification");
      base.detail = ar.String("detail");
      if (!base.state.empty() && !OneOf(base.state, kVexStates)) {
        ar.Warn(Child(analysis_pointer, "state"), "'" + base.state + "' is not a CycloneDX analysis state");
      }
      if (!base.justification.empty() && !OneOf(base.justification, kVexJustifications)) {
        ar.Warn(Child(analysis_pointer, "justification"),
                "'" + base.justification + "' is not a CycloneDX justification");
      }
    }
    const bj::array* affects = r.Array("affects");
    if (affects == nullptr || affects->empty()) {
      // A statement with no target speaks for everything its author ships (CycloneDX VEX
      // use case "applies to all products"); component_ref stays empty.
      base.origin = pointer;
      inv_.vex.push_back(std::move(base));
      return;
    }
    const std::string affects_pointer = Child(pointer, "affects");
    for (size_t i = 0; i < affects->size(); ++i) {
      const std::string target_pointer = Child(affects_pointer, i);
      if (!(*affects)[i].is_object()) {
        r.Warn(target_pointer, "an affects entry must be an object; skipped");
        continue;
      }
      EntryReader tr((*affects)[i].get_object(), target_pointer, inv_.warnings);
      VexStatement s = base;
      s.origin = target_pointer;
      s.component_ref = tr.String("ref");
      if (s.component_ref.empty()) {
        tr.Warn(target_pointer, "the affects entry has no ref; skipped");
        continue;
      }
      if (const bj::array* versions = tr.Array("versions")) {
        for (size_t k = 0; k < versions->size(); ++k) {
          const std::string version_pointer = Child(Child(target_pointer, "versions"), k);
          if (!(*versions)[k].is_object()) {
            tr.Warn(version_pointer, "a version entry must be an object; ignored");
            continue;
          }
          EntryReader vr((*versions)[k].get_object(), version_pointer, inv_.warnings);
          VexVersion v{vr.String("version"), vr.String("range"), vr.String("status")};
          if (v.version.empty() && v.range.empty()) {
            vr.Warn(version_pointer, "has neither a version nor a range; ignored");
            continue;
          }
          s.versions.push_back(std::move(v));
        }
      }
      inv_.vex.push_back(std::move(s));
    }
  }

 private:
  Inventory& inv_;
};

Result<Inventory> CycloneDxFromObject(const bj::object& root) {
  Inventory inv;
  AIIP_ASSIGN_OR_RETURN(std::string format, TopString(root, "bomFormat", true));
  if (format != "CycloneDX") {
    return Err(InvalidArgument("invalid-value",
                               "'bomFormat' must be \"CycloneDX\", got \"" + format.substr(0, 64) + "\"",
                               "/bomFormat"));
  }
  AIIP_ASSIGN_OR_RETURN(std::string spec, TopString(root, "specVersion", true));
  const bool known = spec.size() == 3 && spec[0] == '1' && spec[1] == '.' && spec[2] >= '0' && spec[2] <= '6';
  if (!known) {
    return Err(InvalidArgument(
        "unsupported-version",
        "'specVersion' must be a CycloneDX version 1.0 to 1.6, got \"" + spec.substr(0, 64) + "\"",
        "/specVersion"));
  }
  inv.format = "cyclonedx-" + spec;

  CycloneDxReader reader(inv);
  AIIP_ASSIGN_OR_RETURN(const bj::object* metadata, TopObject(root, "metadata", ""));
  if (metadata != nullptr) {
    AIIP_ASSIGN_OR_RETURN(const bj::object* main, TopObject(*metadata, "component", "/metadata"));
    if (main != nullptr) {
      // Read quietly: the component reader below reports its problems.
      std::vector<std::string> ignored;
      EntryReader quiet(*main, "/metadata/component", ignored);
      inv.name = quiet.String("name");
      inv.version = quiet.String("version");
      reader.Component(metadata->at("component"), "/metadata/component");
    }
  }
  AIIP_ASSIGN_OR_RETURN(const bj::array* components, TopArray(root, "components", ""));
  if (components != nullptr) {
    inv.components.reserve(inv.components.size() + components->size());
    for (size_t i = 0; i < components->size(); ++i)
      reader.Component((*components)[i], Child("/components", i));
  }
  AIIP_ASSIGN_OR_RETURN(const bj::array* vulnerabilities, TopArray(root, "vulnerabilities", ""));
  if (vulnerabilities != nullptr) {
    for (size_t i = 0; i < vulnerabilities->size(); ++i) {
      reader.Vulnerability((*vulnerabilities)[i], Child("/vulnerabilities", i));
    }
  }
  return inv;
}

// ---------------------------------------------------------------- SPDX

Result<Inventory> SpdxFromObject(const bj::object& root) {
  Inventory inv;
  AIIP_ASSIGN_OR_RETURN(std::string spec, TopString(root, "spdxVersion", true));
  const bool known = spec.size() == 8 && spec.starts_with("SPDX-2.") && spec[7] >= '0' && spec[7] <= '3';
  if (!known) {
    return Err(InvalidArgument(
        "unsupported-version",
        "'spdxVersion' must be SPDX-2.0 to SPDX-2.3, got \"" + spec.substr(0, 64) + "\"", "/spdxVersion"));
  }
  inv.format = "spdx-" + spec.substr(5);
  AIIP_ASSIGN_OR_RETURN(inv.name, TopString(root, "name", false));

  // The package the document describes, to name the inventory.
  std::string described;
  AIIP_ASSIGN_OR_RETURN(const bj::array* describes, TopArray(root, "documentDescribes", ""));
  if (describes != nullptr && !describes->empty() && (*describes)[0].is_string()) {
    described = std::string((*describes)[0].get_string());
  }
  AIIP_ASSIGN_OR_RETURN(const bj::array* relationships, TopArray(root, "relationships", ""));
  if (described.empty() && relationships != nullptr) {
    for (const bj::value& rel : *relationships) {
      const bj::object* o = rel.if_object();
      if (o == nullptr) continue;
      const bj::value* type = o->if_contains("relationshipType");
      const bj::value* from = o->if_contains("spdxElementId");
      const bj::value* to = o->if_contains("relatedSpdxElement");
      if (type != nullptr && type->is_string() && type->get_string() == "DESCRIBES" && from != nullptr &&
          from->is_string() && from->get_string() == "SPDXRef-DOCUMENT" && to != nullptr && to->is_string()) {
        described = std::string(to->get_string());
        break;
      }
    }
  }

  AIIP_ASSIGN_OR_RETURN(const bj::array* packages, TopArray(root, "packages", ""));
  if (packages == nullptr) return inv;
  inv.components.reserve(packages->size());
  for (size_t i = 0; i < packages->size(); ++i) {
    const std::string pointer = Child("/packages", i);
    if (!(*packages)[i].is_object()) {
      inv.warnings.push_back(pointer + ": a package must be an object, got " + Kind((*packages)[i]) +
                             "; skipped");
      continue;
    }
    EntryReader r((*packages)[i].get_object(), pointer, inv.warnings);
    Component c;
    c.origin = pointer;
    c.bom_ref = r.String("SPDXID");
    c.name = r.String("name");
    c.version = r.String("versionInfo");
    c.type = r.String("primaryPackagePurpose");
    for (char& ch : c.type) ch = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
    bool identified = false;
    bool any_ref = false;
    if (const bj::array* refs = r.Array("externalRefs")) {
      const std::string refs_pointer = Child(pointer, "externalRefs");
      for (size_t k = 0; k < refs->size(); ++k) {
        const std::string ref_pointer = Child(refs_pointer, k);
        if (!(*refs)[k].is_object()) {
          r.Warn(ref_pointer, "an external reference must be an object; ignored");
          continue;
        }
        EntryReader rr((*refs)[k].get_object(), ref_pointer, inv.warnings);
        const std::string type = rr.String("referenceType");
        if (type != "purl" && type != "cpe23Type" && type != "cpe22Type") continue;
        const std::string locator = rr.String("referenceLocator");
        const std::string locator_pointer = Child(ref_pointer, "referenceLocator");
        if (locator.empty()) {
          rr.Warn(locator_pointer, "is missing; reference ignored");
          continue;
        }
        any_ref = true;
        if (type == "purl") {
          if (!c.purl.empty()) {
            rr.Warn(locator_pointer, "a second purl for the package; the first is kept");
            continue;
          }
          identified = SetPurl(c, locator, locator_pointer, rr) || identified;
        } else {
          identified = AddCpe(c, locator, locator_pointer, rr) || identified;
        }
      }
    }
    if (c.name.empty()) r.Warn(pointer, "the package has no name");
    if (!identified && !any_ref) {
      r.Warn(pointer, "the package has neither a purl nor a CPE; it can only be matched by name");
    }
    if (!described.empty() && c.bom_ref == described) {
      inv.name = c.name;
      inv.version = c.version;
    }
    inv.components.push_back(std::move(c));
  }
  return inv;
}

std::string_view TrimStart(std::string_view s) {
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  return s;
}

}  // namespace

Result<Inventory> ParseCycloneDx(std::string_view text) {
  AIIP_ASSIGN_OR_RETURN(bj::object root, json::ParseObject(text));
  return CycloneDxFromObject(root);
}

Result<Inventory> ParseSpdx(std::string_view text) {
  AIIP_ASSIGN_OR_RETURN(bj::object root, json::ParseObject(text));
  return SpdxFromObject(root);
}

Result<Inventory> ParsePlainList(std::string_view text) {
  Inventory inv;
  bool all_cpe = true;
  size_t line_no = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    // Comments: '#' at the start or after whitespace ('#' inside a purl opens its subpath).
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
        line = line.substr(0, i);
        break;
      }
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
      line.remove_suffix(1);
    if (line_no == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty()) continue;

    const std::string where = "line " + std::to_string(line_no);
    Component c;
    c.origin = where;
    auto prefixed = [&](std::string_view p) {
      if (line.size() < p.size()) return false;
      for (size_t i = 0; i < p.size(); ++i) {
        const char ch = line[i] >= 'A' && line[i] <= 'Z' ? static_cast<char>(line[i] - 'A' + 'a') : line[i];
        if (ch != p[i]) return false;
      }
      return true;
    };
    if (prefixed("pkg:")) {
      Result<Purl> purl = ParsePurl(line);
      if (!purl) return Err(InvalidArgument("purl-invalid", where + ": " + purl.error().detail()));
      c.purl = FormatPurl(*purl);
      c.bom_ref = c.purl;
      c.name = purl->name;
      c.version = purl->version;
      c.group = purl->namespace_;
      all_cpe = false;
    } else if (prefixed("cpe:")) {
      Result<Cpe> cpe = ParseCpe(line);
      if (!cpe) return Err(InvalidArgument("cpe-invalid", where + ": " + cpe.error().detail()));
      auto literal = [](const CpeValue& v) {
        return v.kind == CpeValue::Kind::kValue ? v.text : std::string();
      };
      c.name = literal(cpe->product());
      c.version = literal(cpe->version());
      c.group = literal(cpe->vendor());
      c.cpes.push_back(FormatCpe(*cpe));
      c.bom_ref = c.cpes.back();
    } else {
      std::string shown(line.substr(0, 80));
      return Err(InvalidArgument(
          "invalid-value", where + ": '" + shown + "' is neither a purl (pkg:...) nor a CPE (cpe:...)"));
    }
    inv.components.push_back(std::move(c));
  }
  if (inv.components.empty()) {
    return Err(
        InvalidArgument("empty-inventory", "the list holds no purl or CPE (only blank lines and comments)"));
  }
  inv.format = all_cpe ? "cpe-list" : "purl-list";
  return inv;
}

Result<Inventory> ParseInventory(std::string_view bytes) {
  const std::string_view trimmed = TrimStart(bytes);
  if (!trimmed.starts_with('{') && !trimmed.starts_with('[')) return ParsePlainList(bytes);
  AIIP_ASSIGN_OR_RETURN(bj::object root, json::ParseObject(trimmed));
  if (root.contains("bomFormat")) return CycloneDxFromObject(root);
  if (root.contains("spdxVersion")) return SpdxFromObject(root);
  return Err(
      InvalidArgument("unknown-format",
                      "a JSON inventory must be CycloneDX (with 'bomFormat') or SPDX (with 'spdxVersion')"));
}

}  // namespace aiip::advisories
