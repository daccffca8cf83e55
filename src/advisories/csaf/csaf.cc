#include "advisories/csaf/csaf.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include "advisories/csaf/json_access.h"
#include "advisories/csaf/purl.h"
#include "advisories/csaf/schema.h"
#include "common/encoding.h"
#include "common/json.h"
#include "common/time.h"
#include "crypto/sha256.h"

namespace aiip::advisories {
namespace {

namespace bj = boost::json;
using namespace csaf_internal;  // NOLINT(google-build-using-namespace)

// ---------------------------------------------------------------------------------------
// Published digest.

std::string Sha512Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // EVP_Digest fails only on allocation failure or an OpenSSL internal error; like
  // crypto/sha256 we treat that as fatal rather than report a wrong verdict.
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha512(), nullptr) != 1) std::abort();
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

Status VerifySha512(std::string_view json_text, std::string_view published) {
  size_t begin = 0;
  while (begin < published.size() && std::isspace(static_cast<unsigned char>(published[begin]))) ++begin;
  size_t end = begin;
  while (end < published.size() && std::isxdigit(static_cast<unsigned char>(published[end]))) ++end;
  std::string hex(published.substr(begin, end - begin));
  const bool separated = end == published.size() || std::isspace(static_cast<unsigned char>(published[end]));
  if (hex.size() != 128 || !separated) {
    return InvalidArgument("digest-malformed",
                           "the published .sha512 text does not start with 128 hex digits");
  }
  std::transform(hex.begin(), hex.end(), hex.begin(), [](unsigned char c) { return std::tolower(c); });
  const std::string actual = Sha512Hex(json_text);
  if (hex != actual) {
    return InvalidArgument("digest-mismatch",
                           "the document's SHA-512 is " + actual + " but the published digest is " + hex);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// Free-text version ranges.

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool StartsWithWord(std::string_view s, std::string_view word) {
  if (s.size() < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != word[i]) return false;
  }
  return s.size() == word.size() || !std::isalnum(static_cast<unsigned char>(s[word.size()]));
}

// A small recursive-descent reader of the unambiguous range shapes (see csaf.h).
class RangeReader {
 public:
  explicit RangeReader(std::string_view text) : s_(text) {}

  std::optional<std::string> Read() {
    bool all_versions = false;
    if (Word("all")) {
      if (!Word("versions") && !Word("version")) return std::nullopt;
      all_versions = true;
    } else if (Word("versions")) {
      all_versions = true;
    }
    Space();
    if (s_.empty()) return all_versions ? std::optional<std::string>("*") : std::nullopt;
    auto first = Bound();
    if (!first) return std::nullopt;
    std::string out = "vers:generic/" + *first;
    Space();
    if (s_.empty()) return out;
    const char first_op = first->front();
    if (first_op != '>') return std::nullopt;
    if (!s_.empty() && (s_.front() == '|' || s_.front() == ',')) {
      s_.remove_prefix(1);
    } else {
      Word("and");
    }
    Space();
    auto second = Bound();
    Space();
    if (!second || !s_.empty() || second->front() != '<') return std::nullopt;
    return out + "|" + *second;
  }

 private:
  void Space() {
    while (!s_.empty() && std::isspace(static_cast<unsigned char>(s_.front()))) s_.remove_prefix(1);
  }

  bool Word(std::string_view word) {
    Space();
    if (!StartsWithWord(s_, word)) return false;
    s_.remove_prefix(word.size());
    return true;
  }

  // "<op>V", "prior to V", "before V", "V and earlier", "V and prior".
  std::optional<std::string> Bound() {
    Space();
    std::string op;
    if (s_.starts_with("<=") || s_.starts_with(">=")) {
      op = std::string(s_.substr(0, 2));
      s_.remove_prefix(2);
    } else if (s_.starts_with('<') || s_.starts_with('>')) {
      op = std::string(s_.substr(0, 1));
      s_.remove_prefix(1);
    } else if (Word("prior")) {
      if (!Word("to")) return std::nullopt;
      op = "<";
    } else if (Word("before")) {
      op = "<";
    }
    auto version = Version();
    if (!version) return std::nullopt;
    if (op.empty()) {
      const std::string_view saved = s_;
      if (Word("and") && (Word("earlier") || Word("prior"))) {
        op = "<=";
      } else {
        s_ = saved;
        return std::nullopt;
      }
    }
    return op + *version;
  }

  static bool VersionChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '+';
  }

  // Space-separated tokens of version characters: the first holds a digit; each later one
  // holds a digit or is a qualifier word followed by a token with a digit ("Update 3").
  std::optional<std::string> Version() {
    Space();
    std::string out;
    bool first = true;
    while (true) {
      std::string_view rest = s_;
      while (!rest.empty() && rest.front() == ' ' && !first) rest.remove_prefix(1);
      size_t n = 0;
      while (n < rest.size() && VersionChar(rest[n])) ++n;
      const std::string_view token = rest.substr(0, n);
      const bool has_digit =
          std::any_of(token.begin(), token.end(), [](unsigned char c) { return std::isdigit(c); });
      bool accept = has_digit;
      if (!first && !has_digit && !token.empty()) {
        std::string lower(token);
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        static constexpr std::string_view kQualifiers[] = {"update", "build", "sp",     "service", "pack",
                                                           "patch",  "hf",    "hotfix", "rev",     "release"};
        const bool qualifier =
            std::find(std::begin(kQualifiers), std::end(kQualifiers), lower) != std::end(kQualifiers);
        std::string_view after = rest.substr(n);
        while (!after.empty() && after.front() == ' ') after.remove_prefix(1);
        size_t m = 0;
        while (m < after.size() && VersionChar(after[m])) ++m;
        const std::string_view next = after.substr(0, m);
        accept = qualifier &&
                 (std::any_of(next.begin(), next.end(), [](unsigned char c) { return std::isdigit(c); }) ||
                  lower == "service");
      }
      if (token.empty() || !accept) break;
      if (!first) out += "%20";
      out += std::string(token);
      s_ = rest.substr(n);
      first = false;
    }
    if (out.empty()) return std::nullopt;
    return out;
  }

  std::string_view s_;
};

// ---------------------------------------------------------------------------------------
// Product tree resolution.

struct Product {
  std::string name;  // the full product name
  std::string vendor;
  std::string product;
  std::string family;
  std::string purl;
  std::vector<std::string> cpes;
  std::vector<std::string> versions;
  std::string vers;
  bool all_versions = false;
  std::string review;     // free-text range that needs review
  std::string reference;  // relationship products: the component's product id
};

struct BranchContext {
  std::string vendor, product, family, version, range;
};

class ProductIndex {
 public:
  explicit ProductIndex(const bj::value* tree) {
    if (const bj::array* branches = ArrayAt(tree, "branches")) Walk(*branches, BranchContext{}, 0);
    if (const bj::array* names = ArrayAt(tree, "full_product_names")) {
      for (const bj::value& fpn : *names) Add(fpn, BranchContext{});
    }
    if (const bj::array* relationships = ArrayAt(tree, "relationships")) {
      for (const bj::value& r : *relationships) {
        const bj::value* fpn = Member(&r, "full_product_name");
        const bj::string* id = StringAt(fpn, "product_id");
        if (id == nullptr) continue;
        Product p;
        p.name = std::string(StringOr(fpn, "name"));
        p.reference = std::string(StringOr(&r, "product_reference"));
        products_.emplace(std::string(*id), std::move(p));
      }
    }
    if (const bj::array* groups = ArrayAt(tree, "product_groups")) {
      for (const bj::value& g : *groups) {
        const bj::string* id = StringAt(&g, "group_id");
        const bj::array* members = ArrayAt(&g, "product_ids");
        if (id == nullptr || members == nullptr) continue;
        std::vector<std::string>& list = groups_[std::string(*id)];
        for (const bj::value& m : *members) {
          if (m.is_string()) list.emplace_back(m.get_string());
        }
      }
    }
  }

  // The identity that must be matched for `id`: a relationship product resolves to its
  // product_reference (followed through chains; 6.1.3 has excluded circles).
  const Product* Resolve(const std::string& id) const {
    auto it = products_.find(id);
    for (int hops = 0; it != products_.end() && !it->second.reference.empty() && hops < 64; ++hops) {
      it = products_.find(it->second.reference);
    }
    return it == products_.end() || !it->second.reference.empty() ? nullptr : &it->second;
  }

  bool Defined(const std::string& id) const { return products_.contains(id); }

  // `item`'s product_ids followed by the members of its group_ids, each once, in order.
  std::vector<std::string> Expand(const bj::value& item) const {
    std::vector<std::string> out;
    std::set<std::string> seen;
    auto add = [&](std::string_view id) {
      if (seen.emplace(id).second) out.emplace_back(id);
    };
    if (const bj::array* ids = ArrayAt(&item, "product_ids")) {
      for (const bj::value& id : *ids) {
        if (id.is_string()) add(id.get_string());
      }
    }
    if (const bj::array* ids = ArrayAt(&item, "group_ids")) {
      for (const bj::value& id : *ids) {
        if (!id.is_string()) continue;
        auto it = groups_.find(std::string(id.get_string()));
        if (it == groups_.end()) continue;
        for (const std::string& member : it->second) add(member);
      }
    }
    return out;
  }

 private:
  void Walk(const bj::array& branches, const BranchContext& context, int depth) {
    if (depth > 64) return;
    for (const bj::value& b : branches) {
      BranchContext c = context;
      const std::string_view category = StringOr(&b, "category");
      const std::string name(StringOr(&b, "name"));
      if (category == "vendor") c.vendor = name;
      if (category == "product_name") c.product = name;
      if (category == "product_family") c.family = name;
      if (category == "product_version") c.version = name;
      if (category == "product_version_range") c.range = name;
      if (const bj::value* product = Member(&b, "product")) Add(*product, c);
      if (const bj::array* sub = ArrayAt(&b, "branches")) Walk(*sub, c, depth + 1);
    }
  }

  void Add(const bj::value& fpn, const BranchContext& c) {
    const bj::string* id = StringAt(&fpn, "product_id");
    if (id == nullptr) return;
    Product p;
    p.name = std::string(StringOr(&fpn, "name"));
    p.vendor = c.vendor;
    p.family = c.family;
    p.product = !c.product.empty() ? c.product : !c.family.empty() ? c.family : p.name;
    if (!c.version.empty()) p.versions.push_back(c.version);
    if (!c.range.empty()) {
      const std::string_view range = Trim(c.range);
      if (range.starts_with("vers:")) {
        p.vers = std::string(range);
      } else if (auto vers = VersionRangeToVers(range)) {
        if (*vers == "*") {
          p.all_versions = true;
        } else {
          p.vers = *vers;
        }
      } else {
        p.review = std::string(c.range);
      }
    }
    const bj::value* helper = Member(&fpn, "product_identification_helper");
    if (const bj::string* purl_text = StringAt(helper, "purl")) {
      p.purl = std::string(*purl_text);
      std::string why;
      if (auto parts = purl::Parse(*purl_text, &why);
          parts && !parts->version.empty() &&
          std::find(p.versions.begin(), p.versions.end(), parts->version) == p.versions.end()) {
        p.versions.push_back(parts->version);
      }
    }
    if (const bj::string* cpe = StringAt(helper, "cpe")) p.cpes.emplace_back(*cpe);
    products_.emplace(std::string(*id), std::move(p));
  }

  std::unordered_map<std::string, Product> products_;
  std::unordered_map<std::string, std::vector<std::string>> groups_;
};

// ---------------------------------------------------------------------------------------
// Records.

std::string NormaliseTime(std::string_view text) {
  auto t = ParseRfc3339(text);
  return t ? FormatRfc3339(*t) : std::string(text);
}

void AppendParagraph(std::string& to, std::string_view text) {
  if (text.empty()) return;
  if (!to.empty()) to += "\n\n";
  to += text;
}

std::string JoinIds(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

struct DocumentFields {
  std::string tracking_id;
  std::string publisher;
  std::string title;
  std::string published;
  std::string modified;
  std::vector<Reference> references;
};

constexpr std::pair<std::string_view, ProductStatus> kStatuses[] = {
    {"known_affected", ProductStatus::kAffected},
    {"first_affected", ProductStatus::kAffected},
    {"last_affected", ProductStatus::kAffected},
    {"known_not_affected", ProductStatus::kNotAffected},
    {"fixed", ProductStatus::kFixed},
    {"first_fixed", ProductStatus::kFixed},
    {"under_investigation", ProductStatus::kUnderInvestigation}};

Record BuildRecord(const bj::value& v, size_t index, const DocumentFields& doc,
                   const ProductIndex& products) {
  Record r;
  r.format = SourceFormat::kCsaf;
  r.document_id = doc.tracking_id;
  r.publisher = doc.publisher;
  r.published = doc.published;
  r.modified = doc.modified;

  const bj::string* cve = StringAt(&v, "cve");
  const bj::array* ids = ArrayAt(&v, "ids");
  std::string local = std::to_string(index);
  if (cve != nullptr) {
    local = std::string(*cve);
  } else if (ids != nullptr && !ids->empty() && StringAt(&(*ids)[0], "text") != nullptr) {
    local = std::string(StringOr(&(*ids)[0], "text"));
  }
  r.id = doc.tracking_id + "#" + local;
  if (cve != nullptr) r.aliases.emplace_back(*cve);
  if (ids != nullptr) {
    for (const bj::value& id : *ids) {
      const std::string text(StringOr(&id, "text"));
      if (!text.empty() && std::find(r.aliases.begin(), r.aliases.end(), text) == r.aliases.end()) {
        r.aliases.push_back(text);
      }
    }
  }

  if (const bj::array* notes = ArrayAt(&v, "notes")) {
    for (const bj::value& note : *notes) {
      const std::string_view category = StringOr(&note, "category");
      if (category == "summary") AppendParagraph(r.summary, StringOr(&note, "text"));
      if (category == "description" || category == "details")
        AppendParagraph(r.details, StringOr(&note, "text"));
    }
  }
  if (r.summary.empty()) r.summary = std::string(StringOr(&v, "title", doc.title));

  if (const bj::string* cwe = StringAt(Member(&v, "cwe"), "id")) r.cwes.emplace_back(*cwe);

  if (const bj::array* scores = ArrayAt(&v, "scores")) {
    for (const bj::value& score : *scores) {
      for (auto [member, type] : {std::pair<std::string_view, std::string_view>{"cvss_v3", "CVSS_V3"},
                                  std::pair<std::string_view, std::string_view>{"cvss_v2", "CVSS_V2"}}) {
        const bj::value* cvss = Member(&score, member);
        if (cvss == nullptr) continue;
        Severity s;
        s.type = std::string(type);
        s.vector = std::string(StringOr(cvss, "vectorString"));
        if (const bj::value* base = Member(cvss, "baseScore"); base != nullptr && base->is_number()) {
          s.base_score = base->to_number<double>();
        }
        const bool duplicate = std::any_of(r.severities.begin(), r.severities.end(), [&](const Severity& o) {
          return o.type == s.type && o.vector == s.vector && o.base_score == s.base_score;
        });
        if (!duplicate) r.severities.push_back(std::move(s));
      }
    }
  }

  if (const bj::array* references = ArrayAt(&v, "references")) {
    for (const bj::value& ref : *references) {
      r.references.push_back(
          {std::string(StringOr(&ref, "category", "external")), std::string(StringOr(&ref, "url"))});
    }
  }
  for (const Reference& ref : doc.references) {
    const bool duplicate = std::any_of(r.references.begin(), r.references.end(),
                                       [&](const Reference& o) { return o.url == ref.url; });
    if (!duplicate) r.references.push_back(ref);
  }

  // VEX justifications and impact statements per product.
  std::map<std::string, std::string> justification;
  std::map<std::string, std::string> impact;
  if (const bj::array* flags = ArrayAt(&v, "flags")) {
    for (const bj::value& flag : *flags) {
      for (const std::string& id : products.Expand(flag)) justification.emplace(id, StringOr(&flag, "label"));
    }
  }
  const bj::value* status = Member(&v, "product_status");
  std::set<std::string> not_affected;
  if (const bj::array* list = ArrayAt(status, "known_not_affected")) {
    for (const bj::value& id : *list) {
      if (id.is_string()) not_affected.emplace(id.get_string());
    }
  }
  if (const bj::array* threats = ArrayAt(&v, "threats")) {
    for (const bj::value& threat : *threats) {
      const std::string_view category = StringOr(&threat, "category");
      const std::string_view details = StringOr(&threat, "details");
      const std::vector<std::string> about = products.Expand(threat);
      bool used = false;
      if (category == "impact") {
        for (const std::string& id : about) {
          if (!not_affected.contains(id)) continue;
          AppendParagraph(impact[id], details);
          used = true;
        }
      }
      if (used) continue;
      std::string line = "Threat (" + std::string(category) + ")";
      if (!about.empty()) line += " for " + JoinIds(about);
      AppendParagraph(r.details, line + ": " + std::string(details));
    }
  }

  for (const auto& [list_name, product_status] : kStatuses) {
    const bj::array* list = ArrayAt(status, list_name);
    if (list == nullptr) continue;
    for (const bj::value& id_value : *list) {
      if (!id_value.is_string()) continue;
      const std::string id(id_value.get_string());
      const Product* p = products.Resolve(id);
      if (p == nullptr) continue;  // 6.1.1 has already refused undefined ids
      Affected a;
      a.purl = p->purl;
      a.cpes = p->cpes;
      a.vendor = p->vendor;
      a.product = p->product;
      a.versions = p->versions;
      a.vers = p->vers;
      a.all_versions = p->all_versions;
      a.status = product_status;
      a.origin = id;
      if (!p->review.empty()) a.impact = std::string(kNeedsReviewPrefix) + p->review;
      if (product_status == ProductStatus::kNotAffected) {
        if (auto it = justification.find(id); it != justification.end()) a.justification = it->second;
        if (auto it = impact.find(id); it != impact.end()) {
          a.impact = a.impact.empty() ? it->second : it->second + "\n\n" + a.impact;
        }
      }
      r.affected.push_back(std::move(a));
    }
  }

  if (const bj::array* remediations = ArrayAt(&v, "remediations")) {
    for (const bj::value& rem : *remediations) {
      Remediation m;
      m.category = std::string(StringOr(&rem, "category"));
      m.details = std::string(StringOr(&rem, "details"));
      m.url = std::string(StringOr(&rem, "url"));
      m.origins = products.Expand(rem);
      r.remediations.push_back(std::move(m));
    }
  }
  return r;
}

}  // namespace

std::optional<std::string> VersionRangeToVers(std::string_view range_text) {
  const std::string_view text = Trim(range_text);
  if (text.starts_with("vers:")) return std::string(text);
  return RangeReader(text).Read();
}

Result<Document> ParseCsaf(std::string_view json_text, std::string source_name,
                           std::optional<std::string_view> published_sha512) {
  Document out;
  out.format = SourceFormat::kCsaf;
  out.source_name = std::move(source_name);
  out.sha256 = crypto::DigestHex(crypto::Sha256(json_text));
  if (published_sha512) {
    AIIP_RETURN_IF_ERROR(VerifySha512(json_text, *published_sha512));
    out.digest_check = "verified";
  }
  AIIP_ASSIGN_OR_RETURN(const bj::value root, json::Parse(json_text));
  AIIP_RETURN_IF_ERROR(CheckSchema(root));
  const std::vector<ValidationFailure> failures = ValidateCsafMandatory(root);
  if (!failures.empty()) {
    const ValidationFailure& f = failures.front();
    return Err(InvalidArgument(
        "csaf-mandatory-test",
        "CSAF " + f.test + " (" + std::string(MandatoryTestName(f.test)) + "): " + f.message, f.pointer));
  }

  const bj::value* document = Member(&root, "document");
  const bj::value* tracking = Member(document, "tracking");
  DocumentFields fields;
  fields.tracking_id = std::string(StringOr(tracking, "id"));
  fields.publisher = std::string(StringOr(Member(document, "publisher"), "name"));
  fields.title = std::string(StringOr(document, "title"));
  fields.published = NormaliseTime(StringOr(tracking, "initial_release_date"));
  fields.modified = NormaliseTime(StringOr(tracking, "current_release_date"));
  if (const bj::array* references = ArrayAt(document, "references")) {
    for (const bj::value& ref : *references) {
      fields.references.push_back(
          {std::string(StringOr(&ref, "category", "external")), std::string(StringOr(&ref, "url"))});
    }
  }
  out.id = fields.tracking_id;
  out.modified = fields.modified;

  const ProductIndex products(Member(&root, "product_tree"));
  if (const bj::array* vulnerabilities = ArrayAt(&root, "vulnerabilities")) {
    out.records.reserve(vulnerabilities->size());
    for (size_t i = 0; i < vulnerabilities->size(); ++i) {
      out.records.push_back(BuildRecord((*vulnerabilities)[i], i, fields, products));
    }
  }
  return out;
}

}  // namespace aiip::advisories
