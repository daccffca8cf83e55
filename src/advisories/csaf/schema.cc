#include "advisories/csaf/schema.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>

#include "advisories/csaf/json_access.h"
#include "common/json.h"
#include "common/time.h"

namespace aiip::advisories::csaf_internal {
namespace {

namespace bj = boost::json;
using Enum = std::initializer_list<std::string_view>;

const Enum kNoteCategories = {"description",      "details", "faq",    "general",
                              "legal_disclaimer", "other",   "summary"};
const Enum kBranchCategories = {"architecture", "host_name",       "language",
                                "legacy",       "patch_level",     "product_family",
                                "product_name", "product_version", "product_version_range",
                                "service_pack", "specification",   "vendor",
                                "platform"};
const Enum kStatusLists = {"first_affected",     "first_fixed",   "fixed",       "known_affected",
                           "known_not_affected", "last_affected", "recommended", "under_investigation"};

bool IsVersionT(std::string_view s) {
  auto number = [](std::string_view n) {
    return !n.empty() && std::all_of(n.begin(), n.end(), [](unsigned char c) { return std::isdigit(c); }) &&
           (n.size() == 1 || n[0] != '0');
  };
  if (number(s)) return true;
  std::string_view core = s.substr(0, s.find_first_of("-+"));
  const size_t d1 = core.find('.');
  const size_t d2 = d1 == std::string_view::npos ? d1 : core.find('.', d1 + 1);
  if (d2 == std::string_view::npos || core.find('.', d2 + 1) != std::string_view::npos) return false;
  if (!number(core.substr(0, d1)) || !number(core.substr(d1 + 1, d2 - d1 - 1)) ||
      !number(core.substr(d2 + 1))) {
    return false;
  }
  std::string_view rest = s.substr(core.size());
  auto identifiers = [&](std::string_view part, bool pre) {
    size_t start = 0;
    while (true) {
      const size_t dot = part.find('.', start);
      std::string_view id =
          part.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      if (id.empty()) return false;
      if (!std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c) || c == '-'; }))
        return false;
      const bool numeric = std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isdigit(c); });
      if (pre && numeric && id.size() > 1 && id[0] == '0') return false;
      if (dot == std::string_view::npos) return true;
      start = dot + 1;
    }
  };
  if (rest.starts_with('-')) {
    const size_t plus = rest.find('+');
    if (!identifiers(rest.substr(1, plus == std::string_view::npos ? std::string_view::npos : plus - 1),
                     true)) {
      return false;
    }
    rest = plus == std::string_view::npos ? std::string_view() : rest.substr(plus);
  }
  if (rest.starts_with('+')) return identifiers(rest.substr(1), false);
  return rest.empty();
}

class Checker {
 public:
  Status Run(const bj::value& root) {
    if (!root.is_object()) return InvalidArgument("not-an-object", "a CSAF document is a JSON object");
    if (Object(root, "", "document", true) != nullptr) DocumentValue(root.get_object().at("document"));
    if (Object(root, "", "product_tree", false) != nullptr) {
      tree_ = &root.get_object().at("product_tree");
      ProductTree();
    }
    Items(root, "", "vulnerabilities", false,
          [&](const bj::value& v, const std::string& p) { Vulnerability(v, p); });
    return first_;
  }

 private:
  bool ok() const { return first_.ok(); }

  void Fail(std::string type, std::string detail, std::string pointer) {
    if (ok()) first_ = InvalidArgument(std::move(type), std::move(detail), std::move(pointer));
  }

  const bj::value* Get(const bj::value& parent, const std::string& pointer, std::string_view key,
                       bool required) {
    const bj::value* v = parent.is_object() ? parent.get_object().if_contains(key) : nullptr;
    if (v == nullptr && required) {
      Fail("missing-field", "'" + std::string(key) + "' is required", pointer + "/" + Escape(key));
    }
    return ok() ? v : nullptr;
  }

  bool IsObject(const bj::value& v, const std::string& pointer) {
    if (!v.is_object())
      Fail("wrong-type", "must be an object, got " + std::string(json::KindName(v)), pointer);
    return ok();
  }

  const bj::object* Object(const bj::value& parent, const std::string& pointer, std::string_view key,
                           bool required) {
    const bj::value* v = Get(parent, pointer, key, required);
    if (v == nullptr) return nullptr;
    if (!IsObject(*v, pointer + "/" + Escape(key))) return nullptr;
    return &v->get_object();
  }

  const bj::array* Array(const bj::value& parent, const std::string& pointer, std::string_view key,
                         bool required, size_t min_items) {
    const bj::value* v = Get(parent, pointer, key, required);
    if (v == nullptr) return nullptr;
    const std::string p = pointer + "/" + Escape(key);
    if (!v->is_array()) {
      Fail("wrong-type",
           "'" + std::string(key) + "' must be an array, got " + std::string(json::KindName(*v)), p);
      return nullptr;
    }
    if (v->get_array().size() < min_items) {
      Fail("invalid-value",
           "'" + std::string(key) + "' needs at least " + std::to_string(min_items) + " item(s)", p);
      return nullptr;
    }
    return &v->get_array();
  }

  const bj::string* String(const bj::value& parent, const std::string& pointer, std::string_view key,
                           bool required) {
    const bj::value* v = Get(parent, pointer, key, required);
    if (v == nullptr) return nullptr;
    const std::string p = pointer + "/" + Escape(key);
    if (!v->is_string()) {
      Fail("wrong-type",
           "'" + std::string(key) + "' must be a string, got " + std::string(json::KindName(*v)), p);
      return nullptr;
    }
    if (v->get_string().empty()) {
      Fail("invalid-value", "'" + std::string(key) + "' must not be empty", p);
      return nullptr;
    }
    return &v->get_string();
  }

  void EnumString(const bj::value& parent, const std::string& pointer, std::string_view key, bool required,
                  Enum values) {
    const bj::string* s = String(parent, pointer, key, required);
    if (s == nullptr) return;
    if (std::find(values.begin(), values.end(), std::string_view(*s)) == values.end()) {
      std::string list;
      for (std::string_view v : values) list += (list.empty() ? "" : ", ") + std::string(v);
      Fail("invalid-value", "'" + std::string(key) + "' must be one of " + list, pointer + "/" + Escape(key));
    }
  }

  void DateTime(const bj::value& parent, const std::string& pointer, std::string_view key, bool required) {
    const bj::string* s = String(parent, pointer, key, required);
    if (s != nullptr && !ParseRfc3339(*s)) {
      Fail("invalid-value", "'" + std::string(key) + "' is not an RFC 3339 date-time",
           pointer + "/" + Escape(key));
    }
  }

  void Version(const bj::value& parent, const std::string& pointer, std::string_view key) {
    const bj::string* s = String(parent, pointer, key, true);
    if (s != nullptr && !IsVersionT(*s)) {
      Fail("invalid-value", "'" + std::string(key) + "' must be an integer or a semantic version",
           pointer + "/" + Escape(key));
    }
  }

  // products_t and product_groups_t: non-empty arrays of unique non-empty strings.
  void IdList(const bj::value& parent, const std::string& pointer, std::string_view key,
              size_t min_items = 1) {
    const bj::array* ids = Array(parent, pointer, key, false, min_items);
    if (ids == nullptr) return;
    std::set<std::string_view> seen;
    const std::string p = pointer + "/" + Escape(key);
    for (size_t i = 0; i < ids->size() && ok(); ++i) {
      const bj::value& id = (*ids)[i];
      if (!id.is_string() || id.get_string().empty()) {
        Fail("wrong-type", "ids must be non-empty strings", p + "/" + std::to_string(i));
      } else if (!seen.insert(id.get_string()).second) {
        Fail("invalid-value", "'" + std::string(id.get_string()) + "' is listed twice",
             p + "/" + std::to_string(i));
      }
    }
  }

  template <typename F>
  void Items(const bj::value& parent, const std::string& pointer, std::string_view key, bool required,
             F&& each) {
    const bj::array* items = Array(parent, pointer, key, required, 1);
    if (items == nullptr) return;
    for (size_t i = 0; i < items->size() && ok(); ++i) {
      const std::string p = pointer + "/" + Escape(key) + "/" + std::to_string(i);
      if (IsObject((*items)[i], p)) each((*items)[i], p);
    }
  }

  void Notes(const bj::value& parent, const std::string& pointer) {
    Items(parent, pointer, "notes", false, [&](const bj::value& note, const std::string& p) {
      EnumString(note, p, "category", true, kNoteCategories);
      String(note, p, "text", true);
    });
  }

  void References(const bj::value& parent, const std::string& pointer) {
    Items(parent, pointer, "references", false, [&](const bj::value& ref, const std::string& p) {
      String(ref, p, "summary", true);
      String(ref, p, "url", true);
      EnumString(ref, p, "category", false, {"external", "self"});
    });
  }

  void DocumentValue(const bj::value& d) {
    const std::string p = "/document";
    if (const bj::string* category = String(d, p, "category", true)) {
      const std::string_view c = *category;
      auto bad = [](char ch) {
        return std::isspace(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
      };
      if (bad(c.front()) || bad(c.back())) {
        Fail("invalid-value", "'category' must not start or end with whitespace, '-', '_' or '.'",
             p + "/category");
      }
    }
    EnumString(d, p, "csaf_version", true, {"2.0"});
    if (Object(d, p, "publisher", true) != nullptr) {
      const bj::value& publisher = d.get_object().at("publisher");
      EnumString(publisher, p + "/publisher", "category", true,
                 {"coordinator", "discoverer", "other", "translator", "user", "vendor"});
      String(publisher, p + "/publisher", "name", true);
      String(publisher, p + "/publisher", "namespace", true);
    }
    String(d, p, "title", true);
    String(d, p, "lang", false);
    String(d, p, "source_lang", false);
    Notes(d, p);
    References(d, p);
    if (Object(d, p, "tracking", true) != nullptr) {
      const bj::value& t = d.get_object().at("tracking");
      const std::string tp = p + "/tracking";
      DateTime(t, tp, "current_release_date", true);
      DateTime(t, tp, "initial_release_date", true);
      if (const bj::string* id = String(t, tp, "id", true)) {
        if (std::isspace(static_cast<unsigned char>(id->front())) ||
            std::isspace(static_cast<unsigned char>(id->back()))) {
          Fail("invalid-value", "'id' must not start or end with whitespace", tp + "/id");
        }
      }
      Items(t, tp, "revision_history", true, [&](const bj::value& item, const std::string& ip) {
        DateTime(item, ip, "date", true);
        Version(item, ip, "number");
        String(item, ip, "summary", true);
      });
      EnumString(t, tp, "status", true, {"draft", "final", "interim"});
      Version(t, tp, "version");
    }
    if (Object(d, p, "distribution", false) != nullptr) {
      const bj::value& dist = d.get_object().at("distribution");
      if (Object(dist, p + "/distribution", "tlp", false) != nullptr) {
        EnumString(dist.get_object().at("tlp"), p + "/distribution/tlp", "label", true,
                   {"AMBER", "GREEN", "RED", "WHITE"});
      }
    }
  }

  void FullProductName(const bj::value& fpn, const std::string& p) {
    String(fpn, p, "name", true);
    String(fpn, p, "product_id", true);
    if (Object(fpn, p, "product_identification_helper", false) != nullptr) {
      const bj::value& helper = fpn.get_object().at("product_identification_helper");
      const std::string hp = p + "/product_identification_helper";
      String(helper, hp, "cpe", false);
      String(helper, hp, "purl", false);
    }
  }

  void Branches(const bj::value& parent, const std::string& pointer, int depth) {
    if (depth > 30) {
      Fail("invalid-value", "branches are nested more than 30 levels deep", pointer);
      return;
    }
    Items(parent, pointer, "branches", false, [&](const bj::value& b, const std::string& p) {
      EnumString(b, p, "category", true, kBranchCategories);
      String(b, p, "name", true);
      const bool has_product = b.get_object().contains("product");
      const bool has_branches = b.get_object().contains("branches");
      if (has_product == has_branches) {
        Fail("invalid-value", "a branch has either 'product' or 'branches'", p);
        return;
      }
      if (has_product) {
        if (Object(b, p, "product", true) != nullptr)
          FullProductName(b.get_object().at("product"), p + "/product");
      } else {
        Branches(b, p, depth + 1);
      }
    });
  }

  void ProductTree() {
    const bj::value& t = *tree_;
    const std::string p = "/product_tree";
    Branches(t, p, 0);
    Items(t, p, "full_product_names", false,
          [&](const bj::value& fpn, const std::string& ip) { FullProductName(fpn, ip); });
    Items(t, p, "product_groups", false, [&](const bj::value& g, const std::string& ip) {
      String(g, ip, "group_id", true);
      if (Get(g, ip, "product_ids", true) != nullptr) IdList(g, ip, "product_ids", 2);
    });
    Items(t, p, "relationships", false, [&](const bj::value& r, const std::string& ip) {
      EnumString(r, ip, "category", true,
                 {"default_component_of", "external_component_of", "installed_on", "installed_with",
                  "optional_component_of"});
      if (Object(r, ip, "full_product_name", true) != nullptr) {
        FullProductName(r.get_object().at("full_product_name"), ip + "/full_product_name");
      }
      String(r, ip, "product_reference", true);
      String(r, ip, "relates_to_product_reference", true);
    });
  }

  void Vulnerability(const bj::value& v, const std::string& p) {
    if (const bj::string* cve = String(v, p, "cve", false)) {
      const std::string_view c = *cve;
      const bool digits =
          c.size() >= 13 && c.starts_with("CVE-") && c[8] == '-' &&
          std::all_of(c.begin() + 4, c.begin() + 8, [](unsigned char ch) { return std::isdigit(ch); }) &&
          std::all_of(c.begin() + 9, c.end(), [](unsigned char ch) { return std::isdigit(ch); });
      if (!digits) Fail("invalid-value", "'cve' must look like CVE-YYYY-NNNN", p + "/cve");
    }
    if (Object(v, p, "cwe", false) != nullptr) {
      const bj::value& cwe = v.get_object().at("cwe");
      if (const bj::string* id = String(cwe, p + "/cwe", "id", true)) {
        const std::string_view c = *id;
        const bool valid =
            c.size() > 4 && c.size() <= 10 && c.starts_with("CWE-") && c[4] != '0' &&
            std::all_of(c.begin() + 4, c.end(), [](unsigned char ch) { return std::isdigit(ch); });
        if (!valid) Fail("invalid-value", "'id' must look like CWE-NNN", p + "/cwe/id");
      }
      String(cwe, p + "/cwe", "name", true);
    }
    DateTime(v, p, "discovery_date", false);
    DateTime(v, p, "release_date", false);
    String(v, p, "title", false);
    Items(v, p, "flags", false, [&](const bj::value& f, const std::string& ip) {
      EnumString(f, ip, "label", true,
                 {"component_not_present", "inline_mitigations_already_exist",
                  "vulnerable_code_cannot_be_controlled_by_adversary", "vulnerable_code_not_in_execute_path",
                  "vulnerable_code_not_present"});
      IdList(f, ip, "product_ids");
      IdList(f, ip, "group_ids");
    });
    Items(v, p, "ids", false, [&](const bj::value& id, const std::string& ip) {
      String(id, ip, "system_name", true);
      String(id, ip, "text", true);
    });
    Items(v, p, "involvements", false, [&](const bj::value& inv, const std::string& ip) {
      EnumString(inv, ip, "party", true, {"coordinator", "discoverer", "other", "user", "vendor"});
      EnumString(inv, ip, "status", true,
                 {"completed", "contact_attempted", "disputed", "in_progress", "not_contacted", "open"});
    });
    Notes(v, p);
    if (Object(v, p, "product_status", false) != nullptr) {
      const bj::value& status = v.get_object().at("product_status");
      for (std::string_view list : kStatusLists) IdList(status, p + "/product_status", list);
    }
    References(v, p);
    Items(v, p, "remediations", false, [&](const bj::value& r, const std::string& ip) {
      EnumString(r, ip, "category", true,
                 {"mitigation", "no_fix_planned", "none_available", "vendor_fix", "workaround"});
      String(r, ip, "details", true);
      String(r, ip, "url", false);
      DateTime(r, ip, "date", false);
      IdList(r, ip, "product_ids");
      IdList(r, ip, "group_ids");
    });
    Items(v, p, "scores", false, [&](const bj::value& s, const std::string& ip) {
      if (Get(s, ip, "products", true) != nullptr) IdList(s, ip, "products");
      if (!s.get_object().contains("cvss_v2") && !s.get_object().contains("cvss_v3")) {
        Fail("missing-field", "a score has cvss_v3 or cvss_v2", ip);
      }
    });
    Items(v, p, "threats", false, [&](const bj::value& t, const std::string& ip) {
      EnumString(t, ip, "category", true, {"exploit_status", "impact", "target_set"});
      String(t, ip, "details", true);
      DateTime(t, ip, "date", false);
      IdList(t, ip, "product_ids");
      IdList(t, ip, "group_ids");
    });
  }

  const bj::value* tree_ = nullptr;
  Status first_;
};

}  // namespace

Status CheckSchema(const bj::value& document) { return Checker().Run(document); }

}  // namespace aiip::advisories::csaf_internal
