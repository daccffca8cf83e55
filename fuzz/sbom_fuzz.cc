// Fuzz target for the inventory parsers of src/advisories/inventory/inventory.h:
// ParseInventory (format detection, CycloneDX JSON, SPDX JSON, plain purl/CPE lists), which
// reads SBOMs that participants upload.
//
// The input is a whole document. Invariants (a violation aborts):
//  - it never crashes, and a failure is InvalidArgument with one of the documented problem
//    types and a detail; when the input is a JSON object, the failure's field is empty or a
//    JSON Pointer whose parent resolves in the document;
//  - a success has a known format; every component's purl is canonical (it parses and
//    formats back to itself) and every CPE is a CPE 2.3 formatted string that does too;
//  - for JSON documents, every component's origin is a JSON Pointer that resolves to an
//    object in the document, every VEX statement's origin resolves, and every warning
//    starts with a JSON Pointer; for plain lists every origin is "line N";
//  - parsing is deterministic: a second parse gives the same components and warnings.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "advisories/inventory/cpe.h"
#include "advisories/inventory/inventory.h"
#include "advisories/inventory/purl.h"
#include "common/json.h"
#include "common/status.h"
#include "fuzz/check.h"

namespace {

namespace bj = boost::json;
using aiip::Code;
using aiip::Result;
using aiip::Status;
using aiip::advisories::Component;
using aiip::advisories::Inventory;

constexpr std::string_view kErrorTypes[] = {
    "malformed-json",      "not-an-object",  "wrong-type",   "missing-field", "invalid-value",
    "unsupported-version", "unknown-format", "purl-invalid", "cpe-invalid",   "empty-inventory"};
constexpr std::string_view kFormats[] = {"cyclonedx-1.0", "cyclonedx-1.1", "cyclonedx-1.2", "cyclonedx-1.3",
                                         "cyclonedx-1.4", "cyclonedx-1.5", "cyclonedx-1.6", "spdx-2.0",
                                         "spdx-2.1",      "spdx-2.2",      "spdx-2.3",      "purl-list",
                                         "cpe-list"};

template <size_t N>
bool OneOf(std::string_view s, const std::string_view (&values)[N]) {
  for (std::string_view v : values) {
    if (s == v) return true;
  }
  return false;
}

const bj::value* Resolve(const bj::value& doc, std::string_view pointer) {
  boost::system::error_code ec;
  return doc.find_pointer(pointer, ec);
}

void CheckFailure(const Status& s, const bj::value* doc) {
  AIIP_FUZZ_CHECK(s.code() == Code::kInvalidArgument, "a failure is not InvalidArgument");
  AIIP_FUZZ_CHECK(OneOf(s.type(), kErrorTypes), "a failure has an undocumented problem type");
  AIIP_FUZZ_CHECK(!s.detail().empty(), "a failure has no detail");
  if (s.field().empty()) return;
  AIIP_FUZZ_CHECK(s.field().starts_with("/"), "a failure's field is not a JSON Pointer");
  AIIP_FUZZ_CHECK(doc != nullptr, "a failure names a field of a document that is not JSON");
  const std::string_view field = s.field();
  AIIP_FUZZ_CHECK(Resolve(*doc, field.substr(0, field.rfind('/'))) != nullptr,
                  "a failure's field is not inside the document");
}

void CheckComponent(const Component& c, const bj::value* doc) {
  if (!c.purl.empty()) {
    auto p = aiip::advisories::ParsePurl(c.purl);
    AIIP_FUZZ_CHECK(p.has_value() && aiip::advisories::FormatPurl(*p) == c.purl,
                    "a component purl is not canonical");
  }
  for (const std::string& cpe : c.cpes) {
    auto parsed = aiip::advisories::ParseCpe(cpe);
    AIIP_FUZZ_CHECK(
        cpe.starts_with("cpe:2.3:") && parsed.has_value() && aiip::advisories::FormatCpe(*parsed) == cpe,
        "a component CPE is not a canonical 2.3 string");
  }
  if (doc != nullptr) {
    const bj::value* at = Resolve(*doc, c.origin);
    AIIP_FUZZ_CHECK(c.origin.starts_with("/") && at != nullptr && at->is_object(),
                    "a component's origin does not resolve to an object");
  } else {
    AIIP_FUZZ_CHECK(c.origin.starts_with("line "), "a list component's origin is not a line");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<Inventory> inv = aiip::advisories::ParseInventory(text);

  // The document as JSON, when it is one (after the BOM and whitespace ParseInventory skips).
  std::string_view json_text = text;
  if (json_text.starts_with("\xEF\xBB\xBF")) json_text.remove_prefix(3);
  while (!json_text.empty() && (json_text.front() == ' ' || json_text.front() == '\t' ||
                                json_text.front() == '\r' || json_text.front() == '\n')) {
    json_text.remove_prefix(1);
  }
  const bool looks_json = json_text.starts_with('{') || json_text.starts_with('[');
  Result<bj::value> doc = looks_json ? aiip::json::Parse(json_text) : Result<bj::value>(bj::value());
  const bj::value* doc_ptr = looks_json && doc.has_value() ? &*doc : nullptr;

  if (!inv) {
    CheckFailure(inv.error(), doc_ptr);
    return 0;
  }
  AIIP_FUZZ_CHECK(OneOf(inv->format, kFormats), "an unknown format was reported");
  AIIP_FUZZ_CHECK(!looks_json || doc_ptr != nullptr, "a document that is not JSON parsed as JSON");
  for (const Component& c : inv->components) CheckComponent(c, doc_ptr);
  for (const auto& s : inv->vex) {
    AIIP_FUZZ_CHECK(doc_ptr != nullptr && Resolve(*doc_ptr, s.origin) != nullptr,
                    "a VEX origin does not resolve");
    AIIP_FUZZ_CHECK(!s.vulnerability_id.empty(), "a VEX statement has no vulnerability id");
  }
  for (const std::string& w : inv->warnings) {
    AIIP_FUZZ_CHECK(w.starts_with("/"), "a warning does not start with a JSON Pointer");
  }
  Result<Inventory> again = aiip::advisories::ParseInventory(text);
  AIIP_FUZZ_CHECK(again.has_value() && again->components.size() == inv->components.size() &&
                      again->warnings == inv->warnings,
                  "a second parse gave another answer");
  return 0;
}
