// The CSAF 2.0 mandatory tests (OASIS CSAF 2.0, section 6.1). Each test walks the document
// with the tolerant accessors of json_access.h, so a document that breaks the schema is
// never a crash: the parts without the schema's shape are skipped.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "advisories/csaf/csaf.h"
#include "advisories/csaf/cvss.h"
#include "advisories/csaf/json_access.h"
#include "advisories/csaf/purl.h"
#include "common/time.h"

namespace aiip::advisories {
namespace {

namespace bj = boost::json;
using namespace csaf_internal;  // NOLINT(google-build-using-namespace)

#include "advisories/csaf/language_subtags.inc"

struct TestInfo {
  std::string_view id;
  std::string_view name;
};

constexpr TestInfo kTests[] = {
    {"6.1.1", "Missing Definition of Product ID"},
    {"6.1.2", "Multiple Definition of Product ID"},
    {"6.1.3", "Circular Definition of Product ID"},
    {"6.1.4", "Missing Definition of Product Group ID"},
    {"6.1.5", "Multiple Definition of Product Group ID"},
    {"6.1.6", "Contradicting Product Status"},
    {"6.1.7", "Multiple Scores with same Version per Product"},
    {"6.1.8", "Invalid CVSS"},
    {"6.1.9", "Invalid CVSS computation"},
    {"6.1.10", "Inconsistent CVSS"},
    {"6.1.12", "Language"},
    {"6.1.13", "PURL"},
    {"6.1.14", "Sorted Revision History"},
    {"6.1.15", "Translator"},
    {"6.1.16", "Latest Document Version"},
    {"6.1.17", "Document Status Draft"},
    {"6.1.18", "Released Revision History"},
    {"6.1.19", "Revision History Entries for Pre-release Versions"},
    {"6.1.20", "Non-draft Document Version"},
    {"6.1.21", "Missing Item in Revision History"},
    {"6.1.22", "Multiple Definition in Revision History"},
    {"6.1.23", "Multiple Use of Same CVE"},
    {"6.1.24", "Multiple Definition in Involvements"},
    {"6.1.25", "Multiple Use of Same Hash Algorithm"},
    {"6.1.26", "Prohibited Document Category Name"},
    {"6.1.27.1", "Document Notes"},
    {"6.1.27.2", "Document References"},
    {"6.1.27.3", "Vulnerabilities"},
    {"6.1.27.4", "Product Tree"},
    {"6.1.27.5", "Vulnerability Notes"},
    {"6.1.27.6", "Product Status"},
    {"6.1.27.7", "VEX Product Status"},
    {"6.1.27.8", "Vulnerability ID"},
    {"6.1.27.9", "Impact Statement"},
    {"6.1.27.10", "Action Statement"},
    {"6.1.27.11", "Vulnerabilities"},
    {"6.1.28", "Translation"},
    {"6.1.29", "Remediation without Product Reference"},
    {"6.1.30", "Mixed Integer and Semantic Versioning"},
    {"6.1.31", "Version Range in Product Version"},
    {"6.1.32", "Flag without Product Reference"},
    {"6.1.33", "Multiple Flags with VEX Justification Codes per Product"},
};

constexpr std::array<std::string_view, std::size(kTests)> MakeIds() {
  std::array<std::string_view, std::size(kTests)> ids{};
  for (size_t i = 0; i < std::size(kTests); ++i) ids[i] = kTests[i].id;
  return ids;
}
constexpr auto kTestIds = MakeIds();

constexpr std::string_view kStatusLists[] = {"first_affected", "first_fixed",        "fixed",
                                             "known_affected", "known_not_affected", "last_affected",
                                             "recommended",    "under_investigation"};

constexpr std::string_view kVexJustifications[] = {
    "component_not_present", "inline_mitigations_already_exist",
    "vulnerable_code_cannot_be_controlled_by_adversary", "vulnerable_code_not_in_execute_path",
    "vulnerable_code_not_present"};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// A value of /$defs/version_t: integer versioning ("3") or semantic versioning ("1.2.0-rc.1").
struct DocVersion {
  bool integer = false;
  uint64_t major = 0, minor = 0, patch = 0;
  std::vector<std::string> pre;
  std::string build;
};

bool ParseUint(std::string_view s, uint64_t* out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

std::optional<DocVersion> ParseDocVersion(std::string_view s) {
  DocVersion v;
  if (ParseUint(s, &v.major)) {
    v.integer = true;
    return v;
  }
  if (size_t plus = s.find('+'); plus != std::string_view::npos) {
    v.build = std::string(s.substr(plus + 1));
    if (v.build.empty()) return std::nullopt;
    s = s.substr(0, plus);
  }
  if (size_t dash = s.find('-'); dash != std::string_view::npos) {
    std::string_view pre = s.substr(dash + 1);
    if (pre.empty()) return std::nullopt;
    size_t start = 0;
    while (true) {
      size_t dot = pre.find('.', start);
      std::string_view id =
          pre.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      if (id.empty()) return std::nullopt;
      v.pre.emplace_back(id);
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    s = s.substr(0, dash);
  }
  const size_t d1 = s.find('.');
  const size_t d2 = d1 == std::string_view::npos ? d1 : s.find('.', d1 + 1);
  if (d2 == std::string_view::npos || s.find('.', d2 + 1) != std::string_view::npos) return std::nullopt;
  if (!ParseUint(s.substr(0, d1), &v.major) || !ParseUint(s.substr(d1 + 1, d2 - d1 - 1), &v.minor) ||
      !ParseUint(s.substr(d2 + 1), &v.patch)) {
    return std::nullopt;
  }
  return v;
}

bool IsNumeric(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// Semantic-versioning precedence (build metadata ignored); integer versions by value.
int Compare(const DocVersion& a, const DocVersion& b) {
  auto cmp = [](uint64_t x, uint64_t y) { return x < y ? -1 : x > y ? 1 : 0; };
  if (int c = cmp(a.major, b.major)) return c;
  if (int c = cmp(a.minor, b.minor)) return c;
  if (int c = cmp(a.patch, b.patch)) return c;
  if (a.pre.empty() || b.pre.empty()) return a.pre.empty() == b.pre.empty() ? 0 : a.pre.empty() ? 1 : -1;
  for (size_t i = 0; i < std::min(a.pre.size(), b.pre.size()); ++i) {
    const bool na = IsNumeric(a.pre[i]);
    const bool nb = IsNumeric(b.pre[i]);
    if (na && nb) {
      if (a.pre[i].size() != b.pre[i].size()) return a.pre[i].size() < b.pre[i].size() ? -1 : 1;
    } else if (na != nb) {
      return na ? -1 : 1;
    }
    if (int c = a.pre[i].compare(b.pre[i])) return c < 0 ? -1 : 1;
  }
  return cmp(a.pre.size(), b.pre.size());
}

// A date-time as a sortable key. ParseRfc3339 keeps milliseconds; the digits of the
// fraction beyond them are kept too, since revision dates may differ by microseconds.
using DateKey = std::pair<SystemTime, std::string>;

std::optional<DateKey> ParseDate(std::string_view text) {
  auto parsed = ParseRfc3339(text);
  if (!parsed) return std::nullopt;
  std::string sub_millisecond;
  if (size_t dot = text.find('.'); dot != std::string_view::npos) {
    size_t end = dot + 1;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end > dot + 4) sub_millisecond = std::string(text.substr(dot + 4, end - dot - 4));
  }
  sub_millisecond.resize(9, '0');
  return DateKey{*parsed, sub_millisecond};
}

// A revision history item as the revision tests need it.
struct Revision {
  size_t index;
  std::string number;
  std::optional<DocVersion> version;
  DateKey date;
};

class Validator {
 public:
  explicit Validator(const bj::value& doc) : doc_(doc) {
    document_ = Member(&doc, "document");
    tree_ = Member(&doc, "product_tree");
    vulnerabilities_ = ArrayAt(&doc, "vulnerabilities");
    category_ = StringOr(document_, "category");
    CollectProducts();
  }

  std::vector<ValidationFailure> Run() {
    ProductDefinitions();
    CircularDefinitions();
    Groups();
    ProductStatus();
    Scores();
    Languages();
    Purls();
    RevisionHistory();
    Cves();
    Involvements();
    Hashes();
    CategoryName();
    Profiles();
    RemediationsAndFlags();
    VersionRanges();
    std::stable_sort(failures_.begin(), failures_.end(),
                     [](const ValidationFailure& a, const ValidationFailure& b) {
                       return std::find(kTestIds.begin(), kTestIds.end(), a.test) <
                              std::find(kTestIds.begin(), kTestIds.end(), b.test);
                     });
    return std::move(failures_);
  }

 private:
  void Fail(std::string_view test, std::string pointer, std::string message) {
    failures_.push_back({std::string(test), std::move(pointer), std::move(message)});
  }

  // Calls `f(full_product_name, pointer)` for every Full Product Name of the tree.
  void ForEachFullProductName(const std::function<void(const bj::value&, const std::string&)>& f) const {
    std::function<void(const bj::array&, const std::string&, int)> walk =
        [&](const bj::array& branches, const std::string& pointer, int depth) {
          if (depth > 64) return;
          for (size_t i = 0; i < branches.size(); ++i) {
            const std::string p = pointer + "/" + std::to_string(i);
            if (const bj::value* product = Member(&branches[i], "product");
                product != nullptr && product->is_object()) {
              f(*product, p + "/product");
            }
            if (const bj::array* sub = ArrayAt(&branches[i], "branches"))
              walk(*sub, p + "/branches", depth + 1);
          }
        };
    if (const bj::array* branches = ArrayAt(tree_, "branches")) walk(*branches, "/product_tree/branches", 0);
    if (const bj::array* names = ArrayAt(tree_, "full_product_names")) {
      for (size_t i = 0; i < names->size(); ++i) {
        if ((*names)[i].is_object()) f((*names)[i], "/product_tree/full_product_names/" + std::to_string(i));
      }
    }
    if (const bj::array* relationships = ArrayAt(tree_, "relationships")) {
      for (size_t i = 0; i < relationships->size(); ++i) {
        const bj::value* fpn = Member(&(*relationships)[i], "full_product_name");
        if (fpn != nullptr && fpn->is_object()) {
          f(*fpn, "/product_tree/relationships/" + std::to_string(i) + "/full_product_name");
        }
      }
    }
  }

  void CollectProducts() {
    ForEachFullProductName([&](const bj::value& fpn, const std::string& pointer) {
      if (const bj::string* id = StringAt(&fpn, "product_id")) {
        definitions_[std::string(*id)].push_back(pointer + "/product_id");
      }
    });
    if (const bj::array* groups = ArrayAt(tree_, "product_groups")) {
      for (size_t i = 0; i < groups->size(); ++i) {
        const bj::string* id = StringAt(&(*groups)[i], "group_id");
        if (id == nullptr) continue;
        group_definitions_[std::string(*id)].push_back("/product_tree/product_groups/" + std::to_string(i) +
                                                       "/group_id");
        std::set<std::string>& members = groups_[std::string(*id)];
        if (const bj::array* ids = ArrayAt(&(*groups)[i], "product_ids")) {
          for (const bj::value& pid : *ids) {
            if (pid.is_string()) members.emplace(pid.get_string());
          }
        }
      }
    }
  }

  // Product ids named by `item` directly (`product_ids`) and through `group_ids`.
  std::set<std::string> ProductsOf(const bj::value& item) const {
    std::set<std::string> out;
    if (const bj::array* ids = ArrayAt(&item, "product_ids")) {
      for (const bj::value& id : *ids) {
        if (id.is_string()) out.emplace(id.get_string());
      }
    }
    if (const bj::array* ids = ArrayAt(&item, "group_ids")) {
      for (const bj::value& id : *ids) {
        if (!id.is_string()) continue;
        auto it = groups_.find(std::string_view(id.get_string()));
        if (it != groups_.end()) out.insert(it->second.begin(), it->second.end());
      }
    }
    return out;
  }

  void CheckReference(const bj::value& id, const std::string& pointer) {
    if (id.is_string() && !definitions_.contains(std::string_view(id.get_string()))) {
      Fail("6.1.1", pointer,
           "product id '" + std::string(id.get_string()) + "' is not defined in the product tree");
    }
  }

  void CheckReferences(const bj::array* ids, const std::string& pointer) {
    if (ids == nullptr) return;
    for (size_t i = 0; i < ids->size(); ++i) CheckReference((*ids)[i], pointer + "/" + std::to_string(i));
  }

  void CheckGroupReferences(const bj::array* ids, const std::string& pointer) {
    if (ids == nullptr) return;
    for (size_t i = 0; i < ids->size(); ++i) {
      const bj::value& id = (*ids)[i];
      if (id.is_string() && !group_definitions_.contains(std::string_view(id.get_string()))) {
        Fail("6.1.4", pointer + "/" + std::to_string(i),
             "product group id '" + std::string(id.get_string()) + "' is not defined in the product tree");
      }
    }
  }

  // 6.1.1, 6.1.2 and 6.1.4 over every place that names a product or a group.
  void ProductDefinitions() {
    for (const auto& [id, pointers] : definitions_) {
      for (size_t i = 1; i < pointers.size(); ++i) {
        Fail("6.1.2", pointers[i], "product id '" + id + "' is already defined at " + pointers[0]);
      }
    }
    if (const bj::array* groups = ArrayAt(tree_, "product_groups")) {
      for (size_t i = 0; i < groups->size(); ++i) {
        CheckReferences(ArrayAt(&(*groups)[i], "product_ids"),
                        "/product_tree/product_groups/" + std::to_string(i) + "/product_ids");
      }
    }
    if (const bj::array* relationships = ArrayAt(tree_, "relationships")) {
      for (size_t i = 0; i < relationships->size(); ++i) {
        const std::string p = "/product_tree/relationships/" + std::to_string(i);
        for (std::string_view key : {"product_reference", "relates_to_product_reference"}) {
          if (const bj::value* id = Member(&(*relationships)[i], key))
            CheckReference(*id, p + "/" + std::string(key));
        }
      }
    }
    ForEachVulnerability([&](const bj::value& v, const std::string& p) {
      const bj::value* status = Member(&v, "product_status");
      for (std::string_view list : kStatusLists) {
        CheckReferences(ArrayAt(status, list), p + "/product_status/" + std::string(list));
      }
      for (std::string_view member : {"remediations", "threats", "flags"}) {
        const bj::array* items = ArrayAt(&v, member);
        if (items == nullptr) continue;
        for (size_t i = 0; i < items->size(); ++i) {
          const std::string ip = p + "/" + std::string(member) + "/" + std::to_string(i);
          CheckReferences(ArrayAt(&(*items)[i], "product_ids"), ip + "/product_ids");
          CheckGroupReferences(ArrayAt(&(*items)[i], "group_ids"), ip + "/group_ids");
        }
      }
      if (const bj::array* scores = ArrayAt(&v, "scores")) {
        for (size_t i = 0; i < scores->size(); ++i) {
          CheckReferences(ArrayAt(&(*scores)[i], "products"),
                          p + "/scores/" + std::to_string(i) + "/products");
        }
      }
    });
  }

  void ForEachVulnerability(const std::function<void(const bj::value&, const std::string&)>& f) const {
    if (vulnerabilities_ == nullptr) return;
    for (size_t i = 0; i < vulnerabilities_->size(); ++i)
      f((*vulnerabilities_)[i], "/vulnerabilities/" + std::to_string(i));
  }

  // 6.1.3: a relationship's product may not, following product_reference and
  // relates_to_product_reference, lead back to itself.
  void CircularDefinitions() {
    const bj::array* relationships = ArrayAt(tree_, "relationships");
    if (relationships == nullptr) return;
    std::map<std::string, std::vector<std::string>> edges;
    for (const bj::value& r : *relationships) {
      const bj::string* id = StringAt(Member(&r, "full_product_name"), "product_id");
      if (id == nullptr) continue;
      for (std::string_view key : {"product_reference", "relates_to_product_reference"}) {
        if (const bj::string* target = StringAt(&r, key)) edges[std::string(*id)].emplace_back(*target);
      }
    }
    for (size_t i = 0; i < relationships->size(); ++i) {
      const bj::string* id = StringAt(Member(&(*relationships)[i], "full_product_name"), "product_id");
      if (id == nullptr) continue;
      // Depth-first search from the id's references; reaching the id again is a circle.
      std::set<std::string> seen;
      std::vector<std::string> stack = edges[std::string(*id)];
      bool circular = false;
      while (!stack.empty() && !circular) {
        std::string next = std::move(stack.back());
        stack.pop_back();
        if (next == *id) circular = true;
        if (!seen.insert(next).second) continue;
        auto it = edges.find(next);
        if (it != edges.end()) stack.insert(stack.end(), it->second.begin(), it->second.end());
      }
      if (circular) {
        Fail("6.1.3", "/product_tree/relationships/" + std::to_string(i) + "/full_product_name/product_id",
             "product id '" + std::string(*id) +
                 "' is defined through a chain of relationships that refers back to it");
      }
    }
  }

  // 6.1.5.
  void Groups() {
    for (const auto& [id, pointers] : group_definitions_) {
      for (size_t i = 1; i < pointers.size(); ++i) {
        Fail("6.1.5", pointers[i], "product group id '" + id + "' is already defined at " + pointers[0]);
      }
    }
  }

  // 6.1.6: the affected, not affected, fixed and under investigation sets are disjoint.
  void ProductStatus() {
    constexpr std::pair<std::string_view, std::string_view> kGroupOf[] = {
        {"first_affected", "affected"},
        {"known_affected", "affected"},
        {"last_affected", "affected"},
        {"known_not_affected", "not affected"},
        {"first_fixed", "fixed"},
        {"fixed", "fixed"},
        {"under_investigation", "under investigation"}};
    ForEachVulnerability([&](const bj::value& v, const std::string& p) {
      const bj::value* status = Member(&v, "product_status");
      std::map<std::string, std::string_view> group_of_product;
      for (const auto& [list, group] : kGroupOf) {
        const bj::array* ids = ArrayAt(status, list);
        if (ids == nullptr) continue;
        for (size_t i = 0; i < ids->size(); ++i) {
          if (!(*ids)[i].is_string()) continue;
          const std::string id((*ids)[i].get_string());
          auto [it, inserted] = group_of_product.emplace(id, group);
          if (!inserted && it->second != group) {
            Fail("6.1.6", p + "/product_status/" + std::string(list) + "/" + std::to_string(i),
                 "product id '" + id + "' is both " + std::string(it->second) + " and " + std::string(group));
          }
        }
      }
    });
  }

  // 6.1.7 per vulnerability; 6.1.8-6.1.10 per CVSS object.
  void Scores() {
    ForEachVulnerability([&](const bj::value& v, const std::string& p) {
      const bj::array* scores = ArrayAt(&v, "scores");
      if (scores == nullptr) return;
      std::set<std::pair<std::string, std::string>> seen;  // (product, CVSS version)
      for (size_t i = 0; i < scores->size(); ++i) {
        const bj::value& score = (*scores)[i];
        const std::string sp = p + "/scores/" + std::to_string(i);
        std::vector<std::string> versions;
        if (const bj::value* v3 = Member(&score, "cvss_v3")) {
          cvss::CheckCvss(*v3, true, sp + "/cvss_v3", failures_);
          versions.emplace_back(StringOr(v3, "version", "3"));
        }
        if (const bj::value* v2 = Member(&score, "cvss_v2")) {
          cvss::CheckCvss(*v2, false, sp + "/cvss_v2", failures_);
          versions.emplace_back(StringOr(v2, "version", "2"));
        }
        const bj::array* products = ArrayAt(&score, "products");
        if (products == nullptr) continue;
        for (size_t k = 0; k < products->size(); ++k) {
          if (!(*products)[k].is_string()) continue;
          for (const std::string& version : versions) {
            if (!seen.emplace(std::string((*products)[k].get_string()), version).second) {
              Fail("6.1.7", sp + "/products/" + std::to_string(k),
                   "product id '" + std::string((*products)[k].get_string()) + "' has a second CVSS " +
                       version + " score in this vulnerability");
            }
          }
        }
      }
    });
  }

  static bool In(std::span<const std::string_view> table, std::string_view value) {
    return std::binary_search(table.begin(), table.end(), value);
  }

  // Whether `tag` is a well-formed BCP 47 tag whose language, script and region subtags
  // exist (ISO 639, ISO 15924, ISO 3166-1 or UN M.49). Variants and extensions are checked
  // for form only.
  static bool ValidLanguage(std::string_view tag, std::string* why) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      size_t dash = tag.find('-', start);
      parts.push_back(
          Lower(tag.substr(start, dash == std::string_view::npos ? std::string_view::npos : dash - start)));
      if (dash == std::string_view::npos) break;
      start = dash + 1;
    }
    auto alpha = [](const std::string& s) {
      return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalpha(c); });
    };
    auto alnum = [](const std::string& s) {
      return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c); });
    };
    for (const std::string& p : parts) {
      if (p.empty() || p.size() > 8 || !alnum(p)) {
        *why = "'" + std::string(tag) + "' is not a BCP 47 language tag";
        return false;
      }
    }
    size_t i = 0;
    if (parts[0] == "x" || parts[0] == "i") {
      if (parts.size() < 2) {
        *why = "'" + std::string(tag) + "' is not a BCP 47 language tag";
        return false;
      }
      return true;  // private use or grandfathered: not registered languages to check
    }
    const std::string& language = parts[i++];
    const bool private_use = language.size() == 3 && language >= "qaa" && language <= "qtz";
    if (!alpha(language) || !((language.size() == 2 && In(kLanguages2, language)) ||
                              (language.size() == 3 && (In(kLanguages3, language) || private_use)))) {
      *why = "'" + language + "' is not an ISO 639 language code";
      return false;
    }
    // Up to three extended language subtags (ISO 639-3 codes).
    for (int n = 0; n < 3 && i < parts.size() && parts[i].size() == 3 && alpha(parts[i]); ++n, ++i) {
      if (!In(kLanguages3, parts[i])) {
        *why = "'" + parts[i] + "' is not an ISO 639-3 language code";
        return false;
      }
    }
    if (i < parts.size() && parts[i].size() == 4 && alpha(parts[i])) {
      if (!In(kScripts, parts[i]) && !(parts[i] >= "qaaa" && parts[i] <= "qabx")) {
        *why = "'" + parts[i] + "' is not an ISO 15924 script code";
        return false;
      }
      ++i;
    }
    if (i < parts.size() &&
        ((parts[i].size() == 2 && alpha(parts[i])) || (parts[i].size() == 3 && IsNumeric(parts[i])))) {
      // Besides ISO 3166-1, the IANA registry has the private-use codes (AA, QM-QZ, XA-XZ,
      // ZZ) and the exceptionally reserved EU, EZ and UN; three digits are UN M.49 areas.
      const std::string& r = parts[i];
      const bool ok = r.size() == 3 || In(kRegions, r) || r == "aa" || r == "zz" || r == "eu" || r == "ez" ||
                      r == "un" || (r[0] == 'q' && r[1] >= 'm') || r[0] == 'x';
      if (!ok) {
        *why = "'" + r + "' is not an ISO 3166-1 region code";
        return false;
      }
      ++i;
    }
    for (; i < parts.size(); ++i) {
      const std::string& p = parts[i];
      if (p.size() == 1) return i + 1 < parts.size();  // extension or private use: form only
      const bool variant = p.size() >= 5 || (p.size() == 4 && std::isdigit(static_cast<unsigned char>(p[0])));
      if (!variant) {
        *why = "'" + std::string(tag) + "' is not a BCP 47 language tag (subtag '" + p + "')";
        return false;
      }
    }
    return true;
  }

  // 6.1.12, 6.1.15, 6.1.28.
  void Languages() {
    for (std::string_view key : {"lang", "source_lang"}) {
      const bj::string* tag = StringAt(document_, key);
      std::string why;
      if (tag != nullptr && !ValidLanguage(*tag, &why)) Fail("6.1.12", "/document/" + std::string(key), why);
    }
    const bj::value* publisher = Member(document_, "publisher");
    if (StringOr(publisher, "category") == "translator" && StringAt(document_, "source_lang") == nullptr) {
      Fail("6.1.15", "/document/source_lang", "the publisher is a translator but source_lang is not given");
    }
    const bj::string* lang = StringAt(document_, "lang");
    const bj::string* source = StringAt(document_, "source_lang");
    if (lang != nullptr && source != nullptr && Lower(*lang) == Lower(*source)) {
      Fail("6.1.28", "/document/source_lang",
           "the document language and the source language are both '" + std::string(*lang) + "'");
    }
  }

  // 6.1.13.
  void Purls() {
    ForEachFullProductName([&](const bj::value& fpn, const std::string& pointer) {
      const bj::string* text = StringAt(Member(&fpn, "product_identification_helper"), "purl");
      std::string why;
      if (text != nullptr && !purl::Parse(*text, &why)) {
        Fail("6.1.13", pointer + "/product_identification_helper/purl", "invalid purl: " + why);
      }
    });
  }

  // 6.1.14 and 6.1.16-6.1.22, 6.1.30.
  void RevisionHistory() {
    const bj::value* tracking = Member(document_, "tracking");
    const bj::array* history = ArrayAt(tracking, "revision_history");
    const std::string_view status = StringOr(tracking, "status");
    const bj::string* version_text = StringAt(tracking, "version");
    const std::optional<DocVersion> version =
        version_text == nullptr ? std::nullopt : ParseDocVersion(*version_text);
    const bool released = status == "final" || status == "interim";
    if (version) {
      if (!version->integer && released && !version->pre.empty()) {
        Fail("6.1.20", "/document/tracking/version",
             "the document status is " + std::string(status) + " but the version has a pre-release part");
      }
      const bool draft_version = version->major == 0 || !version->pre.empty();
      if (draft_version && !status.empty() && status != "draft") {
        Fail("6.1.17", "/document/tracking/status",
             "the version is " + std::string(*version_text) + " but the status is " + std::string(status));
      }
    }
    if (history == nullptr) return;
    std::vector<Revision> revisions;
    bool dates_ok = true;
    bool all_integer = version ? version->integer : true;
    bool all_semver = version ? !version->integer : true;
    std::map<std::string, size_t> numbers;
    for (size_t i = 0; i < history->size(); ++i) {
      const bj::value& item = (*history)[i];
      const bj::string* number = StringAt(&item, "number");
      const bj::string* date = StringAt(&item, "date");
      if (number == nullptr) continue;
      const std::string p = "/document/tracking/revision_history/" + std::to_string(i) + "/number";
      Revision r{i, std::string(*number), ParseDocVersion(*number), {}};
      if (r.version) {
        all_integer = all_integer && r.version->integer;
        all_semver = all_semver && !r.version->integer;
        if (released && r.version->major == 0) {
          Fail("6.1.18", p,
               "the document status is " + std::string(status) + " but revision " + r.number +
                   " is a draft number (0 or 0.y.z)");
        }
        if (!r.version->pre.empty()) Fail("6.1.19", p, "revision " + r.number + " is a pre-release version");
      }
      if (auto [it, inserted] = numbers.emplace(r.number, i); !inserted) {
        Fail("6.1.22", p,
             "revision number " + r.number + " is already used by revision_history/" +
                 std::to_string(it->second));
      }
      if (auto parsed = date == nullptr ? std::nullopt : ParseDate(*date)) {
        r.date = *parsed;
      } else {
        dates_ok = false;
      }
      revisions.push_back(std::move(r));
    }
    if (!all_integer && !all_semver) {
      Fail("6.1.30", "/document/tracking",
           "the version and the revision numbers mix integer and semantic versioning");
    }
    const bool comparable =
        dates_ok && (all_integer || all_semver) &&
        std::all_of(revisions.begin(), revisions.end(), [](const Revision& r) { return r.version; });
    if (!comparable || revisions.empty()) return;
    // Items sorted by date; items of the same date by number, which is the order in which
    // they can be consistent at all.
    std::stable_sort(revisions.begin(), revisions.end(), [](const Revision& a, const Revision& b) {
      if (a.date != b.date) return a.date < b.date;
      return Compare(*a.version, *b.version) < 0;
    });
    for (size_t k = 1; k < revisions.size(); ++k) {
      if (Compare(*revisions[k - 1].version, *revisions[k].version) > 0) {
        Fail("6.1.14", "/document/tracking/revision_history/" + std::to_string(revisions[k].index),
             "revision " + revisions[k].number + " is dated after revision " + revisions[k - 1].number +
                 " but has a lower number");
      }
    }
    const uint64_t first = revisions.front().version->major;
    if (first > 1) {
      Fail("6.1.21", "/document/tracking/revision_history/" + std::to_string(revisions.front().index),
           "the earliest revision is " + revisions.front().number +
               "; it must be 0 or 1 (or major version 0 or 1)");
    }
    for (size_t k = 1; k < revisions.size(); ++k) {
      const uint64_t a = revisions[k - 1].version->major;
      const uint64_t b = revisions[k].version->major;
      if (b > a + 1) {
        Fail("6.1.21", "/document/tracking/revision_history/" + std::to_string(revisions[k].index),
             "revision " + revisions[k].number + " follows revision " + revisions[k - 1].number + ": " +
                 (revisions[k].version->integer ? "version " : "major version ") + std::to_string(a + 1) +
                 " is missing");
      }
    }
    if (version) {
      DocVersion latest = *revisions.back().version;
      DocVersion current = *version;
      if (status == "draft") {
        latest.pre.clear();
        current.pre.clear();
      }
      if (latest.integer != current.integer || Compare(latest, current) != 0 ||
          (!latest.integer && latest.pre != current.pre)) {
        Fail("6.1.16", "/document/tracking/version",
             "the version is " + std::string(*version_text) + " but the latest revision is " +
                 revisions.back().number);
      }
    }
  }

  // 6.1.23.
  void Cves() {
    std::map<std::string, std::string> seen;
    ForEachVulnerability([&](const bj::value& v, const std::string& p) {
      const bj::string* cve = StringAt(&v, "cve");
      if (cve == nullptr) return;
      auto [it, inserted] = seen.emplace(std::string(*cve), p);
      if (!inserted) Fail("6.1.23", p + "/cve", std::string(*cve) + " is already used by " + it->second);
    });
  }

  // 6.1.24: one party at most once per date.
  void Involvements() {
    ForEachVulnerability([&](const bj::value& v, const std::string& p) {
      const bj::array* involvements = ArrayAt(&v, "involvements");
      if (involvements == nullptr) return;
      std::set<std::pair<std::string, std::string>> seen;
      for (size_t i = 0; i < involvements->size(); ++i) {
        const bj::value& item = (*involvements)[i];
        std::string date(StringOr(&item, "date"));
        if (auto t = ParseRfc3339(date)) date = FormatRfc3339(*t);
        const std::string party(StringOr(&item, "party"));
        if (!seen.emplace(party, date).second) {
          Fail("6.1.24", p + "/involvements/" + std::to_string(i),
               "party '" + party + "' already has an involvement " +
                   (date.empty() ? "without date" : "at " + date));
        }
      }
    });
  }

  // 6.1.25.
  void Hashes() {
    ForEachFullProductName([&](const bj::value& fpn, const std::string& pointer) {
      const bj::array* hashes = ArrayAt(Member(&fpn, "product_identification_helper"), "hashes");
      if (hashes == nullptr) return;
      for (size_t i = 0; i < hashes->size(); ++i) {
        const bj::array* file_hashes = ArrayAt(&(*hashes)[i], "file_hashes");
        if (file_hashes == nullptr) continue;
        std::set<std::string> algorithms;
        for (size_t k = 0; k < file_hashes->size(); ++k) {
          const bj::string* algorithm = StringAt(&(*file_hashes)[k], "algorithm");
          if (algorithm != nullptr && !algorithms.insert(Lower(*algorithm)).second) {
            Fail("6.1.25",
                 pointer + "/product_identification_helper/hashes/" + std::to_string(i) + "/file_hashes/" +
                     std::to_string(k) + "/algorithm",
                 "hash algorithm '" + std::string(*algorithm) + "' is used twice in one item of hashes");
          }
        }
      }
    });
  }

  // 6.1.26.
  void CategoryName() {
    const bj::string* category = StringAt(document_, "category");
    if (category == nullptr) return;
    static constexpr std::string_view kProfiles[] = {"csaf_base", "csaf_security_incident_response",
                                                     "csaf_informational_advisory", "csaf_security_advisory",
                                                     "csaf_vex"};
    if (std::find(std::begin(kProfiles), std::end(kProfiles), std::string_view(*category)) !=
        std::end(kProfiles)) {
      return;
    }
    auto normalise = [](std::string_view s) {
      std::string out;
      for (char c : s) {
        if (c != '-' && c != '_' && !std::isspace(static_cast<unsigned char>(c))) {
          out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
      }
      return out;
    };
    const std::string value = normalise(*category);
    static constexpr std::string_view kProhibited[] = {
        "securityincidentresponse",     "informationaladvisory",     "securityadvisory",     "vex",
        "csafsecurityincidentresponse", "csafinformationaladvisory", "csafsecurityadvisory", "csafvex"};
    if (std::find(std::begin(kProhibited), std::end(kProhibited), value) != std::end(kProhibited)) {
      Fail("6.1.26", "/document/category",
           "'" + std::string(*category) + "' is the name of a CSAF profile other than CSAF Base");
    } else if (Lower(*category).starts_with("csaf_")) {
      Fail("6.1.26", "/document/category", "'" + std::string(*category) + "' uses the reserved prefix csaf_");
    }
  }

  // 6.1.27.1-6.1.27.11.
  void Profiles() {
    const bool informational = category_ == "csaf_informational_advisory";
    const bool incident = category_ == "csaf_security_incident_response";
    const bool advisory = category_ == "csaf_security_advisory";
    const bool vex = category_ == "csaf_vex";
    if (informational || incident) {
      const bj::array* notes = ArrayAt(document_, "notes");
      bool found = false;
      for (size_t i = 0; notes != nullptr && i < notes->size(); ++i) {
        const std::string_view c = StringOr(&(*notes)[i], "category");
        found = found || c == "description" || c == "details" || c == "general" || c == "summary";
      }
      if (!found) {
        Fail("6.1.27.1", "/document/notes",
             "a " + std::string(category_) +
                 " needs a document note of category description, details, general or summary");
      }
      const bj::array* references = ArrayAt(document_, "references");
      found = false;
      for (size_t i = 0; references != nullptr && i < references->size(); ++i) {
        found = found || StringOr(&(*references)[i], "category", "external") == "external";
      }
      if (!found) {
        Fail("6.1.27.2", "/document/references",
             "a " + std::string(category_) + " needs a document reference of category external");
      }
    }
    if (informational && Member(&doc_, "vulnerabilities") != nullptr) {
      Fail("6.1.27.3", "/vulnerabilities", "a csaf_informational_advisory has no vulnerabilities");
    }
    if ((advisory || vex) && Member(&doc_, "product_tree") == nullptr) {
      Fail("6.1.27.4", "/product_tree", "a " + std::string(category_) + " needs a product_tree");
    }
    if ((advisory || vex) && Member(&doc_, "vulnerabilities") == nullptr) {
      Fail("6.1.27.11", "/vulnerabilities", "a " + std::string(category_) + " needs vulnerabilities");
    }
    if (!advisory && !vex) return;
    ForEachVulnerability([&](const bj::value& v, const std::string& p) {
      if (Member(&v, "notes") == nullptr) {
        Fail("6.1.27.5", p + "/notes", "each vulnerability of a " + std::string(category_) + " needs notes");
      }
      if (advisory && Member(&v, "product_status") == nullptr) {
        Fail("6.1.27.6", p + "/product_status",
             "each vulnerability of a csaf_security_advisory needs a product_status");
      }
      if (!vex) return;
      const bj::value* status = Member(&v, "product_status");
      if (Member(status, "fixed") == nullptr && Member(status, "known_affected") == nullptr &&
          Member(status, "known_not_affected") == nullptr &&
          Member(status, "under_investigation") == nullptr) {
        Fail("6.1.27.7", p + "/product_status",
             "a csaf_vex vulnerability needs one of fixed, known_affected, known_not_affected, "
             "under_investigation");
      }
      if (Member(&v, "cve") == nullptr && Member(&v, "ids") == nullptr) {
        Fail("6.1.27.8", p, "a csaf_vex vulnerability needs a cve or ids");
      }
      std::set<std::string> with_impact;
      if (const bj::array* flags = ArrayAt(&v, "flags")) {
        for (const bj::value& flag : *flags) with_impact.merge(ProductsOf(flag));
      }
      if (const bj::array* threats = ArrayAt(&v, "threats")) {
        for (const bj::value& threat : *threats) {
          if (StringOr(&threat, "category") == "impact") with_impact.merge(ProductsOf(threat));
        }
      }
      if (const bj::array* ids = ArrayAt(status, "known_not_affected")) {
        for (size_t i = 0; i < ids->size(); ++i) {
          if ((*ids)[i].is_string() && !with_impact.contains(std::string((*ids)[i].get_string()))) {
            Fail("6.1.27.9", p + "/product_status/known_not_affected/" + std::to_string(i),
                 "no flag or impact threat states why product '" + std::string((*ids)[i].get_string()) +
                     "' is not affected");
          }
        }
      }
      std::set<std::string> with_action;
      if (const bj::array* remediations = ArrayAt(&v, "remediations")) {
        for (const bj::value& remediation : *remediations) with_action.merge(ProductsOf(remediation));
      }
      if (const bj::array* ids = ArrayAt(status, "known_affected")) {
        for (size_t i = 0; i < ids->size(); ++i) {
          if ((*ids)[i].is_string() && !with_action.contains(std::string((*ids)[i].get_string()))) {
            Fail("6.1.27.10", p + "/product_status/known_affected/" + std::to_string(i),
                 "no remediation names affected product '" + std::string((*ids)[i].get_string()) + "'");
          }
        }
      }
    });
  }

  // 6.1.29, 6.1.32, 6.1.33.
  void RemediationsAndFlags() {
    ForEachVulnerability([&](const bj::value& v, const std::string& p) {
      if (const bj::array* remediations = ArrayAt(&v, "remediations")) {
        for (size_t i = 0; i < remediations->size(); ++i) {
          if (Member(&(*remediations)[i], "product_ids") == nullptr &&
              Member(&(*remediations)[i], "group_ids") == nullptr) {
            Fail("6.1.29", p + "/remediations/" + std::to_string(i),
                 "the remediation names no product_ids or group_ids");
          }
        }
      }
      const bj::array* flags = ArrayAt(&v, "flags");
      if (flags == nullptr) return;
      std::map<std::string, size_t> flagged;
      for (size_t i = 0; i < flags->size(); ++i) {
        const bj::value& flag = (*flags)[i];
        const std::string fp = p + "/flags/" + std::to_string(i);
        if (Member(&flag, "product_ids") == nullptr && Member(&flag, "group_ids") == nullptr) {
          Fail("6.1.32", fp, "the flag names no product_ids or group_ids");
        }
        const std::string_view label = StringOr(&flag, "label");
        if (std::find(std::begin(kVexJustifications), std::end(kVexJustifications), label) ==
            std::end(kVexJustifications)) {
          continue;
        }
        for (const std::string& id : ProductsOf(flag)) {
          auto [it, inserted] = flagged.emplace(id, i);
          if (!inserted) {
            Fail("6.1.33", fp,
                 "product '" + id + "' already has a VEX justification in flags/" +
                     std::to_string(it->second));
          }
        }
      }
    });
  }

  // Why `name` reads as a version range, or nullopt. The spec deems it sufficient to look
  // for the comparison operators and the words after, all, before, earlier, later, prior,
  // versions; the OASIS files show the words count only as whole words ("after-eight" is a
  // version), and a "vers:" string is a range by definition.
  static std::optional<std::string> RangeIn(std::string_view name) {
    const std::string lower = Lower(name);
    if (lower.find('<') != std::string::npos || lower.find('>') != std::string::npos) {
      return "holds a comparison operator";
    }
    if (lower.starts_with("vers:")) return "is a vers range";
    size_t start = 0;
    while (start < lower.size()) {
      while (start < lower.size() && std::isspace(static_cast<unsigned char>(lower[start]))) ++start;
      size_t end = start;
      while (end < lower.size() && !std::isspace(static_cast<unsigned char>(lower[end]))) ++end;
      const std::string_view word = std::string_view(lower).substr(start, end - start);
      for (std::string_view range_word :
           {"after", "all", "before", "earlier", "later", "prior", "versions"}) {
        if (word == range_word) return "holds the range word '" + std::string(range_word) + "'";
      }
      start = end;
    }
    return std::nullopt;
  }

  // 6.1.31.
  void VersionRanges() {
    std::function<void(const bj::array&, const std::string&, int)> walk =
        [&](const bj::array& branches, const std::string& pointer, int depth) {
          if (depth > 64) return;
          for (size_t i = 0; i < branches.size(); ++i) {
            const std::string p = pointer + "/" + std::to_string(i);
            if (StringOr(&branches[i], "category") == "product_version") {
              const std::string_view name = StringOr(&branches[i], "name");
              if (auto why = RangeIn(name)) {
                Fail("6.1.31", p + "/name",
                     "the product_version '" + std::string(name) + "' " + *why +
                         "; a range belongs in product_version_range");
              }
            }
            if (const bj::array* sub = ArrayAt(&branches[i], "branches"))
              walk(*sub, p + "/branches", depth + 1);
          }
        };
    if (const bj::array* branches = ArrayAt(tree_, "branches")) walk(*branches, "/product_tree/branches", 0);
  }

  const bj::value& doc_;
  const bj::value* document_ = nullptr;
  const bj::value* tree_ = nullptr;
  const bj::array* vulnerabilities_ = nullptr;
  std::string_view category_;
  std::map<std::string, std::vector<std::string>, std::less<>> definitions_;
  std::map<std::string, std::vector<std::string>, std::less<>> group_definitions_;
  std::map<std::string, std::set<std::string>, std::less<>> groups_;
  std::vector<ValidationFailure> failures_;
};

}  // namespace

std::span<const std::string_view> ImplementedMandatoryTests() { return kTestIds; }

std::string_view MandatoryTestName(std::string_view test) {
  for (const TestInfo& t : kTests) {
    if (t.id == test) return t.name;
  }
  return {};
}

std::vector<ValidationFailure> ValidateCsafMandatory(const bj::value& document) {
  return Validator(document).Run();
}

}  // namespace aiip::advisories
