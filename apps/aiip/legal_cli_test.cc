// Tests of `aiip legal assess|havens`, run in-process on the shipped reference data
// (data/legal): the ILOVEYOU request before and after the Philippine law, the JSON answer's
// shape, the exit codes (0 can proceed, 1 cannot or needs review, 2 bad input naming the JSON
// Pointer), the data-directory rule and the havens matrix.

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "aiip/cli.h"

namespace aiip::cli {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;

const std::string kData = std::string(AIIP_SOURCE_DIR) + "/data/legal";

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome Aiip(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), "aiip");
  std::vector<const char*> argv;
  for (const auto& arg : args) argv.push_back(arg.c_str());
  std::ostringstream out, err;
  EnvLookup lookup = [env](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  int code = RunCli(static_cast<int>(argv.size()), argv.data(), out, err, lookup);
  return {code, out.str(), err.str()};
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("aiip_legal_cli_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& content) const {
    std::ofstream(path_ / name) << content;
    return (path_ / name).string();
  }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

// The ILOVEYOU worm: released from Manila on `conduct_date`, the United States asking the
// Philippines to extradite its author, a Filipino national.
std::string Iloveyou(const std::string& conduct_date, const std::string& request_date) {
  return R"j({"kind":"extradition","requesting_state":"US","requested_state":"PH","date":")j" + request_date +
         R"j(","conduct":{"types":["data-interference","system-interference"],"start":")j" + conduct_date +
         R"j(","committed_in":["PH"],"effects_in":["US","GB","DE"],"description":"ILOVEYOU worm"},
            "person":{"nationalities":["PH"],"located_in":"PH"},
            "requesting_offences":[{"citation":"18 U.S.C. § 1030(a)(5)(A)","max_penalty_months":120}]})j";
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(LegalAssess, IloveyouBeforeTheLawCannotProceed) {
  TempDir dir;
  const std::string request = dir.Write("iloveyou.json", Iloveyou("2000-05-04", "2000-06-20"));
  Outcome r = Aiip({"legal", "assess", request, "--data", kData});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(r.out.starts_with("outcome: cannot-proceed\n")) << r.out;
  for (const char* section :
       {"\nLegal bases\n", "\nDual criminality\n", "\nPenalty threshold\n", "\nRefusal grounds\n",
        "\nJurisdiction\n", "\nObligations\n", "\nDeadlines\n", "\nExplanation\n"}) {
    EXPECT_TRUE(Contains(r.out, section)) << section;
  }
  EXPECT_TRUE(Contains(r.out, "required: yes; satisfied: no (law in force on 2000-05-04)")) << r.out;
  EXPECT_TRUE(Contains(r.out, "not covered: data-interference")) << r.out;
  EXPECT_TRUE(Contains(r.out, "bilateral:PH-US")) << r.out;
  EXPECT_TRUE(Contains(r.out, "criminal law does not apply retroactively")) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(LegalAssess, IloveyouAfterTheLawIsCriminalInThePhilippines) {
  TempDir dir;
  const std::string request = dir.Write("iloveyou.json", Iloveyou("2000-07-04", "2000-08-20"));
  Outcome r = Aiip({"legal", "assess", request, "--data", kData, "--json"});
  auto answer = bj::parse(r.out).as_object();
  const bj::object& dc = answer.at("dual_criminality").as_object();
  EXPECT_EQ(dc.at("required"), bj::value(true));
  EXPECT_EQ(dc.at("satisfied"), bj::value(true));
  EXPECT_EQ(dc.at("conduct_date"), "2000-07-04");
  // The treaty's threshold and the nationality rule of the Philippines are not in the data.
  EXPECT_EQ(answer.at("outcome"), "needs-review");
  EXPECT_EQ(r.code, 1);
}

TEST(LegalAssess, CanProceedExitsZero) {
  TempDir dir;
  const std::string request =
      dir.Write("preservation.json",
                R"j({"kind":"preservation","requesting_state":"US","requested_state":"DE","date":"2019-01-01",
          "conduct":{"types":["system-interference"],"start":"2018-06-01","committed_in":["DE"]}})j");
  Outcome r = Aiip({"legal", "assess", request, "--data", kData});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(r.out.starts_with("outcome: can-proceed\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "preservation-minimum: 2019-03-02 (60 days)")) << r.out;
}

TEST(LegalAssess, JsonHasEveryFieldTheIssueNames) {
  TempDir dir;
  // A German national whose extradition Germany refuses: grounds, obligations, jurisdiction.
  const std::string extradition =
      dir.Write("extradition.json",
                R"j({"kind":"extradition","requesting_state":"US","requested_state":"DE","date":"2019-01-01",
          "conduct":{"types":["illegal-access"],"start":"2018-06-01","committed_in":["DE"],"effects_in":["US"],
                     "conditions_met":["infringes-security-measures"]},
          "person":{"nationalities":["DE"],"located_in":"DE"},
          "requesting_offences":[{"citation":"18 U.S.C. § 1030(a)(2)","max_penalty_months":60
}]
})j");
  Outcome r = Aiip({"legal", "assess", extradition, "--json", "--data", kData});
  EXPECT_EQ(r.code, 1) << r.err;
  auto answer = bj::parse(r.out).as_object();
  EXPECT_EQ(answer.at("outcome"), "cannot-proceed");
  ASSERT_FALSE(answer.at("legal_bases").as_array().empty());
  for (const bj::value& b : answer.at("legal_bases").as_array()) {
    EXPECT_TRUE(b.as_object().at("instrument").is_string());
  }
  const bj::object& dc = answer.at("dual_criminality").as_object();
  EXPECT_TRUE(dc.contains("required") && dc.contains("satisfied"));
  bool nationality = false;
  for (const bj::value& g : answer.at("refusal_grounds").as_array()) {
    nationality = nationality || g.as_object().at("ground") == "nationality";
  }
  EXPECT_TRUE(nationality);
  ASSERT_FALSE(answer.at("obligations").as_array().empty());
  EXPECT_EQ(answer.at("obligations").as_array()[0].as_object().at("obligation"), "extradite-or-prosecute");
  ASSERT_FALSE(answer.at("jurisdiction").as_array().empty());
  for (const bj::value& j : answer.at("jurisdiction").as_array()) {
    for (const char* key : {"state", "bases", "mandatory", "priority"})
      EXPECT_TRUE(j.as_object().contains(key));
  }
  EXPECT_TRUE(answer.at("deadlines").is_array());
  EXPECT_FALSE(answer.at("explanation").as_array().empty());

  const std::string preservation =
      dir.Write("preservation.json",
                R"j({"kind":"preservation","requesting_state":"US","requested_state":"DE","date":"2019-01-01",
          "conduct":{"types":["system-interference"],"start":"2018-06-01","committed_in":["DE"]}})j");
  r = Aiip({"legal", "assess", preservation, "--json", "--data", kData});
  answer = bj::parse(r.out).as_object();
  ASSERT_FALSE(answer.at("deadlines").as_array().empty());
  const bj::object& deadline = answer.at("deadlines").as_array()[0].as_object();
  EXPECT_EQ(deadline.at("deadline"), "preservation-minimum");
  EXPECT_EQ(deadline.at("date"), "2019-03-02");
}

TEST(LegalAssess, BadRequestExitsTwoNamingThePointer) {
  TempDir dir;
  const std::string bad =
      dir.Write("bad.json",
                R"j({"kind":"preservation","requesting_state":"US","requested_state":"DE","date":"2019-01-01",
                      "conduct":{"types":["system-interference"],"start":"2019-02-30","committed_in":["DE"]}})j");
  Outcome r = Aiip({"legal", "assess", bad, "--data", kData});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(Contains(r.err, "[field /conduct/start]")) << r.err;
  EXPECT_TRUE(r.out.empty());

  const std::string unknown =
      dir.Write("unknown.json",
                R"j({"kind":"preservation","requesting_state":"US","requested_state":"DE","date":"2019-01-01",
                          "conduct":{"types":["hacking"],"start":"2018-02-03","committed_in":["DE"]}})j");
  r = Aiip({"legal", "assess", unknown, "--data", kData});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(Contains(r.err, "[field /conduct/types/0]")) << r.err;

  r = Aiip({"legal", "assess", (dir.path() / "absent.json").string(), "--data", kData});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(Contains(r.err, "cannot read request file")) << r.err;

  r = Aiip({"legal", "assess", dir.Write("truncated.json", R"j({"kind":)j"), "--data", kData});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(Contains(r.err, "error: ")) << r.err;
}

TEST(LegalAssess, DataDirectoryRule) {
  TempDir dir;
  const std::string request = dir.Write("iloveyou.json", Iloveyou("2000-05-04", "2000-06-20"));
  // $AIIP_DATA_DIR/legal when set.
  Outcome r = Aiip({"legal", "assess", request}, {{"AIIP_DATA_DIR", std::string(AIIP_SOURCE_DIR) + "/data"}});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(r.out.starts_with("outcome: cannot-proceed")) << r.out;
  r = Aiip({"legal", "assess", request}, {{"AIIP_DATA_DIR", dir.path().string()}});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(Contains(r.err, "no legal reference data found")) << r.err;
  EXPECT_TRUE(Contains(r.err, (dir.path() / "legal").string())) << r.err;
  // Without it, the checkout's data/legal two levels above the build's bin/.
  r = Aiip({"legal", "assess", request});
  EXPECT_EQ(r.code, 1) << r.err;
  // Broken data names the file and the pointer.
  fs::create_directories(dir.path() / "broken");
  fs::copy(kData, dir.path() / "broken", fs::copy_options::recursive);
  std::ofstream(dir.path() / "broken" / "conduct.json")
      << R"j({"schema":"aiip.legal.conduct/1","conducts":7})j";
  r = Aiip({"legal", "assess", request, "--data", (dir.path() / "broken").string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(Contains(r.err, "conduct.json")) << r.err;
}

TEST(LegalHavens, MatrixShowsThePhilippinesBeforeAndAfterItsLaw) {
  Outcome before =
      Aiip({"legal", "havens", "--conduct", "data-interference", "--date", "2000-05-04", "--data", kData});
  EXPECT_EQ(before.code, 0) << before.err;
  EXPECT_TRUE(Contains(before.out, "Safe havens on 2000-05-04 (extradition threshold 12 months"))
      << before.out;
  std::istringstream lines(before.out);
  std::string header, row, line;
  while (std::getline(lines, line)) {
    if (line.starts_with("CONDUCT")) header = line;
    if (line.starts_with("data-interference")) row = line;
  }
  ASSERT_FALSE(header.empty()) << before.out;
  ASSERT_FALSE(row.empty()) << before.out;
  const size_t ph = header.find("PH");
  const size_t us = header.find("US");
  ASSERT_NE(ph, std::string::npos);
  EXPECT_EQ(row.substr(ph, 5), "HAVEN") << row;
  EXPECT_EQ(row.substr(us, 2), "ok") << row;
  for (const char* family : {"  preservation: ", "  assistance: ", "  extradition: "}) {
    EXPECT_TRUE(Contains(before.out, family)) << family;
  }
  // Before Budapest existed, no pair had a basis for preservation.
  EXPECT_TRUE(Contains(before.out, "DE-US")) << before.out;

  Outcome after =
      Aiip({"legal", "havens", "--conduct", "data-interference", "--date", "2001-05-04", "--data", kData});
  std::istringstream lines2(after.out);
  while (std::getline(lines2, line)) {
    if (line.starts_with("data-interference")) row = line;
  }
  EXPECT_NE(row.substr(ph, 5), "HAVEN") << row;
}

TEST(LegalHavens, JsonAndErrors) {
  Outcome r = Aiip({"legal", "havens", "--date", "2020-01-01", "--json", "--data", kData});
  ASSERT_EQ(r.code, 0) << r.err;
  auto havens = bj::parse(r.out).as_object();
  EXPECT_EQ(havens.at("date"), "2020-01-01");
  EXPECT_EQ(havens.at("conducts").as_array().size(), 14u);
  EXPECT_FALSE(havens.at("pairs").as_array().empty());
  const bj::object& pair = havens.at("pairs").as_array()[0].as_object();
  for (const char* key : {"a", "b", "preservation", "assistance", "extradition"})
    EXPECT_TRUE(pair.contains(key));

  r = Aiip({"legal", "havens", "--conduct", "hacking", "--data", kData});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(Contains(r.err, "[field --conduct]")) << r.err;
  r = Aiip({"legal", "havens", "--date", "2020-02-30", "--data", kData});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(Contains(r.err, "[field --date]")) << r.err;
}

}  // namespace
}  // namespace aiip::cli
