// aiip vuln ingest | list | show: the vulnerability clearinghouse of a node. `vuln scan`
// (vuln_commands.cc) is the offline counterpart.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "aiip/commands.h"

namespace aiip::cli {

namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;

const std::vector<Column> kVulnerabilityColumns = {{"ID", "id"},
                                                   {"ALIASES", "aliases"},
                                                   {"SEVERITY", "severity"},
                                                   {"WITHDRAWN", "withdrawn"},
                                                   {"SUMMARY", "summary"}};

struct AdvisoryFile {
  fs::path path;
  std::optional<fs::path> sha512;
};

// Every "*.json" under `paths` (files named explicitly are taken whatever their name), in
// path order, each with its "<file>.sha512" when one lies beside it.
Result<std::vector<AdvisoryFile>> FindAdvisories(const std::vector<std::string>& paths) {
  std::vector<AdvisoryFile> files;
  auto add = [&](const fs::path& path) {
    fs::path digest = path;
    digest += ".sha512";
    std::error_code ec;
    files.push_back(
        AdvisoryFile{path, fs::is_regular_file(digest, ec) ? std::optional(digest) : std::nullopt});
  };
  for (const std::string& given : paths) {
    std::error_code ec;
    if (fs::is_regular_file(given, ec)) {
      add(given);
      continue;
    }
    if (!fs::is_directory(given, ec)) return Err(UsageError(given + " is neither a file nor a directory"));
    std::vector<fs::path> found;
    for (auto it = fs::recursive_directory_iterator(given, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec) && it->path().extension() == ".json") found.push_back(it->path());
    }
    if (ec) return Err(UsageError("cannot walk " + given + ": " + ec.message()));
    std::sort(found.begin(), found.end());
    for (const fs::path& path : found) add(path);
  }
  return files;
}

Result<std::string> ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return Err(UsageError("cannot read " + path.string()));
  return text.str();
}

// One line, rewritten in place on a terminal: [#####.....] 1200/5051  12.3 MB  340 docs/s  2 rejected
void ShowProgress(std::ostream& err, size_t done, size_t total, size_t bytes, double seconds,
                  size_t rejected) {
  constexpr int kWidth = 30;
  const int filled = total == 0 ? kWidth : static_cast<int>(kWidth * done / total);
  std::ostringstream line;
  line << "\r[" << std::string(static_cast<size_t>(filled), '#')
       << std::string(static_cast<size_t>(kWidth - filled), '.') << "] " << done << '/' << total << "  "
       << std::fixed;
  line.precision(1);
  line << static_cast<double>(bytes) / 1e6 << " MB  ";
  line.precision(0);
  line << (seconds > 0 ? static_cast<double>(done) / seconds : 0.0) << " docs/s  " << rejected
       << " rejected ";
  err << line.str() << std::flush;
}

void AddIngest(CLI::App* vuln, CommandTable& table) {
  struct Options {
    std::vector<std::string> paths;
    int64_t batch = 100;
    bool progress = false;
    bool no_progress = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* ingest = vuln->add_subcommand("ingest", "Send advisory files and directories to the node");
  ingest->add_option("paths", options->paths, "Files, or directories walked for *.json")->required();
  ingest->add_option("--batch", options->batch, "Documents per request (1..1000, default 100)")
      ->check(CLI::Range(int64_t{1}, int64_t{1000}));
  ingest->add_flag("--progress", options->progress,
                   "Show the progress bar even when stderr is not a terminal");
  ingest->add_flag("--no-progress", options->no_progress, "Never show the progress bar");
  table.Add(ingest, [options](Session& session) -> Status {
    AIIP_ASSIGN_OR_RETURN(std::vector<AdvisoryFile> files, FindAdvisories(options->paths));
    const bool progress = !options->no_progress && (options->progress || ::isatty(STDERR_FILENO) == 1);
    const auto start = std::chrono::steady_clock::now();
    size_t done = 0, bytes = 0, rejected = 0, inserted = 0, replaced = 0, unchanged = 0, alerts = 0;
    std::vector<std::string> problems;
    for (size_t first = 0; first < files.size(); first += static_cast<size_t>(options->batch)) {
      const size_t last = std::min(files.size(), first + static_cast<size_t>(options->batch));
      bj::array documents;
      for (size_t i = first; i < last; ++i) {
        AIIP_ASSIGN_OR_RETURN(std::string text, ReadText(files[i].path));
        bytes += text.size();
        // The exact bytes travel as text: a published digest is over them, not over a
        // re-serialisation.
        bj::object entry{{"name", files[i].path.string()}, {"text", std::move(text)}};
        if (files[i].sha512) {
          AIIP_ASSIGN_OR_RETURN(std::string digest, ReadText(*files[i].sha512));
          entry["sha512"] = digest;
        }
        documents.push_back(std::move(entry));
      }
      if (!documents.empty()) {
        AIIP_ASSIGN_OR_RETURN(bj::value answer,
                              session.Call(Method::kPost, kApi + "/advisories/batch", {},
                                           bj::object{{"documents", std::move(documents)}}));
        const bj::value* results = answer.is_object() ? answer.get_object().if_contains("results") : nullptr;
        if (results == nullptr || !results->is_array())
          return InvalidResponse("the batch answer has no results");
        for (const bj::value& result : results->get_array()) {
          if (!result.is_object()) return InvalidResponse("a batch result is not an object");
          const bj::object& r = result.get_object();
          if (r.contains("ok") && r.at("ok") == true) {
            const bj::object& outcome = r.at("result").as_object();
            std::string_view kind = outcome.at("outcome").as_string();
            inserted += kind == "inserted";
            replaced += kind == "replaced";
            unchanged += kind == "unchanged" || kind == "stale";
            alerts += static_cast<size_t>(outcome.at("alerts").to_number<int64_t>());
          } else {
            ++rejected;
            const bj::object& problem = r.at("problem").as_object();
            std::string line =
                std::string(r.at("name").as_string()) + ": " + std::string(problem.at("detail").as_string());
            if (const bj::value* field = problem.if_contains("field"))
              line += " [field " + std::string(field->as_string()) + "]";
            problems.push_back(std::move(line));
          }
        }
      }
      done = last;
      if (progress) {
        ShowProgress(session.err(), done, files.size(), bytes,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                     rejected);
      }
    }
    if (progress) session.err() << '\n';
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (session.json()) {
      session.out() << bj::serialize(bj::object{{"documents", files.size()},
                                                {"inserted", inserted},
                                                {"replaced", replaced},
                                                {"unchanged", unchanged},
                                                {"rejected", rejected},
                                                {"alerts", alerts},
                                                {"problems", ToArray(problems)},
                                                {"seconds", seconds}})
                    << '\n';
    } else {
      for (const std::string& problem : problems) session.err() << "rejected: " << Printable(problem) << '\n';
      session.out() << files.size() << " documents (" << inserted << " new, " << replaced << " replaced, "
                    << unchanged << " unchanged, " << rejected << " rejected), " << alerts << " alerts, in "
                    << static_cast<int64_t>(seconds * 1000) << " ms\n";
    }
    session.set_findings_exit(rejected > 0);
    return Status::Ok();
  });
}

void AddListAndShow(CLI::App* vuln, CommandTable& table) {
  struct ListOptions {
    std::optional<std::string> id, package, min_severity;
    bool withdrawn = false;
    PageOptions page;
  };
  auto list = std::make_shared<ListOptions>();
  CLI::App* list_cmd = vuln->add_subcommand("list", "Search the node's merged vulnerabilities");
  AddOptional(list_cmd, "--id", list->id, "An id or alias, e.g. CVE-2021-44228 or GHSA-jfh8-c2jp-5v3q");
  AddOptional(list_cmd, "--package", list->package, "A purl (version ignored), e.g. pkg:pypi/django");
  AddOptional(list_cmd, "--min-severity", list->min_severity, "none, low, medium, high or critical");
  list_cmd->add_flag("--include-withdrawn", list->withdrawn, "Also withdrawn and rejected ones");
  AddPageOptions(list_cmd, list->page);
  table.Add(list_cmd, [list](Session& session) -> Status {
    Query query;
    AddIfGiven(query, "id", list->id);
    AddIfGiven(query, "package", list->package);
    AddIfGiven(query, "min_severity", list->min_severity);
    if (list->withdrawn) query.emplace_back("include_withdrawn", "true");
    AIIP_ASSIGN_OR_RETURN(bj::object page, session.FetchList(kApi + "/vulnerabilities", query, list->page));
    if (!session.json()) {
      // A table cell shows the rating, not the whole severity object.
      if (bj::value* items = page.if_contains("items"); items != nullptr && items->is_array()) {
        for (bj::value& item : items->get_array()) {
          if (item.is_object() && item.get_object().contains("severity") && item.at("severity").is_object()) {
            item.get_object()["severity"] = item.at("severity").at("rating");
          }
        }
      }
    }
    session.ShowList(page, kVulnerabilityColumns);
    return Status::Ok();
  });

  auto show_id = std::make_shared<std::string>();
  CLI::App* show = vuln->add_subcommand("show", "Show one vulnerability with its sources and fixes");
  show->add_option("id", *show_id, "Any id or alias")->required();
  table.Add(show,
            Keep(show_id, ShowOne(Method::kGet, [show_id] { return PathOf("vulnerabilities", *show_id); })));
}

}  // namespace

void AddVulnNodeCommands(CLI::App& app, CommandTable& table) {
  CLI::App* vuln = app.get_subcommand("vuln");
  AddIngest(vuln, table);
  AddListAndShow(vuln, table);
}

}  // namespace aiip::cli
