// aiip attribute ...: attacking addresses to network, AS and country, offline.
//
// Reads a list of addresses (response/attribution/address_list.h), loads one or more
// location databases into an AttributionSet, and answers every address with the dataset
// valid at --at (default: now). Bad lines are reported on stderr with their line number
// and skipped; the command then exits 1 after printing the answers for the good lines.

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "aiip/commands.h"
#include "common/time.h"
#include "response/attribution/address_list.h"
#include "response/attribution/dataset.h"
#include "response/attribution/libloc_loader.h"

namespace aiip::cli {

namespace {

namespace bj = boost::json;
using attribution::Answer;
using attribution::Dataset;
using attribution::NetworkInfo;
using attribution::Table;

struct AttributeOptions {
  std::optional<std::string> at;
  std::vector<std::string> dbs;
  bool summary = false;
  std::string input = "-";
};

Result<std::string> ReadInput(const std::string& input) {
  std::ostringstream text;
  if (input == "-") {
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream in(input, std::ios::binary);
  if (!in) return Err(UsageError("cannot read " + input));
  text << in.rdbuf();
  if (in.bad()) return Err(UsageError("cannot read " + input));
  return text.str();
}

std::string ValidityText(const Dataset& d) {
  return FormatRfc3339(d.valid_from) + " until " +
         (d.valid_until ? FormatRfc3339(*d.valid_until) : "superseded");
}

// Prints rows of cells as an aligned table (cells already printable).
void PrintRows(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) return;
  std::vector<size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], DisplayWidth(row[c]));
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - DisplayWidth(row[c]) + 2, ' ');
    }
    out << line << '\n';
  }
}

bj::object DatasetJson(const Dataset& d) {
  return {{"id", d.info.id},
          {"vendor", d.info.vendor},
          {"created_at", FormatRfc3339(d.info.created_at)},
          {"source", d.info.source},
          {"valid_from", FormatRfc3339(d.valid_from)},
          {"valid_until", d.valid_until ? bj::value(FormatRfc3339(*d.valid_until)) : bj::value(nullptr)}};
}

void ShowResults(Session& session, const Dataset& dataset, SystemTime at,
                 const std::vector<attribution::ListedAddress>& addresses,
                 const std::vector<Answer>& answers) {
  const Table& table = *dataset.table;
  if (session.json()) {
    bj::array results;
    results.reserve(addresses.size());
    for (size_t i = 0; i < addresses.size(); ++i) {
      bj::object r{{"line", addresses[i].line}, {"address", addresses[i].address.ToString()}};
      if (answers[i].found()) {
        const NetworkInfo n = table.network(answers[i].network);
        r["network"] = n.prefix.ToString();
        r["asn"] = n.asn != 0 ? bj::value(n.asn) : bj::value(nullptr);
        r["as_name"] = n.as_name.empty() ? bj::value(nullptr) : bj::value(n.as_name);
        r["country"] = n.country.empty() ? bj::value(nullptr) : bj::value(n.country);
        bj::array flags;
        for (std::string_view flag : attribution::FlagNames(n.flags)) flags.emplace_back(flag);
        r["flags"] = std::move(flags);
      } else {
        r["network"] = nullptr;
        r["asn"] = nullptr;
        r["as_name"] = nullptr;
        r["country"] = nullptr;
        r["flags"] = bj::array();
      }
      r["dataset"] = dataset.info.id;
      results.push_back(std::move(r));
    }
    PrintJson(session.out(), bj::object{{"at", FormatRfc3339(at)},
                                        {"dataset", DatasetJson(dataset)},
                                        {"results", std::move(results)}});
    return;
  }
  session.out() << "# dataset " << Printable(dataset.info.id) << " (valid " << ValidityText(dataset)
                << "), as of " << FormatRfc3339(at) << '\n';
  std::vector<std::vector<std::string>> rows;
  rows.reserve(addresses.size() + 1);
  rows.push_back({"ADDRESS", "NETWORK", "AS", "AS NAME", "COUNTRY"});
  for (size_t i = 0; i < addresses.size(); ++i) {
    if (!answers[i].found()) {
      rows.push_back({addresses[i].address.ToString(), "-", "-", "-", "-"});
      continue;
    }
    const NetworkInfo n = table.network(answers[i].network);
    rows.push_back({addresses[i].address.ToString(), n.prefix.ToString(),
                    n.asn != 0 ? std::to_string(n.asn) : "-", n.as_name.empty() ? "-" : Printable(n.as_name),
                    n.country.empty() ? "-" : Printable(n.country)});
  }
  PrintRows(session.out(), rows);
}

void ShowSummary(Session& session, const Dataset& dataset, SystemTime at,
                 const std::vector<Answer>& answers) {
  const Table& table = *dataset.table;
  // Counts per interned AS and country index; kNoAs / kNoCountry collect the rest.
  std::map<uint32_t, size_t> per_as;
  std::map<uint16_t, size_t> per_country;
  size_t unattributed = 0;
  for (const Answer& a : answers) {
    if (!a.found()) {
      ++unattributed;
      continue;
    }
    const NetworkInfo n = table.network(a.network);
    ++per_as[n.as_index];
    ++per_country[n.country_index];
  }
  // Largest counts first; ties by AS number / country code.
  std::vector<std::pair<uint32_t, size_t>> ases(per_as.begin(), per_as.end());
  std::stable_sort(ases.begin(), ases.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::pair<uint16_t, size_t>> countries(per_country.begin(), per_country.end());
  std::sort(countries.begin(), countries.end(), [&table](const auto& a, const auto& b) {
    if (a.second != b.second) return a.second > b.second;
    return table.country(a.first) < table.country(b.first);
  });

  if (session.json()) {
    bj::array by_as, by_country;
    for (const auto& [index, count] : ases) {
      if (index == attribution::kNoAs) {
        by_as.push_back(bj::object{{"asn", nullptr}, {"as_name", nullptr}, {"count", count}});
      } else {
        const auto as = table.as(index);
        by_as.push_back(bj::object{{"asn", as.number},
                                   {"as_name", as.name.empty() ? bj::value(nullptr) : bj::value(as.name)},
                                   {"count", count}});
      }
    }
    for (const auto& [index, count] : countries) {
      const std::string_view code = table.country(index);
      by_country.push_back(
          bj::object{{"country", code.empty() ? bj::value(nullptr) : bj::value(code)}, {"count", count}});
    }
    PrintJson(session.out(), bj::object{{"at", FormatRfc3339(at)},
                                        {"dataset", DatasetJson(dataset)},
                                        {"summary", bj::object{{"addresses", answers.size()},
                                                               {"unattributed", unattributed},
                                                               {"by_as", std::move(by_as)},
                                                               {"by_country", std::move(by_country)}}}});
    return;
  }
  session.out() << "# dataset " << Printable(dataset.info.id) << " (valid " << ValidityText(dataset)
                << "), as of " << FormatRfc3339(at) << '\n';
  session.out() << "# " << answers.size() << " addresses, " << unattributed << " in no announced network\n";
  std::vector<std::vector<std::string>> rows = {{"AS", "AS NAME", "ADDRESSES"}};
  for (const auto& [index, count] : ases) {
    if (index == attribution::kNoAs) {
      rows.push_back({"-", "(no origin AS)", std::to_string(count)});
    } else {
      const auto as = table.as(index);
      rows.push_back(
          {std::to_string(as.number), as.name.empty() ? "-" : Printable(as.name), std::to_string(count)});
    }
  }
  PrintRows(session.out(), rows);
  session.out() << '\n';
  rows = {{"COUNTRY", "ADDRESSES"}};
  for (const auto& [index, count] : countries) {
    const std::string_view code = table.country(index);
    rows.push_back({code.empty() ? "-" : Printable(code), std::to_string(count)});
  }
  PrintRows(session.out(), rows);
}

Status Attribute(Session& session, const AttributeOptions& options) {
  SystemTime at = SystemClock().Now();
  if (options.at) {
    auto parsed = ParseRfc3339(*options.at);
    if (!parsed) return UsageError("--at: '" + *options.at + "' is not an RFC 3339 time");
    at = *parsed;
  }
  AIIP_ASSIGN_OR_RETURN(std::string text, ReadInput(options.input));
  const attribution::AddressList list = attribution::ParseAddressList(text);
  text.clear();
  text.shrink_to_fit();

  attribution::AttributionSet set;
  const std::vector<std::string> dbs =
      options.dbs.empty() ? std::vector<std::string>{std::string(attribution::kDefaultLocationDb)}
                          : options.dbs;
  for (const std::string& path : dbs) {
    AIIP_ASSIGN_OR_RETURN(attribution::LoadedDataset loaded, attribution::LoadLocationDb(path));
    AIIP_RETURN_IF_ERROR(set.Add(std::move(loaded.info), std::move(loaded.table)));
  }
  const Dataset* dataset = set.At(at);
  if (dataset == nullptr) {
    std::string detail = "no location database given is valid at " + FormatRfc3339(at);
    for (const Dataset& d : set.datasets()) detail += "; " + d.info.id + " is valid " + ValidityText(d);
    return NotFound(detail);
  }

  std::vector<Answer> answers(list.addresses.size());
  for (size_t i = 0; i < list.addresses.size(); ++i)
    answers[i] = dataset->table->Lookup(list.addresses[i].address);
  for (const auto& error : list.errors) {
    session.err() << options.input << ":" << error.line << ": " << error.message << '\n';
  }
  if (!list.errors.empty()) {
    session.err() << list.errors.size() << " line(s) skipped\n";
    session.set_findings_exit(true);
  }
  if (options.summary) {
    ShowSummary(session, *dataset, at, answers);
  } else {
    ShowResults(session, *dataset, at, list.addresses, answers);
  }
  return Status::Ok();
}

}  // namespace

void AddAttributeCommands(CLI::App& app, CommandTable& table) {
  auto options = std::make_shared<AttributeOptions>();
  CLI::App* command = app.add_subcommand(
      "attribute",
      "Attribute addresses to network, origin AS, AS name and country, offline, from IPFire location "
      "databases");
  AddOptional(command, "--at", options->at, "Attribute as of this RFC 3339 time (default: now)");
  command
      ->add_option("--db", options->dbs,
                   "Location database (libloc location.db); repeat for several versions, each valid from its "
                   "creation time to the next one's (default: " +
                       std::string(attribution::kDefaultLocationDb) + ")")
      ->allow_extra_args(false)
      ->check(CLI::ExistingFile);
  command->add_flag("--summary", options->summary,
                    "Print counts per AS and per country instead of one line each");
  command->add_option("FILE", options->input,
                      "Addresses, one per line ('#' comments, CSV: first column); '-' or absent: stdin");
  table.Add(command, [options](Session& session) { return Attribute(session, *options); });
}

}  // namespace aiip::cli
