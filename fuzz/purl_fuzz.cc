// Fuzz target for the package identifiers of src/advisories/inventory: ParsePurl and
// FormatPurl (purl.h), and ParseCpe, FormatCpe and CpeMatches (cpe.h). Both parsers read
// identifiers straight out of SBOMs, plain lists and advisories that outsiders send.
//
// The input is one purl or CPE as text. Invariants (a violation aborts):
//  - a failure is InvalidArgument "purl-invalid" (resp. "cpe-invalid") with no field and a
//    detail that starts with the name of the part at fault;
//  - a parsed purl has a lower-case type starting with a letter and a non-empty name, and
//    its qualifier keys are valid lower-case keys with non-empty values;
//  - canonical round trip: FormatPurl(p) parses to a Purl equal to p, and formats to the
//    same text again; the text uses only the characters a canonical purl may hold, and
//    starts with PackageKey(p);
//  - a parsed CPE formats to a 2.3 string that parses to an equal Cpe, and a CPE without
//    wildcards matches itself (NISTIR 7696 EQUAL).
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "advisories/inventory/cpe.h"
#include "advisories/inventory/purl.h"
#include "common/status.h"
#include "fuzz/check.h"

namespace {

using aiip::Code;
using aiip::Result;
using aiip::Status;
using aiip::advisories::Cpe;
using aiip::advisories::CpeValue;
using aiip::advisories::Purl;

bool StartsWithOneOf(const std::string& detail, std::initializer_list<std::string_view> parts) {
  for (std::string_view part : parts) {
    if (detail.starts_with(std::string(part) + ":")) return true;
  }
  return false;
}

void CheckFailure(const Status& s, std::string_view type, std::initializer_list<std::string_view> parts) {
  AIIP_FUZZ_CHECK(s.code() == Code::kInvalidArgument, "a parse failure is not InvalidArgument");
  AIIP_FUZZ_CHECK(s.type() == type, "a parse failure has the wrong problem type");
  AIIP_FUZZ_CHECK(s.field().empty(), "a parse failure names a field");
  AIIP_FUZZ_CHECK(StartsWithOneOf(s.detail(), parts), "a parse failure does not name the part at fault");
}

bool CanonicalChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view(".-_~%:/@?=&#").find(c) != std::string_view::npos;
}

void CheckPurl(std::string_view text) {
  Result<Purl> p = aiip::advisories::ParsePurl(text);
  if (!p) {
    CheckFailure(p.error(), "purl-invalid",
                 {"purl", "scheme", "type", "namespace", "name", "version", "qualifiers", "subpath"});
    return;
  }
  AIIP_FUZZ_CHECK(!p->type.empty() && p->type[0] >= 'a' && p->type[0] <= 'z',
                  "a parsed type is not lower-case");
  AIIP_FUZZ_CHECK(!p->name.empty(), "a parsed purl has no name");
  for (const auto& [key, value] : p->qualifiers) {
    AIIP_FUZZ_CHECK(!key.empty() && !value.empty(), "an empty qualifier key or value was kept");
    for (char c : key) AIIP_FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), "a qualifier key is not lower-case");
  }
  const std::string canonical = aiip::advisories::FormatPurl(*p);
  for (char c : canonical)
    AIIP_FUZZ_CHECK(CanonicalChar(c), "the canonical purl holds a character it may not");
  AIIP_FUZZ_CHECK(canonical.starts_with(aiip::advisories::PackageKey(*p)),
                  "the canonical purl does not start with its key");
  Result<Purl> again = aiip::advisories::ParsePurl(canonical);
  AIIP_FUZZ_CHECK(again.has_value(), "the canonical purl does not parse");
  AIIP_FUZZ_CHECK(*again == *p, "the canonical purl parses to another purl");
  AIIP_FUZZ_CHECK(aiip::advisories::FormatPurl(*again) == canonical,
                  "the canonical purl is not a fixed point");
}

void CheckCpe(std::string_view text) {
  Result<Cpe> cpe = aiip::advisories::ParseCpe(text);
  if (!cpe) {
    CheckFailure(cpe.error(), "cpe-invalid",
                 {"binding", "part", "vendor", "product", "version", "update", "edition", "language",
                  "sw_edition", "target_sw", "target_hw", "other"});
    return;
  }
  const std::string formatted = aiip::advisories::FormatCpe(*cpe);
  Result<Cpe> again = aiip::advisories::ParseCpe(formatted);
  AIIP_FUZZ_CHECK(again.has_value(), "a formatted CPE does not parse");
  AIIP_FUZZ_CHECK(*again == *cpe, "a formatted CPE parses to another CPE");
  bool wild = false;
  for (const CpeValue& v : cpe->attributes) wild = wild || v.has_wildcards();
  if (!wild) AIIP_FUZZ_CHECK(aiip::advisories::CpeMatches(*cpe, *cpe), "a CPE name does not match itself");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckPurl(text);
  CheckCpe(text);
  return 0;
}
