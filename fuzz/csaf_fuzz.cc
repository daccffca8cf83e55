// Fuzz target for the CSAF 2.0 parser (src/advisories/csaf): ParseCsaf and
// ValidateCsafMandatory on arbitrary bytes.
//
// Invariants (a violation aborts):
//  - neither function crashes, whatever the input (sanitizers watch memory and UB);
//  - a refusal is InvalidArgument with a type and a detail; apart from unparseable JSON
//    ("malformed-json", "not-an-object") it names a JSON Pointer, which resolves in the
//    document to the offending value or, for a missing member, to its parent;
//  - an accepted document passes every implemented mandatory test, every record id is
//    "<tracking id>#...", and every product id a record names (Affected::origin,
//    Remediation::origins) is defined in the document's product tree;
//  - every validation failure names an implemented test and a JSON Pointer.
#include <algorithm>
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>

#include "advisories/csaf/csaf.h"
#include "common/json.h"
#include "fuzz/check.h"

namespace {

namespace bj = boost::json;
using aiip::advisories::Document;
using aiip::advisories::ImplementedMandatoryTests;
using aiip::advisories::ParseCsaf;
using aiip::advisories::ValidateCsafMandatory;

std::set<std::string> DefinedProducts(const bj::value& doc) {
  std::set<std::string> ids;
  auto add = [&](const bj::value* fpn) {
    if (fpn == nullptr || !fpn->is_object()) return;
    const bj::value* id = fpn->get_object().if_contains("product_id");
    if (id != nullptr && id->is_string()) ids.emplace(id->get_string());
  };
  const bj::value* tree = doc.is_object() ? doc.get_object().if_contains("product_tree") : nullptr;
  if (tree == nullptr || !tree->is_object()) return ids;
  std::function<void(const bj::value*)> walk = [&](const bj::value* branches) {
    if (branches == nullptr || !branches->is_array()) return;
    for (const bj::value& b : branches->get_array()) {
      if (!b.is_object()) continue;
      add(b.get_object().if_contains("product"));
      walk(b.get_object().if_contains("branches"));
    }
  };
  walk(tree->get_object().if_contains("branches"));
  for (std::string_view list : {"full_product_names", "relationships"}) {
    const bj::value* items = tree->get_object().if_contains(list);
    if (items == nullptr || !items->is_array()) continue;
    for (const bj::value& item : items->get_array()) {
      add(list == "relationships" && item.is_object() ? item.get_object().if_contains("full_product_name")
                                                      : &item);
    }
  }
  return ids;
}

bool Resolves(const bj::value& doc, const std::string& pointer) {
  boost::system::error_code ec;
  if (doc.find_pointer(pointer, ec) != nullptr) return true;
  const size_t slash = pointer.rfind('/');
  return slash != std::string::npos &&
         doc.find_pointer(std::string_view(pointer).substr(0, slash), ec) != nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  aiip::Result<Document> parsed = ParseCsaf(text, "fuzz");
  aiip::Result<bj::value> json = aiip::json::Parse(text);

  if (json) {
    const auto implemented = ImplementedMandatoryTests();
    const auto failures = ValidateCsafMandatory(*json);
    for (const auto& f : failures) {
      AIIP_FUZZ_CHECK(std::find(implemented.begin(), implemented.end(), f.test) != implemented.end(),
                      "a failure names a test that is not implemented");
      AIIP_FUZZ_CHECK(f.pointer.starts_with("/") && !f.message.empty(),
                      "a failure has no pointer or message");
    }
    if (parsed) AIIP_FUZZ_CHECK(failures.empty(), "an accepted document fails a mandatory test");
  }

  if (!parsed) {
    const aiip::Status& s = parsed.error();
    AIIP_FUZZ_CHECK(s.code() == aiip::Code::kInvalidArgument, "a refusal is not InvalidArgument");
    AIIP_FUZZ_CHECK(!s.type().empty() && !s.detail().empty(), "a refusal has no type or detail");
    if (s.type() != "malformed-json" && s.type() != "not-an-object") {
      AIIP_FUZZ_CHECK(json.has_value(), "a field error for a document that does not parse");
      AIIP_FUZZ_CHECK(s.field().starts_with("/"), "a refusal names no JSON Pointer");
      AIIP_FUZZ_CHECK(Resolves(*json, s.field()), "a refusal's pointer resolves to nothing");
    }
    return 0;
  }

  AIIP_FUZZ_CHECK(json.has_value(), "an accepted document is not JSON");
  const std::set<std::string> defined = DefinedProducts(*json);
  for (const auto& record : parsed->records) {
    AIIP_FUZZ_CHECK(record.id.starts_with(parsed->id + "#"),
                    "a record id does not start with the tracking id");
    for (const auto& affected : record.affected) {
      AIIP_FUZZ_CHECK(defined.contains(affected.origin), "an Affected names an undefined product id");
    }
    for (const auto& remediation : record.remediations) {
      for (const auto& origin : remediation.origins) {
        AIIP_FUZZ_CHECK(defined.contains(origin), "a remediation names an undefined product id");
      }
    }
  }
  return 0;
}
