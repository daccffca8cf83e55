// Tests of the attribution engine: addresses and address lists, the hand-written edge cases
// of tests/data/attribution/ (against the expected answers, and against libloc itself on a
// database written from the same networks), dataset versions, and a sample of the real
// location database compared answer by answer with libloc's own lookup.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "common/time.h"
#include "response/attribution/address.h"
#include "response/attribution/address_list.h"
#include "response/attribution/dataset.h"
#include "response/attribution/libloc_c.h"
#include "response/attribution/libloc_loader.h"
#include "response/attribution/table.h"

namespace aiip::attribution {
namespace {

namespace fs = std::filesystem;

const fs::path kDataDir = fs::path(AIIP_SOURCE_DIR) / "tests/data/attribution";

IpAddress Addr(std::string_view text) {
  auto a = IpAddress::Parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress());
}

Prefix Net(std::string_view text) {
  auto p = Prefix::Parse(text);
  EXPECT_TRUE(p.has_value()) << text << ": " << (p ? "" : p.error().ToString());
  return p.value_or(Prefix{});
}

// "PREFIX ASN COUNTRY [FLAG...]" (country "-" when none) or "none", as the case files
// write answers.
std::string Describe(const Table& table, Answer answer) {
  if (!answer.found()) return "none";
  const NetworkInfo n = table.network(answer.network);
  std::string out = n.prefix.ToString() + " " + std::to_string(n.asn) + " " +
                    (n.country.empty() ? "-" : std::string(n.country));
  for (std::string_view flag : FlagNames(n.flags)) out += " " + std::string(flag);
  return out;
}

// The same description of libloc's answer for `address`.
std::string DescribeLibloc(loc_database* db, const IpAddress& address) {
  in6_addr in6{};
  const Uint128 bits = address.is_v4() ? (Uint128{0xffff} << 32) | address.v4() : address.v6();
  for (int i = 0; i < 16; ++i) in6.s6_addr[i] = static_cast<uint8_t>(bits >> (8 * (15 - i)));
  loc_network* network = nullptr;
  const int r = loc_database_lookup(db, &in6, &network);
  if (r < 0) return "libloc error " + std::to_string(r);
  if (network == nullptr) return "none";
  const char* cc = loc_network_get_country_code(network);
  std::string out = std::string(loc_network_str(network)) + " " +
                    std::to_string(loc_network_get_asn(network)) + " " +
                    (cc == nullptr || *cc == '\0' ? "-" : cc);
  if (loc_network_has_flag(network, LOC_NETWORK_FLAG_ANONYMOUS_PROXY)) out += " anonymous-proxy";
  if (loc_network_has_flag(network, LOC_NETWORK_FLAG_SATELLITE_PROVIDER)) out += " satellite-provider";
  if (loc_network_has_flag(network, LOC_NETWORK_FLAG_ANYCAST)) out += " anycast";
  if (loc_network_has_flag(network, LOC_NETWORK_FLAG_DROP)) out += " drop";
  loc_network_unref(network);
  return out;
}

std::vector<std::string> ReadLines(const fs::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    lines.push_back(line);
  }
  return lines;
}

struct NetworkLine {
  std::string prefix;
  uint32_t asn = 0;
  std::string country;  // "" for none
  uint8_t flags = 0;
};

uint8_t FlagOf(const std::string& name) {
  for (uint8_t bit = 1; bit != 0 && bit <= kDrop; bit = static_cast<uint8_t>(bit << 1)) {
    if (FlagNames(bit).front() == name) return bit;
  }
  ADD_FAILURE() << "unknown flag " << name;
  return 0;
}

struct Dataset {
  std::vector<NetworkLine> networks;
  std::vector<std::pair<uint32_t, std::string>> ases;
  std::vector<std::pair<std::string, std::string>> cases;  // address, expected
};

Dataset ReadDataset(const std::string& name) {
  Dataset d;
  for (const auto& line : ReadLines(kDataDir / (name + ".networks"))) {
    std::istringstream in(line);
    NetworkLine n;
    in >> n.prefix >> n.asn >> n.country;
    EXPECT_FALSE(in.fail()) << line;
    if (n.country == "-") n.country.clear();
    for (std::string flag; in >> flag;) n.flags |= FlagOf(flag);
    d.networks.push_back(n);
  }
  for (const auto& line : ReadLines(kDataDir / (name + ".ases"))) {
    std::istringstream in(line);
    uint32_t number = 0;
    in >> number >> std::ws;
    std::string rest;
    std::getline(in, rest);
    d.ases.emplace_back(number, rest);
  }
  for (const auto& line : ReadLines(kDataDir / (name + ".cases"))) {
    std::istringstream in(line);
    std::string address;
    in >> address >> std::ws;
    std::string expected;
    std::getline(in, expected);
    expected = expected.substr(0, expected.find_last_not_of(" \t\r") + 1);
    // Words separated by single spaces.
    std::istringstream words(expected);
    std::string normalized;
    for (std::string word; words >> word;) normalized += (normalized.empty() ? "" : " ") + word;
    d.cases.emplace_back(address, normalized);
  }
  return d;
}

Table BuildTable(const Dataset& d) {
  TableBuilder builder;
  for (const auto& [number, name] : d.ases) builder.AddAs(number, name);
  for (const auto& n : d.networks) {
    EXPECT_TRUE(builder.AddNetwork(Net(n.prefix), n.asn, n.country, n.flags).ok()) << n.prefix;
  }
  auto table = builder.Build();
  EXPECT_TRUE(table.has_value()) << (table ? "" : table.error().ToString());
  return std::move(table).value();
}

// libloc logs to stderr; the mapped_space case makes it complain on purpose.
void Quiet(loc_ctx* ctx) {
  loc_set_log_fn(ctx, [](loc_ctx*, int, const char*, int, const char*, const char*, va_list) {});
}

// A file removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& name)
      : path_(fs::temp_directory_path() / ("aiip_attr_" + std::to_string(::getpid()) + "_" + name)) {}
  ~TempFile() { fs::remove(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Writes `d` as a libloc database with libloc's own writer.
void WriteLocationDb(const Dataset& d, const fs::path& path) {
  loc_ctx* ctx = nullptr;
  ASSERT_EQ(loc_new(&ctx), 0);
  loc_writer* writer = nullptr;
  ASSERT_EQ(loc_writer_new(ctx, &writer, nullptr, nullptr), 0);
  ASSERT_EQ(loc_writer_set_vendor(writer, "AIIP Test Data"), 0);
  for (const auto& [number, name] : d.ases) {
    loc_as* as = nullptr;
    ASSERT_EQ(loc_writer_add_as(writer, &as, number), 0);
    ASSERT_EQ(loc_as_set_name(as, name.c_str()), 0);
    loc_as_unref(as);
  }
  for (const auto& n : d.networks) {
    loc_network* network = nullptr;
    ASSERT_EQ(loc_writer_add_network(writer, &network, n.prefix.c_str()), 0) << n.prefix;
    if (n.asn != 0) {
      ASSERT_EQ(loc_network_set_asn(network, n.asn), 0);
    }
    if (!n.country.empty()) {
      ASSERT_EQ(loc_network_set_country_code(network, n.country.c_str()), 0);
    }
    const std::pair<uint8_t, loc_network_flags> flags[] = {
        {kAnonymousProxy, LOC_NETWORK_FLAG_ANONYMOUS_PROXY},
        {kSatelliteProvider, LOC_NETWORK_FLAG_SATELLITE_PROVIDER},
        {kAnycast, LOC_NETWORK_FLAG_ANYCAST},
        {kDrop, LOC_NETWORK_FLAG_DROP}};
    for (const auto& [ours, theirs] : flags) {
      if (n.flags & ours) {
        ASSERT_EQ(loc_network_set_flag(network, theirs), 0);
      }
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

// libloc's reader for the file at `path`.
class LiblocDb {
 public:
  explicit LiblocDb(const std::string& path) {
    loc_new(&ctx_);
    Quiet(ctx_);
    file_ = std::fopen(path.c_str(), "r");
    if (file_ != nullptr && loc_database_new(ctx_, &db_, file_) != 0) db_ = nullptr;
  }
  ~LiblocDb() {
    if (db_ != nullptr) loc_database_unref(db_);
    if (file_ != nullptr) std::fclose(file_);
    loc_unref(ctx_);
  }
  LiblocDb(const LiblocDb&) = delete;
  LiblocDb& operator=(const LiblocDb&) = delete;
  loc_database* get() const { return db_; }

 private:
  loc_ctx* ctx_ = nullptr;
  FILE* file_ = nullptr;
  loc_database* db_ = nullptr;
};

// ------------------------------------------------------------------ addresses

TEST(Address, ParsesAndFormatsBothFamilies) {
  EXPECT_EQ(Addr("192.0.2.1").v4(), 0xc0000201u);
  EXPECT_EQ(Addr("192.0.2.1").ToString(), "192.0.2.1");
  EXPECT_EQ(Addr("2001:DB8:0:0::1").ToString(), "2001:db8::1");
  EXPECT_EQ(Addr("::ffff:1.2.3.4").MappedV4(), 0x01020304u);
  EXPECT_EQ(Addr("::1.2.3.4").MappedV4(), std::nullopt);
  EXPECT_EQ(Addr("1.2.3.4").MappedV4(), std::nullopt);
  for (std::string_view bad : std::vector<std::string_view>{
           "", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", " 1.2.3.4", "fe80::1%eth0", "[::1]",
           "1:2:3:4:5:6:7:8:9", "2001:db8::g", std::string_view("1.2.3.4\0", 8)}) {
    auto a = IpAddress::Parse(bad);
    ASSERT_FALSE(a.has_value()) << bad;
    EXPECT_EQ(a.error().type(), "invalid-address");
  }
}

TEST(Address, PrefixesRequireZeroHostBits) {
  EXPECT_EQ(Net("10.0.0.0/8").ToString(), "10.0.0.0/8");
  EXPECT_EQ(Net("::/0").last(), ~Uint128{0});
  EXPECT_EQ(Net("0.0.0.0/0").last(), 0xffffffffu);
  EXPECT_TRUE(Net("2001:db8::/32").Contains(Addr("2001:db8:ffff::1")));
  EXPECT_FALSE(Net("2001:db8::/32").Contains(Addr("2001:db9::")));
  for (std::string_view bad : {"10.0.0.1/8", "10.0.0.0/33", "::/129", "10.0.0.0", "10.0.0.0/", "10.0.0.0/-1",
                               "10.0.0.0/8x", "x/8"}) {
    auto p = Prefix::Parse(bad);
    ASSERT_FALSE(p.has_value()) << bad;
    EXPECT_EQ(p.error().type(), "invalid-prefix") << bad;
  }
}

// ------------------------------------------------------------------ address lists

TEST(AddressList, ReadsTextAndCsvAndReportsBadLines) {
  const AddressList list = ParseAddressList(
      "src,port\n"
      "192.0.2.1\n"
      "  2001:db8::1  # a comment\r\n"
      "\n"
      "# only a comment\n"
      "\"198.51.100.7\",443,tcp\n"
      "not-an-address\n"
      "10.0.0.1 10.0.0.2\n"
      "\x1b[31m\n"
      "203.0.113.9");
  EXPECT_TRUE(list.header_skipped);
  ASSERT_EQ(list.addresses.size(), 4u);
  EXPECT_EQ(list.addresses[0].line, 2u);
  EXPECT_EQ(list.addresses[1].address, Addr("2001:db8::1"));
  EXPECT_EQ(list.addresses[1].line, 3u);
  EXPECT_EQ(list.addresses[2].address, Addr("198.51.100.7"));
  EXPECT_EQ(list.addresses[3].line, 10u);
  ASSERT_EQ(list.errors.size(), 3u);
  EXPECT_EQ(list.errors[0].line, 7u);
  EXPECT_EQ(list.errors[0].message, "not an IPv4 or IPv6 address: 'not-an-address'");
  EXPECT_EQ(list.errors[1].line, 8u);
  EXPECT_EQ(list.errors[2].message, "not an IPv4 or IPv6 address: '\\x1b[31m'");
}

TEST(AddressList, HeaderOnlyOnTheFirstDataLine) {
  const AddressList list = ParseAddressList("# c\n192.0.2.1,a\naddress,b\n");
  EXPECT_FALSE(list.header_skipped);
  ASSERT_EQ(list.errors.size(), 1u);
  EXPECT_EQ(list.errors[0].line, 3u);
  EXPECT_TRUE(ParseAddressList("").addresses.empty());
}

// ------------------------------------------------------------------ hand-written edge cases

class EdgeCases : public ::testing::TestWithParam<std::string> {};

TEST_P(EdgeCases, TableAnswersEveryCase) {
  const Dataset d = ReadDataset(GetParam());
  ASSERT_FALSE(d.cases.empty());
  const Table table = BuildTable(d);
  EXPECT_EQ(table.network_count(), d.networks.size());
  std::vector<uint32_t> v4;
  std::vector<Uint128> v6;
  std::vector<std::string> v4_expected, v6_expected;
  for (const auto& [address, expected] : d.cases) {
    const IpAddress a = Addr(address);
    EXPECT_EQ(Describe(table, table.Lookup(a)), expected) << address;
    (a.is_v4() ? v4_expected : v6_expected).push_back(expected);
    if (a.is_v4()) {
      v4.push_back(a.v4());
    } else {
      v6.push_back(a.v6());
    }
  }
  // The batched lookups give the same answers, also for a batch longer than one group.
  for (int copies : {1, 5}) {
    std::vector<uint32_t> many4;
    std::vector<Uint128> many6;
    for (int c = 0; c < copies; ++c) {
      many4.insert(many4.end(), v4.begin(), v4.end());
      many6.insert(many6.end(), v6.begin(), v6.end());
    }
    std::vector<Answer> out4(many4.size()), out6(many6.size());
    table.LookupBatch(std::span<const uint32_t>(many4), out4);
    table.LookupBatch(std::span<const Uint128>(many6), out6);
    for (size_t i = 0; i < many4.size(); ++i) {
      EXPECT_EQ(Describe(table, out4[i]), v4_expected[i % v4.size()]) << IpAddress::V4(many4[i]).ToString();
    }
    for (size_t i = 0; i < many6.size(); ++i) {
      EXPECT_EQ(Describe(table, out6[i]), v6_expected[i % v6.size()]) << IpAddress::V6(many6[i]).ToString();
    }
  }
}

TEST_P(EdgeCases, LiblocAgreesOnADatabaseWrittenFromTheSameNetworks) {
  const Dataset d = ReadDataset(GetParam());
  TempFile file(GetParam() + ".db");
  WriteLocationDb(d, file.path());
  LiblocDb libloc(file.path());
  ASSERT_NE(libloc.get(), nullptr);
  auto loaded = LoadLocationDb(file.path());
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  EXPECT_EQ(loaded->info.vendor, "AIIP Test Data");
  EXPECT_EQ(loaded->stats.v4_networks + loaded->stats.v6_networks, d.networks.size());
  const Table& table = *loaded->table;
  for (const auto& [address, expected] : d.cases) {
    EXPECT_EQ(DescribeLibloc(libloc.get(), Addr(address)), expected) << "libloc, " << address;
    EXPECT_EQ(Describe(table, table.Lookup(Addr(address))), expected) << "loaded table, " << address;
  }
  // Every network's first and last address and their neighbours.
  for (size_t i = 0; i < table.network_count(); ++i) {
    const Prefix p = table.network(static_cast<NetworkIndex>(i)).prefix;
    const Uint128 max = p.address.is_v4() ? 0xffffffffu : ~Uint128{0};
    for (Uint128 bits : {p.address.bits() - 1, p.address.bits(), p.last(), p.last() + 1}) {
      if (bits > max) continue;
      const IpAddress a =
          p.address.is_v4() ? IpAddress::V4(static_cast<uint32_t>(bits)) : IpAddress::V6(bits);
      EXPECT_EQ(Describe(table, table.Lookup(a)), DescribeLibloc(libloc.get(), a)) << a.ToString();
    }
  }
  // AS names come through.
  for (size_t i = 0; i < table.as_count(); ++i) {
    const AsInfo as = table.as(static_cast<uint32_t>(i));
    auto named =
        std::find_if(d.ases.begin(), d.ases.end(), [&](const auto& e) { return e.first == as.number; });
    EXPECT_EQ(as.name, named == d.ases.end() ? "" : named->second) << as.number;
  }
}

INSTANTIATE_TEST_SUITE_P(Files, EdgeCases, ::testing::Values("edges", "mapped_space"));

TEST(TableBuilder, RejectsDuplicatesAndBadCountries) {
  TableBuilder builder;
  ASSERT_TRUE(builder.AddNetwork(Net("10.0.0.0/8"), 1, "DE").ok());
  ASSERT_TRUE(builder.AddNetwork(Net("::ffff:10.0.0.0/104"), 2, "FR").ok());
  auto table = builder.Build();
  ASSERT_FALSE(table.has_value());
  EXPECT_EQ(table.error().type(), "duplicate-network");
  EXPECT_NE(table.error().detail().find("10.0.0.0/8"), std::string::npos);
  for (std::string_view bad : {"D", "DEU", "D-", "\n\n"}) {
    Status s = builder.AddNetwork(Net("10.0.0.0/8"), 1, bad);
    EXPECT_EQ(s.type(), "invalid-country") << bad;
  }
}

TEST(TableBuilder, EmptyTableAnswersNone) {
  TableBuilder builder;
  auto table = builder.Build();
  ASSERT_TRUE(table.has_value());
  EXPECT_FALSE(table->Lookup(Addr("1.2.3.4")).found());
  EXPECT_FALSE(table->Lookup(Addr("2001:db8::1")).found());
  EXPECT_FALSE(table->Lookup(Addr("::ffff:1.2.3.4")).found());
}

// ------------------------------------------------------------------ dataset versions

std::shared_ptr<const Table> OneNetwork(std::string_view prefix, uint32_t asn) {
  TableBuilder builder;
  EXPECT_TRUE(builder.AddNetwork(Net(prefix), asn, "").ok());
  return std::make_shared<const Table>(std::move(builder.Build()).value());
}

SystemTime Time(std::string_view text) { return ParseRfc3339(text).value(); }

TEST(AttributionSet, PicksTheDatasetValidAtTheTime) {
  AttributionSet set;
  auto info = [](std::string id, std::string_view created) {
    return DatasetInfo{std::move(id), "v", Time(created), "src"};
  };
  // Added out of order; the validity of each runs to the next one's creation.
  ASSERT_TRUE(set.Add(info("b", "2024-02-01T00:00:00Z"), OneNetwork("10.0.0.0/8", 2)).ok());
  ASSERT_TRUE(set.Add(info("a", "2024-01-01T00:00:00Z"), OneNetwork("10.0.0.0/8", 1)).ok());
  ASSERT_TRUE(set.Add(info("c", "2024-03-01T00:00:00Z"), OneNetwork("10.0.0.0/16", 3)).ok());
  ASSERT_EQ(set.datasets().size(), 3u);
  EXPECT_EQ(set.datasets()[0].info.id, "a");
  EXPECT_EQ(set.datasets()[0].valid_until, Time("2024-02-01T00:00:00Z"));
  EXPECT_FALSE(set.datasets()[2].valid_until.has_value());

  auto asn_at = [&](std::string_view when, std::string_view address) -> std::string {
    auto r = set.Attribute(Addr(address), Time(when));
    if (!r) return r.error().type();
    if (!r->answer.found()) return r->dataset->info.id + ":none";
    return r->dataset->info.id + ":" + std::to_string(r->dataset->table->network(r->answer.network).asn);
  };
  EXPECT_EQ(asn_at("2023-12-31T23:59:59.999Z", "10.1.1.1"), "not-found");
  EXPECT_EQ(asn_at("2024-01-01T00:00:00Z", "10.1.1.1"), "a:1");
  EXPECT_EQ(asn_at("2024-01-31T23:59:59.999Z", "10.1.1.1"), "a:1");
  EXPECT_EQ(asn_at("2024-02-01T00:00:00Z", "10.1.1.1"), "b:2");
  EXPECT_EQ(asn_at("2024-03-01T00:00:00Z", "10.0.1.1"), "c:3");
  EXPECT_EQ(asn_at("2024-03-01T00:00:00Z", "10.1.1.1"), "c:none");
  EXPECT_EQ(asn_at("2030-01-01T00:00:00Z", "10.0.1.1"), "c:3");

  // An explicit end leaves a gap.
  AttributionSet bounded;
  ASSERT_TRUE(bounded
                  .Add(info("x", "2024-01-01T00:00:00Z"), OneNetwork("10.0.0.0/8", 1), std::nullopt,
                       Time("2024-01-02T00:00:00Z"))
                  .ok());
  EXPECT_NE(bounded.At(Time("2024-01-01T12:00:00Z")), nullptr);
  EXPECT_EQ(bounded.At(Time("2024-01-02T00:00:00Z")), nullptr);
  auto missing = bounded.Attribute(Addr("10.0.0.1"), Time("2025-01-01T00:00:00Z"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().detail().find("2025-01-01T00:00:00.000Z"), std::string::npos);

  EXPECT_EQ(set.Add(info("a", "2025-01-01T00:00:00Z"), OneNetwork("10.0.0.0/8", 1)).code(), Code::kConflict);
  EXPECT_EQ(set.Add(info("d", "2025-01-01T00:00:00Z"), OneNetwork("10.0.0.0/8", 1), std::nullopt,
                    Time("2025-01-01T00:00:00Z"))
                .type(),
            "invalid-validity");
}

TEST(AttributionSet, DatasetIds) {
  EXPECT_EQ(
      MakeDatasetId("IPFire Project", Time("2022-10-29T05:59:54Z"), "/usr/share/libloc-location/location.db")
          .substr(0, 40),
      "ipfire-project/2022-10-29T05:59:54.000Z/");
  EXPECT_NE(MakeDatasetId("v", Time("2022-10-29T05:59:54Z"), "/a"),
            MakeDatasetId("v", Time("2022-10-29T05:59:54Z"), "/b"));
  EXPECT_EQ(MakeDatasetId("--", SystemTime{}, "").substr(0, 8), "unknown/");
}

// ------------------------------------------------------------------ the real database

// Compares the Table loaded from Debian's location.db with libloc's own lookups on random
// addresses: IPv4 uniformly over the address space until 20,000 announced ones have been
// seen (the unannounced ones met on the way are compared too), and 20,000 IPv6 addresses
// each uniform inside a uniformly chosen IPv6 network, plus 5,000 uniform in 2000::/3.
TEST(RealDatabase, EveryAnswerEqualsLibloc) {
  const std::string path(kDefaultLocationDb);
  if (!fs::exists(path)) {
    GTEST_SKIP() << path << " is absent: install Debian's libloc-database to run this test";
  }
  auto loaded = LoadLocationDb(path);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  const Table& table = *loaded->table;
  std::printf("location.db: %zu IPv4 + %zu IPv6 networks, %zu ASes; read %.2f s, build %.2f s, %.1f MB\n",
              loaded->stats.v4_networks, loaded->stats.v6_networks, loaded->stats.ases,
              loaded->stats.read_seconds, loaded->stats.build_seconds,
              static_cast<double>(table.memory_bytes()) / 1e6);
  LiblocDb libloc(path);
  ASSERT_NE(libloc.get(), nullptr);

  std::mt19937_64 rng(20240601);
  size_t announced4 = 0, unannounced4 = 0, mismatches = 0;
  std::vector<uint32_t> batch4;
  std::vector<std::string> expected4;
  while (announced4 < 20000) {
    const IpAddress a = IpAddress::V4(static_cast<uint32_t>(rng()));
    const std::string reference = DescribeLibloc(libloc.get(), a);
    const std::string ours = Describe(table, table.Lookup(a));
    (reference == "none" ? unannounced4 : announced4)++;
    if (ours != reference && ++mismatches <= 10)
      ADD_FAILURE() << a.ToString() << ": " << ours << " != " << reference;
    batch4.push_back(a.v4());
    expected4.push_back(reference);
  }
  std::vector<Answer> out4(batch4.size());
  table.LookupBatch(std::span<const uint32_t>(batch4), out4);
  for (size_t i = 0; i < batch4.size(); ++i) {
    if (Describe(table, out4[i]) != expected4[i] && ++mismatches <= 10) {
      ADD_FAILURE() << "batched " << IpAddress::V4(batch4[i]).ToString();
    }
  }

  const size_t v4_count = table.v4_network_count();
  const size_t v6_count = table.network_count() - v4_count;
  ASSERT_GT(v6_count, 0u);
  std::uniform_int_distribution<size_t> pick(v4_count, table.network_count() - 1);
  size_t announced6 = 0, unannounced6 = 0;
  std::vector<Uint128> batch6;
  std::vector<std::string> expected6;
  for (int i = 0; i < 25000; ++i) {
    const Uint128 random = (Uint128{rng()} << 64) | rng();
    Uint128 bits;
    if (i < 20000) {
      const Prefix p = table.network(static_cast<NetworkIndex>(pick(rng))).prefix;
      bits = p.address.bits() | (random & (p.last() - p.address.bits()));
    } else {
      bits = (Uint128{0x2} << 124) | (random >> 3);
    }
    const IpAddress a = IpAddress::V6(bits);
    const std::string reference = DescribeLibloc(libloc.get(), a);
    const std::string ours = Describe(table, table.Lookup(a));
    (reference == "none" ? unannounced6 : announced6)++;
    if (ours != reference && ++mismatches <= 20)
      ADD_FAILURE() << a.ToString() << ": " << ours << " != " << reference;
    batch6.push_back(bits);
    expected6.push_back(reference);
  }
  std::vector<Answer> out6(batch6.size());
  table.LookupBatch(std::span<const Uint128>(batch6), out6);
  for (size_t i = 0; i < batch6.size(); ++i) {
    if (Describe(table, out6[i]) != expected6[i] && ++mismatches <= 30) {
      ADD_FAILURE() << "batched " << IpAddress::V6(batch6[i]).ToString();
    }
  }
  std::printf(
      "compared with libloc: IPv4 %zu announced + %zu unannounced, IPv6 %zu announced + %zu unannounced; "
      "%zu mismatches\n",
      announced4, unannounced4, announced6, unannounced6, mismatches);
  EXPECT_EQ(mismatches, 0u);
  EXPECT_GE(announced6, 20000u);
}

}  // namespace
}  // namespace aiip::attribution
