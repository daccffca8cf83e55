// Fuzz target for aiip::advisories::ParseAdvisory (src/advisories/matcher/formats.h), the
// entry point for every advisory a node ingests (OSV, CSAF 2.0, CVE JSON 5), followed by
// what ingestion does next with an accepted document: VulnerabilityDatabase::Upsert and a
// scan of the packages the document names.
//
// Invariants (a violation aborts):
//  - a failure is InvalidArgument with a type and a detail, and its field is empty or a
//    JSON Pointer (starts with '/');
//  - text whose format is not recognised is refused ("unknown-format", or the JSON error
//    when it is not JSON);
//  - an accepted document has the format recognised, an id, and a 64-hex-digit SHA-256;
//  - it upserts into an empty database, after which each of its records is found by id;
//    upserting it again changes nothing (same modified time);
//  - scanning the packages it names (by purl, or ecosystem and name, at each listed version)
//    finishes, and every finding names a vulnerability the database holds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "advisories/inventory/inventory.h"
#include "advisories/matcher/database.h"
#include "advisories/matcher/formats.h"
#include "advisories/matcher/matcher.h"
#include "common/status.h"
#include "fuzz/check.h"

namespace adv = aiip::advisories;

namespace {

bool IsHex64(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

adv::SourceFormat Expected(adv::DetectedFormat format) {
  switch (format) {
    case adv::DetectedFormat::kCsaf:
      return adv::SourceFormat::kCsaf;
    case adv::DetectedFormat::kCve5:
      return adv::SourceFormat::kCve5;
    default:
      return adv::SourceFormat::kOsv;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const adv::DetectedFormat format = adv::DetectAdvisoryFormat(text);
  aiip::Result<adv::Document> parsed = adv::ParseAdvisory(text, "fuzz");
  if (!parsed) {
    const aiip::Status& s = parsed.error();
    AIIP_FUZZ_CHECK(s.code() == aiip::Code::kInvalidArgument, "a failure is not InvalidArgument");
    AIIP_FUZZ_CHECK(!s.type().empty() && !s.detail().empty(), "a failure has no type or detail");
    AIIP_FUZZ_CHECK(s.field().empty() || s.field().front() == '/', "a failure's field is not a JSON Pointer");
    if (format == adv::DetectedFormat::kUnknown) {
      AIIP_FUZZ_CHECK(s.type() == "unknown-format" || s.type() == "malformed-json",
                      "an unrecognised text fails for another reason");
    }
    return 0;
  }
  AIIP_FUZZ_CHECK(format != adv::DetectedFormat::kUnknown, "an unrecognised text was accepted");
  const adv::Document& document = *parsed;
  AIIP_FUZZ_CHECK(document.format == Expected(format), "the document has another format than recognised");
  AIIP_FUZZ_CHECK(!document.id.empty(), "an accepted document has no id");
  AIIP_FUZZ_CHECK(IsHex64(document.sha256), "sha256 is not 64 lower-case hex digits");

  adv::VulnerabilityDatabase db;
  aiip::Result<adv::ChangeSet> first = db.Upsert(document);
  AIIP_FUZZ_CHECK(first.has_value(), "an accepted document does not upsert");
  aiip::Result<adv::ChangeSet> second = db.Upsert(document);
  AIIP_FUZZ_CHECK(second.has_value() && second->empty(),
                  "upserting the same document again changed something");
  {
    const auto reader = db.Read();
    for (const adv::Record& record : document.records) {
      AIIP_FUZZ_CHECK(reader.Find(record.id) != nullptr, "a record is not found by its id");
    }
  }

  adv::Inventory inventory;
  for (const adv::Record& record : document.records) {
    for (const adv::Affected& affected : record.affected) {
      std::vector<std::string> versions = affected.versions;
      for (const adv::Range& range : affected.ranges) {
        for (const adv::RangeEvent& event : range.events) versions.push_back(event.version);
      }
      if (versions.empty()) versions.push_back("1.0.0");
      for (const std::string& version : versions) {
        adv::Component component;
        component.purl = affected.purl;
        component.name = affected.name;
        component.version = version;
        component.cpes = affected.cpes;
        component.origin = affected.origin;
        inventory.components.push_back(std::move(component));
        if (inventory.components.size() >= 64) break;
      }
    }
  }
  const adv::ScanResult result = adv::Scan(inventory, db, adv::ScanOptions{.cpe = true});
  const auto reader = db.Read();
  for (const adv::Finding& finding : result.findings) {
    AIIP_FUZZ_CHECK(reader.Find(finding.id) != nullptr, "a finding names an unknown vulnerability");
    AIIP_FUZZ_CHECK(finding.component < inventory.components.size(), "a finding names no component");
  }
  return 0;
}
