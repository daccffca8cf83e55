// aiip legal ...: assessment of legal-cooperation requests against the treaties and the law of
// both States, and the safe-haven analysis, offline from the reference data (data/legal).
//
// The data directory is --data DIR, else the first of these holding conduct.json:
// $AIIP_DATA_DIR/legal (when AIIP_DATA_DIR is set, only that one), <dir of the executable>/
// ../../data/legal (a build tree inside the checkout), <dir of the executable>/../share/aiip/legal
// (an installation), ./data/legal. `assess` exits 0 when the request can proceed and 1 when it
// cannot or needs review, so scripts can branch on it; bad requests and data exit 2.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <system_error>

#include "aiip/commands.h"
#include "legal/assess.h"
#include "legal/loader.h"
#include "legal/request.h"

namespace aiip::cli {

namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;

struct AssessOptions {
  std::string request;
  std::optional<std::string> data;
};

struct HavensOptions {
  std::optional<std::string> conduct;
  std::optional<std::string> date;
  std::optional<std::string> data;
};

// The directory of the running executable, or empty when /proc does not tell.
fs::path ExecutableDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

// The data directory by the rule at the top of this file.
Result<fs::path> DataDir(Session& session, const std::optional<std::string>& flag) {
  if (flag) return fs::path(*flag);
  std::vector<fs::path> candidates;
  if (std::optional<std::string> root = session.env()("AIIP_DATA_DIR"); root && !root->empty()) {
    candidates.push_back(fs::path(*root) / "legal");
  } else {
    if (fs::path dir = ExecutableDir(); !dir.empty()) {
      candidates.push_back(dir / ".." / ".." / "data" / "legal");
      candidates.push_back(dir / ".." / "share" / "aiip" / "legal");
    }
    candidates.push_back(fs::path("data") / "legal");
  }
  std::string tried;
  for (const fs::path& candidate : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(candidate / "conduct.json", ec)) return candidate.lexically_normal();
    tried += (tried.empty() ? "" : ", ") + candidate.lexically_normal().string();
  }
  return Err(InvalidArgument(
      "no-data", "no legal reference data found (tried " + tried + "); give --data DIR", "--data"));
}

Result<legal::LegalData> LoadData(Session& session, const std::optional<std::string>& flag) {
  AIIP_ASSIGN_OR_RETURN(fs::path dir, DataDir(session, flag));
  return legal::LoadLegalData(dir);
}

Result<std::string> ReadRequestFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(InvalidArgument("unreadable-request", "cannot read request file " + path, "REQUEST"));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return Err(InvalidArgument("unreadable-request", "cannot read request file " + path, "REQUEST"));
  return text.str();
}

std::string Text(const bj::value& v) { return Cell(&v); }

std::string Field(const bj::object& o, std::string_view key) {
  const bj::value* v = o.if_contains(key);
  return Cell(v);
}

std::string YesNoUnknown(const bj::value& v) {
  if (v.is_bool()) return v.get_bool() ? "yes" : "no";
  return "unknown";
}

void Section(std::ostream& out, std::string_view title) { out << '\n' << title << '\n'; }

void Reason(std::ostream& out, const bj::object& item) {
  out << "      why:  " << Field(item, "reason") << '\n';
  if (!item.at("citation").as_string().empty()) out << "      cite: " << Field(item, "citation") << '\n';
}

// The assessment for people: the outcome first, then each part with its reason and source.
void PrintAssessment(std::ostream& out, const bj::object& a) {
  out << "outcome: " << Field(a, "outcome") << '\n';
  out << "request: " << Field(a, "kind") << " from " << Field(a, "requesting_state") << " to "
      << Field(a, "requested_state") << " on " << Field(a, "date") << '\n';

  Section(out, "Legal bases");
  const bj::array& bases = a.at("legal_bases").as_array();
  if (bases.empty()) out << "  none: letters rogatory or reciprocity only\n";
  for (const bj::value& v : bases) {
    const bj::object& b = v.as_object();
    out << "  " << Field(b, "instrument") << ' ' << Field(b, "article")
        << (b.at("hypothetical").as_bool() ? " (hypothetical)" : "") << '\n';
    Reason(out, b);
  }

  Section(out, "Dual criminality");
  const bj::object& dc = a.at("dual_criminality").as_object();
  out << "  required: " << YesNoUnknown(dc.at("required"))
      << "; satisfied: " << YesNoUnknown(dc.at("satisfied")) << " (law in force on "
      << Field(dc, "conduct_date") << ")\n";
  for (const bj::value& v : dc.at("covered").as_array()) {
    const bj::object& c = v.as_object();
    out << "  covered: " << Field(c, "conduct") << " by " << Field(c, "offence") << " (max "
        << Field(c, "max_penalty_months") << " months)\n";
  }
  for (const bj::value& v : dc.at("not_covered").as_array()) out << "  not covered: " << Text(v) << '\n';
  Reason(out, dc);

  Section(out, "Penalty threshold");
  const bj::object& pt = a.at("penalty_threshold").as_object();
  if (pt.at("months").is_null()) {
    out << "  none\n";
  } else {
    out << "  " << Field(pt, "comparison") << ' ' << Field(pt, "months") << " months; requested State max "
        << Field(pt, "requested_max_months") << ", requesting State max "
        << Field(pt, "requesting_max_months") << "; met: " << YesNoUnknown(pt.at("met")) << '\n';
  }
  Reason(out, pt);

  Section(out, "Refusal grounds");
  const bj::array& grounds = a.at("refusal_grounds").as_array();
  if (grounds.empty()) out << "  none under this basis\n";
  for (const bj::value& v : grounds) {
    const bj::object& g = v.as_object();
    out << "  " << (g.at("raised").as_bool() ? "RAISED " : "       ") << Field(g, "ground") << " ("
        << (g.at("mandatory").as_bool() ? "mandatory" : "optional") << ")\n";
    Reason(out, g);
  }

  Section(out, "Jurisdiction");
  const bj::array& jurisdiction = a.at("jurisdiction").as_array();
  if (jurisdiction.empty()) out << "  no claim under the instruments\n";
  for (const bj::value& v : jurisdiction) {
    const bj::object& j = v.as_object();
    out << "  " << Field(j, "priority") << ". " << Field(j, "state") << ": " << Field(j, "bases") << " ("
        << (j.at("mandatory").as_bool() ? "mandatory" : "optional") << ")\n";
    Reason(out, j);
  }

  Section(out, "Obligations");
  const bj::array& obligations = a.at("obligations").as_array();
  if (obligations.empty()) out << "  none\n";
  for (const bj::value& v : obligations) {
    const bj::object& o = v.as_object();
    out << "  " << Field(o, "obligation") << " (" << Field(o, "state") << ")\n";
    Reason(out, o);
  }

  Section(out, "Deadlines");
  const bj::array& deadlines = a.at("deadlines").as_array();
  if (deadlines.empty()) out << "  none\n";
  for (const bj::value& v : deadlines) {
    const bj::object& d = v.as_object();
    out << "  " << Field(d, "deadline") << ": " << Field(d, "date") << " (" << Field(d, "days") << " days)\n";
    Reason(out, d);
  }

  const bj::array& missing = a.at("missing_facts").as_array();
  if (!missing.empty()) {
    Section(out, "Missing facts");
    for (const bj::value& v : missing) {
      const bj::object& m = v.as_object();
      out << "  " << Field(m, "fact") << " — " << Field(m, "reason") << '\n';
    }
  }

  Section(out, "Explanation");
  for (const bj::value& v : a.at("explanation").as_array()) out << "  " << Text(v) << '\n';
}

Status Assess(Session& session, const AssessOptions& options) {
  AIIP_ASSIGN_OR_RETURN(std::string text, ReadRequestFile(options.request));
  AIIP_ASSIGN_OR_RETURN(legal::Request request, legal::ParseRequest(text));
  AIIP_ASSIGN_OR_RETURN(legal::LegalData data, LoadData(session, options.data));
  AIIP_ASSIGN_OR_RETURN(legal::Assessment assessment, legal::Assess(request, data));
  const bj::object answer = legal::AssessmentToJson(assessment);
  if (session.json()) {
    PrintJson(session.out(), answer);
  } else {
    PrintAssessment(session.out(), answer);
  }
  session.set_findings_exit(assessment.outcome != legal::Outcome::kCanProceed);
  return Status::Ok();
}

// One cell of the conduct matrix.
std::string ConductCell(const legal::HavenConduct& c, const std::string& state) {
  auto in = [&](const std::vector<std::string>& list) {
    return std::find(list.begin(), list.end(), state) != list.end();
  };
  if (in(c.not_criminal)) return "HAVEN";
  if (in(c.below_threshold)) return "<thr";
  if (in(c.unknown)) return "?max";
  if (in(c.not_researched)) return "n/r";
  return "ok";
}

void PrintHavens(std::ostream& out, const legal::Havens& h) {
  out << "Safe havens on " << h.date << " (extradition threshold " << h.threshold_months
      << " months: " << Printable(h.threshold_citation) << ")\n";

  Section(out, "Conduct by State (national law in force on that date)");
  bj::array rows;
  std::vector<Column> columns = {{"CONDUCT", "conduct"}};
  for (const std::string& s : h.states) columns.push_back({s, s});
  for (const legal::HavenConduct& c : h.conducts) {
    bj::object row{{"conduct", c.conduct}};
    for (const std::string& s : h.states) row[s] = ConductCell(c, s);
    rows.push_back(std::move(row));
  }
  PrintTable(out, columns, rows);
  out << "  ok = an offence in force covers it with a maximum at or above the threshold; HAVEN = no offence "
         "in "
         "force covers it and the data's list is complete there; <thr = covered only below the threshold; "
         "?max = "
         "covered, maximum unknown; n/r = no offence in the data, whose list is not known to be complete "
         "(not "
         "researched)\n";
  if (!h.not_researched.empty()) {
    std::string list;
    for (const auto& s : h.not_researched) list += (list.empty() ? "" : " ") + s;
    out << "  national law not yet researched (not judged): " << list << '\n';
  }

  Section(out, "State pairs without a recorded legal basis (instruments in force on that date)");
  out << "  only the multilateral instruments and the bilateral treaties in the data count: a pair may still "
         "have a bilateral treaty the data does not record\n";
  struct Family {
    const char* name;
    std::optional<bool> legal::HavenPair::*member;
  };
  for (const Family& f : {Family{"preservation", &legal::HavenPair::preservation},
                          Family{"assistance", &legal::HavenPair::assistance},
                          Family{"extradition", &legal::HavenPair::extradition}}) {
    std::string none, unknown;
    size_t none_count = 0, unknown_count = 0;
    for (const legal::HavenPair& p : h.pairs) {
      const std::optional<bool>& v = p.*f.member;
      if (v == std::optional<bool>(false)) {
        none += (none.empty() ? "" : " ") + p.a + "-" + p.b;
        ++none_count;
      } else if (!v) {
        unknown += (unknown.empty() ? "" : " ") + p.a + "-" + p.b;
        ++unknown_count;
      }
    }
    out << "  " << f.name << ": " << none_count << " of " << h.pairs.size() << " pairs have no basis";
    out << (none.empty() ? "\n" : ":\n    " + none + "\n");
    if (unknown_count > 0) {
      out << "    unknown (a party's status on that date is not recorded), " << unknown_count
          << " pairs:\n    " << unknown << '\n';
    }
  }
}

Status Havens(Session& session, const HavensOptions& options) {
  legal::Date date{};
  if (options.date) {
    std::optional<legal::Date> parsed = legal::ParseDate(*options.date);
    if (!parsed) return InvalidArgument("invalid-value", "--date must be YYYY-MM-DD", "--date");
    date = *parsed;
  } else {
    date = legal::Date(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
  }
  AIIP_ASSIGN_OR_RETURN(legal::LegalData data, LoadData(session, options.data));
  Result<legal::Havens> havens = legal::ComputeHavens(data, options.conduct, date);
  if (!havens) {
    return InvalidArgument("invalid-value", havens.error().detail(), "--conduct");
  }
  if (session.json()) {
    PrintJson(session.out(), legal::HavensToJson(*havens));
  } else {
    PrintHavens(session.out(), *havens);
  }
  return Status::Ok();
}

}  // namespace

void AddLegalCommands(CLI::App& app, CommandTable& table) {
  CLI::App* legal = app.add_subcommand(
      "legal", "Check legal-cooperation requests against the treaties and the law of both States (offline)");
  legal->require_subcommand(1);
  const std::string data_help =
      "Legal reference data directory (default: $AIIP_DATA_DIR/legal, else data/legal beside the build or "
      "share/aiip/legal beside the installation, else ./data/legal)";

  auto assess = std::make_shared<AssessOptions>();
  CLI::App* assess_command = legal->add_subcommand(
      "assess",
      "Assess one request (legal bases, dual criminality, threshold, refusal grounds, jurisdiction, "
      "obligations, deadlines); exit 1 unless it can proceed");
  assess_command->add_option("REQUEST", assess->request, "Request JSON file (doc/legal.md, \"Request\")")
      ->required();
  AddOptional(assess_command, "--data", assess->data, data_help);
  table.Add(assess_command, [assess](Session& session) { return Assess(session, *assess); });

  auto havens = std::make_shared<HavensOptions>();
  CLI::App* havens_command = legal->add_subcommand(
      "havens",
      "Where conduct is not criminal or below the extradition threshold, and which State pairs have "
      "no legal basis for preservation, assistance or extradition");
  AddOptional(havens_command, "--conduct", havens->conduct, "Only this conduct code (doc/legal.md)");
  AddOptional(havens_command, "--date", havens->date, "As of this date, YYYY-MM-DD (default: today, UTC)");
  AddOptional(havens_command, "--data", havens->data, data_help);
  table.Add(havens_command, [havens](Session& session) { return Havens(session, *havens); });
}

}  // namespace aiip::cli
