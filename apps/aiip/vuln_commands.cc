// aiip vuln ...: the vulnerability clearinghouse. `aiip vuln scan` runs offline: it loads
// advisories from local files (OSV, CSAF 2.0, CVE JSON 5), merges them, and matches an SBOM
// against them with the same engine the node uses (src/advisories/matcher), without ever
// opening a connection.

#include <fstream>
#include <memory>
#include <sstream>

#include "advisories/inventory/inventory.h"
#include "advisories/matcher/database.h"
#include "advisories/matcher/finding_json.h"
#include "advisories/matcher/formats.h"
#include "advisories/matcher/matcher.h"
#include "aiip/commands.h"

namespace aiip::cli {

namespace {

namespace bj = boost::json;
namespace adv = aiip::advisories;

struct ScanFlags {
  std::string sbom;
  std::vector<std::string> advisories;
  std::vector<std::string> vex;
  bool cpe = false;
};

// Every failure of an offline scan is about its inputs: InvalidArgument, hence exit code 2.
Status InputError(std::string detail) { return InvalidArgument("invalid-input", std::move(detail)); }

Result<std::string> ReadInput(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(InputError("cannot open " + path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Err(InputError("cannot read " + path));
  return std::move(text).str();
}

Result<adv::Inventory> ReadInventory(const std::string& path) {
  AIIP_ASSIGN_OR_RETURN(std::string bytes, ReadInput(path));
  auto inventory = adv::ParseInventory(bytes);
  if (!inventory) {
    const Status& e = inventory.error();
    return Err(InvalidArgument(e.type(), path + ": " + e.detail(), e.field()));
  }
  return std::move(*inventory);
}

bj::array Strings(const std::vector<std::string>& items) {
  bj::array array;
  for (const auto& item : items) array.emplace_back(item);
  return array;
}

// The table row of a finding: lists joined, the score as text.
bj::object FindingRow(const adv::Finding& finding) {
  bj::object row = adv::FindingToJson(finding);
  row["severity"] =
      finding.severity.base_score >= 0 ? bj::value(finding.severity.base_score) : bj::value(nullptr);
  row["vex"] = finding.suppressed ? bj::value(finding.reason) : bj::value(nullptr);
  return row;
}

Status Scan(Session& session, const ScanFlags& flags) {
  AIIP_ASSIGN_OR_RETURN(adv::Inventory inventory, ReadInventory(flags.sbom));
  for (const std::string& path : flags.vex) {
    AIIP_ASSIGN_OR_RETURN(adv::Inventory vex, ReadInventory(path));
    inventory.vex.insert(inventory.vex.end(), vex.vex.begin(), vex.vex.end());
  }
  auto tree = adv::LoadAdvisoryTree(flags.advisories);
  if (!tree) return InputError(tree.error().detail());

  adv::VulnerabilityDatabase db;
  std::vector<std::string> rejected;
  for (const adv::LoadError& error : tree->errors) {
    rejected.push_back(error.file + ": " + error.reason +
                       (error.pointer.empty() ? "" : " [at " + error.pointer + "]"));
  }
  for (adv::Document& document : tree->documents) {
    std::string source = document.source_name;
    if (auto changes = db.Upsert(std::move(document)); !changes) {
      rejected.push_back(source + ": " + changes.error().detail());
    }
  }
  const adv::ScanResult result = adv::Scan(inventory, db, adv::ScanOptions{.cpe = flags.cpe});

  size_t affected = 0;
  for (const adv::Finding& finding : result.findings) {
    if (!finding.suppressed) ++affected;
  }
  if (session.json()) {
    bj::array findings;
    for (const adv::Finding& finding : result.findings) findings.emplace_back(adv::FindingToJson(finding));
    bj::object out;
    out["findings"] = std::move(findings);
    out["notes"] = Strings(result.notes);
    out["rejected_advisories"] = Strings(rejected);
    PrintJson(session.out(), out);
  } else {
    bj::array rows;
    for (const adv::Finding& finding : result.findings) rows.emplace_back(FindingRow(finding));
    PrintTable(session.out(),
               {{"PURL", "purl"},
                {"ID", "id"},
                {"ALIASES", "aliases"},
                {"SOURCES", "sources"},
                {"FIXED", "fixed"},
                {"SCORE", "severity"},
                {"MATCH", "confidence"},
                {"SUPPRESSED", "vex"}},
               rows);
    for (const std::string& line : rejected)
      session.err() << "warning: advisory rejected: " << Printable(line) << '\n';
    session.err() << affected << " affected, " << result.findings.size() - affected << " suppressed by VEX; "
                  << inventory.components.size() << " components, " << result.notes.size()
                  << " not matched (use --json to see why); " << tree->documents.size()
                  << " advisories loaded, " << rejected.size() << " rejected\n";
  }
  session.set_findings_exit(affected > 0);
  return Status::Ok();
}

}  // namespace

void AddVulnCommands(CLI::App& app, CommandTable& table) {
  CLI::App* vuln = app.add_subcommand("vuln", "Vulnerabilities: match an SBOM against advisories");
  vuln->require_subcommand(1);

  auto flags = std::make_shared<ScanFlags>();
  CLI::App* scan =
      vuln->add_subcommand("scan",
                           "Offline: match an SBOM (CycloneDX, SPDX, or a list of purls/CPEs) against "
                           "advisory files (OSV, CSAF 2.0, "
                           "CVE JSON 5). Exit 0 when nothing is affected, 1 when something is, 2 on error");
  scan->add_option("sbom", flags->sbom, "The SBOM or purl/CPE list")->required()->check(CLI::ExistingFile);
  scan->add_option("--advisories", flags->advisories, "Advisory file or directory (repeatable)")
      ->required()
      ->check(CLI::ExistingPath);
  scan->add_option("--vex", flags->vex, "CycloneDX VEX document applying to the SBOM (repeatable)")
      ->check(CLI::ExistingFile);
  scan->add_flag("--cpe", flags->cpe, "Also match through CPEs (lower confidence)");
  table.Add(scan, [flags](Session& session) { return Scan(session, *flags); });
}

}  // namespace aiip::cli
