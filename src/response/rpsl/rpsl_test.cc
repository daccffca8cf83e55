#include "response/rpsl/rpsl.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "response/rpsl/abuse_directory.h"

namespace aiip::rpsl {
namespace {

namespace fs = std::filesystem;
using attribution::IpAddress;
using attribution::Prefix;

const fs::path kData = fs::path(AIIP_SOURCE_DIR) / "tests/data/rpsl";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::vector<std::string> Split(const std::string& line, const std::string& sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t at = line.find(sep, start);
    out.push_back(Trim(line.substr(start, at == std::string::npos ? std::string::npos : at - start)));
    if (at == std::string::npos) break;
    start = at + sep.size();
  }
  return out;
}

std::vector<fs::path> DataFiles() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kData)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("ripe.db.") || name == "malformed.db") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct Parsed {
  std::vector<Object> objects;
  std::vector<Issue> issues;
};

Parsed ReadAll(std::string_view text, ClassFilter want = {}, AttributeFilter keep = {}) {
  Parsed out;
  Reader reader(
      "t.db", [&](const Object& o) { out.objects.push_back(o); },
      [&](const Issue& i) { out.issues.push_back(i); }, std::move(want), std::move(keep));
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    reader.Line(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  reader.Finish();
  return out;
}

TEST(RpslReader, JoinsContinuationLinesAndDropsComments) {
  const Parsed p = ReadAll(
      "# header comment\n"
      "% query comment\n"
      "\n"
      "Role:    Some Role   # trailing comment\r\n"
      "address: line one\n"
      "         line two\n"
      "+\n"
      "+        line three\n"
      "\tline four\n"
      "nic-hdl: AB1-TEST\n"
      "   \n"
      "\n\n"
      "mntner: M\n");
  ASSERT_TRUE(p.issues.empty()) << p.issues[0].ToString();
  ASSERT_EQ(p.objects.size(), 2u);
  const Object& role = p.objects[0];
  EXPECT_EQ(role.class_name, "role");
  EXPECT_EQ(role.key, "Some Role");
  EXPECT_EQ(role.line, 4u);
  ASSERT_NE(role.Find("address"), nullptr);
  EXPECT_EQ(role.Find("address")->value, "line one line two line three line four");
  EXPECT_EQ(role.Find("nic-hdl")->line, 10u);
  EXPECT_EQ(p.objects[1].class_name, "mntner");
}

TEST(RpslReader, FiltersClassesAndAttributes) {
  const Parsed p = ReadAll(
      "person: P\nnic-hdl: P1\n\nrole: R\nnic-hdl: R1\nphone: 1\n",
      [](std::string_view c) { return c == "role"; },
      [](std::string_view, std::string_view a) { return a == "nic-hdl"; });
  ASSERT_EQ(p.objects.size(), 1u);
  ASSERT_EQ(p.objects[0].attributes.size(), 2u);  // the class attribute is always kept
  EXPECT_EQ(p.objects[0].attributes[1].name, "nic-hdl");
}

TEST(RpslReader, MalformedObjectIsSkippedUntilTheBlankLine) {
  const Parsed p = ReadAll("role: A\nbroken line\nnic-hdl: A1\n\nrole: B\nnic-hdl: B1\n");
  ASSERT_EQ(p.issues.size(), 1u);
  EXPECT_EQ(p.issues[0].ToString(), "t.db:2: missing ':' after the attribute name in 'broken line'");
  ASSERT_EQ(p.objects.size(), 1u);
  EXPECT_EQ(p.objects[0].key, "B");
}

TEST(RpslReader, IssueMessagesEscapeBytes) {
  const Parsed p =
      ReadAll(std::string("ro\x01"
                          "le: x\n"));
  ASSERT_EQ(p.issues.size(), 1u);
  EXPECT_EQ(p.issues[0].message, "invalid attribute name 'ro\\x01le'");
}

AbuseDirectory LoadAll(const std::vector<fs::path>& files, LoadReport* report) {
  AbuseDirectoryBuilder builder;
  for (const fs::path& f : files) EXPECT_TRUE(builder.AddFile(f.string()).ok()) << f;
  *report = builder.report();
  return builder.Build();
}

std::string Describe(const std::optional<AbuseAnswer>& a) {
  if (!a) return "-";
  std::string chain;
  for (const std::string& c : a->chain) chain += (chain.empty() ? "" : " > ") + c;
  return a->mailbox + " | " + std::string(AbuseViaName(a->via)) + " | " + (a->inherited ? "yes" : "no") +
         " | " + chain;
}

void CheckQueries(const AbuseDirectory& directory) {
  std::istringstream cases(ReadFile(kData / "queries.cases"));
  std::string line;
  int checked = 0;
  while (std::getline(cases, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string> f = Split(line, "|");
    ASSERT_EQ(f.size(), 5u) << line;
    std::optional<AbuseAnswer> answer;
    if (f[0].starts_with("AS")) {
      answer = directory.ForAsn(static_cast<uint32_t>(std::stoul(f[0].substr(2))));
    } else if (f[0].find('/') != std::string::npos) {
      auto prefix = Prefix::Parse(f[0]);
      ASSERT_TRUE(prefix.has_value()) << line;
      answer = directory.ForPrefix(*prefix);
    } else {
      auto address = IpAddress::Parse(f[0]);
      ASSERT_TRUE(address.has_value()) << line;
      answer = directory.ForAddress(*address);
    }
    const std::string expected = f[1] == "-" ? "-" : f[1] + " | " + f[2] + " | " + f[3] + " | " + f[4];
    EXPECT_EQ(Describe(answer), expected) << "query " << f[0];
    ++checked;
  }
  EXPECT_GE(checked, 30);
}

TEST(AbuseDirectory, AnswersTheCasesFromTheSplitFiles) {
  LoadReport report;
  const AbuseDirectory directory = LoadAll(DataFiles(), &report);
  EXPECT_EQ(directory.aut_nums(), 9u);
  EXPECT_EQ(directory.inetnums(), 7u);
  EXPECT_EQ(directory.inet6nums(), 3u);
  EXPECT_EQ(directory.roles(), 5u);
  EXPECT_EQ(directory.organisations(), 4u);
  EXPECT_EQ(directory.irts(), 2u);
  EXPECT_EQ(report.malformed, 13u);
  EXPECT_EQ(report.duplicates, 0u);
  CheckQueries(directory);
}

TEST(AbuseDirectory, ReportsEachMalformedObjectWithFileAndLine) {
  AbuseDirectoryBuilder builder;
  const std::string path = (kData / "malformed.db").string();
  ASSERT_TRUE(builder.AddFile(path).ok());
  const LoadReport& report = builder.report();
  std::istringstream expected(ReadFile(kData / "malformed.issues"));
  std::string line;
  size_t i = 0;
  while (std::getline(expected, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string> f = Split(line, "|");
    ASSERT_LT(i, report.issues.size()) << "missing issue for " << line;
    const Issue& issue = report.issues[i++];
    EXPECT_EQ(issue.source, path);
    EXPECT_EQ(issue.line, std::stoul(f[0])) << issue.ToString();
    EXPECT_NE(issue.message.find(f[1]), std::string::npos) << issue.ToString();
    EXPECT_TRUE(issue.ToString().starts_with(path + ":" + f[0] + ": ")) << issue.ToString();
  }
  EXPECT_EQ(i, report.issues.size());
  EXPECT_EQ(report.issue_count, report.issues.size());
  EXPECT_EQ(report.malformed, report.issue_count);
  EXPECT_EQ(report.kept, 3u);  // 100.64.0.0/24, role LAST1-RIPE, AS64508
}

fs::path TempDir() {
  fs::path dir = fs::temp_directory_path() / ("rpsl_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

TEST(AbuseDirectory, ReadsGzipDumpsInAnyOrder) {
  const fs::path dir = TempDir();
  std::vector<fs::path> gz;
  for (const fs::path& f : DataFiles()) {
    const fs::path out = dir / (f.filename().string() + ".gz");
    gzFile z = gzopen(out.c_str(), "wb");
    ASSERT_NE(z, nullptr);
    const std::string text = ReadFile(f);
    ASSERT_EQ(gzwrite(z, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
    gzclose(z);
    gz.push_back(out);
  }
  std::reverse(gz.begin(), gz.end());  // roles and organisations after the objects using them
  LoadReport report;
  const AbuseDirectory directory = LoadAll(gz, &report);
  EXPECT_EQ(report.malformed, 13u);
  CheckQueries(directory);
  fs::remove_all(dir);
}

TEST(AbuseDirectory, OverlongLineSpoilsOnlyItsObject) {
  const fs::path dir = TempDir();
  const fs::path file = dir / "long.db";
  {
    std::ofstream out(file, std::ios::binary);
    out << "role: R\nremarks: " << std::string(200000, 'x')
        << "\nnic-hdl: R1-RIPE\nabuse-mailbox: r@x.example\n\n";
    out << "role: S\nnic-hdl: S1-RIPE\nabuse-mailbox: s@x.example\n\naut-num: AS1\nabuse-c: S1-RIPE\n";
  }
  AbuseDirectoryBuilder builder;
  ASSERT_TRUE(builder.AddFile(file.string()).ok());
  ASSERT_EQ(builder.report().issues.size(), 1u);
  EXPECT_EQ(builder.report().issues[0].line, 2u);
  EXPECT_NE(builder.report().issues[0].message.find("line longer than"), std::string::npos);
  const AbuseDirectory directory = builder.Build();
  EXPECT_EQ(directory.roles(), 1u);
  ASSERT_TRUE(directory.ForAsn(1).has_value());
  EXPECT_EQ(directory.ForAsn(1)->mailbox, "s@x.example");
  fs::remove_all(dir);
}

TEST(AbuseDirectory, LaterDuplicateReplacesEarlier) {
  AbuseDirectoryBuilder builder;
  builder.AddText("a.db",
                  "role: A\nnic-hdl: X1\nabuse-mailbox: old@x.example\n\naut-num: AS7\nabuse-c: x1\n");
  builder.AddText("b.db", "role: A\nnic-hdl: X1\nabuse-mailbox: new@x.example\n\naut-num: as7\norg: O\n");
  EXPECT_EQ(builder.report().duplicates, 2u);
  const AbuseDirectory directory = builder.Build();
  EXPECT_FALSE(directory.ForAsn(7).has_value());  // the later aut-num has only a dangling org
}

TEST(AbuseDirectory, MissingFileIsNotFound) {
  AbuseDirectoryBuilder builder;
  const Status s = builder.AddFile((kData / "does-not-exist.db").string());
  EXPECT_EQ(s.code(), Code::kNotFound);
}

}  // namespace
}  // namespace aiip::rpsl
