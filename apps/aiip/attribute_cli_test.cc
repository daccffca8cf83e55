// Tests of `aiip attribute`, run in-process on a location database the test writes with
// libloc's own writer, and on small address files.

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "aiip/cli.h"
#include "response/attribution/libloc_c.h"

namespace aiip::cli {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome Aiip(std::vector<std::string> args) {
  args.insert(args.begin(), "aiip");
  std::vector<const char*> argv;
  for (const auto& arg : args) argv.push_back(arg.c_str());
  std::ostringstream out, err;
  EnvLookup no_env = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  const int code = RunCli(static_cast<int>(argv.size()), argv.data(), out, err, no_env);
  return {code, out.str(), err.str()};
}

struct Network {
  const char* prefix;
  uint32_t asn;
  const char* country;
  bool anycast = false;
};

class AttributeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("aiip_attribute_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    db_ = (dir_ / "location.db").string();
    WriteDb(db_,
            {{"192.0.2.0/24", 64496, "DE", true},
             {"192.0.2.128/25", 64497, "FR"},
             {"198.51.100.0/24", 64497, "FR"},
             {"203.0.113.0/24", 0, "NL"},
             {"2001:db8::/32", 64496, "DE"}},
            {{64496, "Example\x1b[31m Net"}, {64497, "Other Net"}});
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void WriteDb(const std::string& path, const std::vector<Network>& networks,
                      const std::map<uint32_t, std::string>& names) {
    loc_ctx* ctx = nullptr;
    ASSERT_EQ(loc_new(&ctx), 0);
    loc_writer* writer = nullptr;
    ASSERT_EQ(loc_writer_new(ctx, &writer, nullptr, nullptr), 0);
    ASSERT_EQ(loc_writer_set_vendor(writer, "AIIP CLI Test"), 0);
    for (const auto& [number, name] : names) {
      loc_as* as = nullptr;
      ASSERT_EQ(loc_writer_add_as(writer, &as, number), 0);
      ASSERT_EQ(loc_as_set_name(as, name.c_str()), 0);
      loc_as_unref(as);
    }
    for (const Network& n : networks) {
      loc_network* network = nullptr;
      ASSERT_EQ(loc_writer_add_network(writer, &network, n.prefix), 0);
      if (n.asn != 0) {
        ASSERT_EQ(loc_network_set_asn(network, n.asn), 0);
      }
      ASSERT_EQ(loc_network_set_country_code(network, n.country), 0);
      if (n.anycast) {
        ASSERT_EQ(loc_network_set_flag(network, LOC_NETWORK_FLAG_ANYCAST), 0);
      }
      loc_network_unref(network);
    }
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(loc_writer_write(writer, f, LOC_DATABASE_VERSION_1), 0);
    std::fclose(f);
    loc_writer_unref(writer);
    loc_unref(ctx);
  }

  std::string Write(const std::string& name, const std::string& content) const {
    std::ofstream(dir_ / name) << content;
    return (dir_ / name).string();
  }

  fs::path dir_;
  std::string db_;
};

TEST_F(AttributeCli, PrintsOneLinePerAddress) {
  const std::string input = Write("in.txt",
                                  "# sources\n"
                                  "192.0.2.1\n"
                                  "192.0.2.200\n"
                                  "\n"
                                  "203.0.113.5, 53, udp\n"
                                  "2001:db8::7\n"
                                  "::ffff:198.51.100.1\n"
                                  "10.0.0.1\n");
  const Outcome r = Aiip({"attribute", "--db", db_, input});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::istringstream lines(r.out);
  std::string first;
  std::getline(lines, first);
  EXPECT_EQ(first.rfind("# dataset aiip-cli-test/", 0), 0u) << first;
  std::string rest((std::istreambuf_iterator<char>(lines)), std::istreambuf_iterator<char>());
  // The AS name's escape sequence is shown escaped, never sent to the terminal.
  EXPECT_EQ(rest,
            "ADDRESS              NETWORK          AS     AS NAME              COUNTRY\n"
            "192.0.2.1            192.0.2.0/24     64496  Example\\x1b[31m Net  DE\n"
            "192.0.2.200          192.0.2.128/25   64497  Other Net            FR\n"
            "203.0.113.5          203.0.113.0/24   -      -                    NL\n"
            "2001:db8::7          2001:db8::/32    64496  Example\\x1b[31m Net  DE\n"
            "::ffff:198.51.100.1  198.51.100.0/24  64497  Other Net            FR\n"
            "10.0.0.1             -                -      -                    -\n");
}

TEST_F(AttributeCli, JsonNamesTheDataset) {
  const std::string input = Write("in.txt", "192.0.2.1\n10.0.0.1\n");
  const Outcome r = Aiip({"attribute", "--json", "--db", db_, "--at", "2100-01-01T00:00:00Z", input});
  ASSERT_EQ(r.code, 0) << r.err;
  const bj::object doc = bj::parse(r.out).as_object();
  EXPECT_EQ(doc.at("at"), "2100-01-01T00:00:00.000Z");
  const std::string id(doc.at("dataset").at("id").as_string());
  EXPECT_EQ(id.rfind("aiip-cli-test/", 0), 0u);
  EXPECT_EQ(doc.at("dataset").at("source").as_string(), fs::absolute(db_).lexically_normal().string());
  const bj::array& results = doc.at("results").as_array();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0], (bj::object{{"line", 1},
                                    {"address", "192.0.2.1"},
                                    {"network", "192.0.2.0/24"},
                                    {"asn", 64496},
                                    {"as_name", "Example\x1b[31m Net"},
                                    {"country", "DE"},
                                    {"flags", bj::array{"anycast"}},
                                    {"dataset", id}}));
  EXPECT_EQ(results[1], (bj::object{{"line", 2},
                                    {"address", "10.0.0.1"},
                                    {"network", nullptr},
                                    {"asn", nullptr},
                                    {"as_name", nullptr},
                                    {"country", nullptr},
                                    {"flags", bj::array()},
                                    {"dataset", id}}));
}

TEST_F(AttributeCli, SummaryCountsPerAsAndCountry) {
  const std::string input =
      Write("in.csv",
            "src,dst\n192.0.2.1,x\n192.0.2.2,x\n192.0.2.129,x\n198.51.100.9,x\n203.0.113.1,x\n10.1.1.1,x\n");
  const Outcome r = Aiip({"attribute", "--summary", "--db", db_, input});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string body = r.out.substr(r.out.find('\n') + 1);
  EXPECT_EQ(body,
            "# 6 addresses, 1 in no announced network\n"
            "AS     AS NAME              ADDRESSES\n"
            "64496  Example\\x1b[31m Net  2\n"
            "64497  Other Net            2\n"
            "-      (no origin AS)       1\n"
            "\n"
            "COUNTRY  ADDRESSES\n"
            "DE       2\n"
            "FR       2\n"
            "NL       1\n");

  const Outcome j = Aiip({"attribute", "--summary", "--json", "--db", db_, input});
  ASSERT_EQ(j.code, 0) << j.err;
  const bj::object summary = bj::parse(j.out).at("summary").as_object();
  EXPECT_EQ(summary.at("addresses"), 6);
  EXPECT_EQ(summary.at("unattributed"), 1);
  EXPECT_EQ(summary.at("by_as").as_array()[0],
            (bj::object{{"asn", 64496}, {"as_name", "Example\x1b[31m Net"}, {"count", 2}}));
  EXPECT_EQ(summary.at("by_as").as_array()[2],
            (bj::object{{"asn", nullptr}, {"as_name", nullptr}, {"count", 1}}));
  EXPECT_EQ(summary.at("by_country").as_array()[2], (bj::object{{"country", "NL"}, {"count", 1}}));
}

TEST_F(AttributeCli, BadLinesAreReportedSkippedAndExitOne) {
  const std::string input = Write("in.txt", "192.0.2.1\nnot-an-ip\n192.0.2.300\n198.51.100.1\n");
  const Outcome r = Aiip({"attribute", "--db", db_, input});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, input + ":2: not an IPv4 or IPv6 address: 'not-an-ip'\n" + input +
                       ":3: not an IPv4 or IPv6 address: '192.0.2.300'\n2 line(s) skipped\n");
  EXPECT_NE(r.out.find("192.0.2.1  "), std::string::npos);
  EXPECT_NE(r.out.find("198.51.100.1  "), std::string::npos);
}

TEST_F(AttributeCli, NoDatasetValidAtTheTime) {
  const std::string input = Write("in.txt", "192.0.2.1\n");
  const Outcome r = Aiip({"attribute", "--db", db_, "--at", "2000-01-01T00:00:00Z", input});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("error: no location database given is valid at 2000-01-01T00:00:00.000Z"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(AttributeCli, UsageErrors) {
  const std::string input = Write("in.txt", "192.0.2.1\n");
  EXPECT_EQ(Aiip({"attribute", "--db", db_, "--at", "yesterday", input}).code, 2);
  EXPECT_EQ(Aiip({"attribute", "--db", (dir_ / "missing.db").string(), input}).code, 2);
  EXPECT_EQ(Aiip({"attribute", "--db", db_, (dir_ / "missing.txt").string()}).code, 2);
  const Outcome bad_db = Aiip({"attribute", "--db", input, input});
  EXPECT_EQ(bad_db.code, 2);
  EXPECT_NE(bad_db.err.find("libloc cannot open it"), std::string::npos) << bad_db.err;
}

}  // namespace
}  // namespace aiip::cli
