// Data-driven test of the version orders: every line of every file in
// ../shared/data/versions/ ("a < b", "a > b" or "a = b"; blank lines and lines starting with
// "#" or "//" are notes). Each failing line is reported as file:line.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "advisories/versions/ecosystem.h"
#include "advisories/versions/version.h"

// Counts heap allocations made through operator new, so that a test can show that comparing
// versions does not allocate (the matcher compares millions of them).
namespace {
std::atomic<long> g_allocations{0};
}  // namespace

// Every unaligned form is replaced, so that each allocation is released by its own kind.
namespace {
void* CountedAlloc(std::size_t size) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* CountedAllocOrThrow(std::size_t size) {
  if (void* p = CountedAlloc(size)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t size) { return CountedAllocOrThrow(size); }
void* operator new[](std::size_t size) { return CountedAllocOrThrow(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return CountedAlloc(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return CountedAlloc(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace aiip::advisories {
namespace {

const std::filesystem::path kVectorDir = std::filesystem::path(AIIP_SOURCE_DIR "/../shared/data/versions");

// The ecosystem a vector file is for, from the first word of its name.
Ecosystem EcosystemOfFile(std::string_view name) {
  static const std::map<std::string, Ecosystem, std::less<>> kByPrefix = {
      {"alpine", Ecosystem::kAlpine},       {"cran", Ecosystem::kCran},
      {"debian", Ecosystem::kDebian},       {"hackage", Ecosystem::kHackage},
      {"maven", Ecosystem::kMaven},         {"nuget", Ecosystem::kNuGet},
      {"packagist", Ecosystem::kPackagist}, {"pub", Ecosystem::kPub},
      {"pypi", Ecosystem::kPyPI},           {"redhat", Ecosystem::kRedHat},
      {"rubygems", Ecosystem::kRubyGems},   {"semver", Ecosystem::kNpm},
  };
  const auto it = kByPrefix.find(name.substr(0, name.find('-')));
  return it == kByPrefix.end() ? Ecosystem::kUnknown : it->second;
}

struct Failure {
  std::string where;
  std::string detail;
};

int Sign(int v) { return (v > 0) - (v < 0); }

const char* OpOf(int sign) { return sign < 0 ? "<" : (sign > 0 ? ">" : "="); }

// Checks one file; returns the number of comparison lines and appends the failures.
int CheckFile(const std::filesystem::path& path, Ecosystem ecosystem, std::vector<Failure>& failures) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::string line;
  int number = 0;
  int cases = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.starts_with("#") || line.starts_with("//")) continue;
    const std::string where = path.filename().string() + ":" + std::to_string(number);
    const size_t first = line.find(' ');
    const size_t second = first == std::string::npos ? first : line.find(' ', first + 1);
    if (second == std::string::npos || second != first + 2) {
      failures.push_back({where, "malformed line: " + line});
      continue;
    }
    const std::string a = line.substr(0, first);
    const std::string b = line.substr(second + 1);
    const char op = line[first + 1];
    const int want = op == '<' ? -1 : (op == '>' ? 1 : 0);
    if (op != '<' && op != '>' && op != '=') {
      failures.push_back({where, "unknown operator in: " + line});
      continue;
    }
    ++cases;
    const int got = Sign(CompareVersions(ecosystem, a, b));
    const int reverse = Sign(CompareVersions(ecosystem, b, a));
    if (got != want || reverse != -want) {
      failures.push_back({where, line + "   (got " + a + " " + OpOf(got) + " " + b + ", and " + b + " " +
                                     OpOf(reverse) + " " + a + ")"});
    }
  }
  return cases;
}

TEST(VersionVectors, EveryLineOfEveryFile) {
  ASSERT_TRUE(std::filesystem::is_directory(kVectorDir)) << kVectorDir;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(kVectorDir)) {
    if (entry.path().extension() == ".txt") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 19u);
  std::vector<Failure> failures;
  int total = 0;
  for (const auto& file : files) {
    const Ecosystem ecosystem = EcosystemOfFile(file.filename().string());
    ASSERT_NE(ecosystem, Ecosystem::kUnknown) << "no ecosystem for " << file;
    const size_t before = failures.size();
    const int cases = CheckFile(file, ecosystem, failures);
    total += cases;
    std::printf("%-36s %6d lines, %6d pass\n", file.filename().c_str(), cases,
                cases - static_cast<int>(failures.size() - before));
  }
  for (const Failure& f : failures) ADD_FAILURE() << f.where << ": " << f.detail;
  std::printf("total: %d lines, %zu failing\n", total, failures.size());
  EXPECT_GT(total, 70000);
}

// Comparing the vector pairs allocates nothing. PyPI versions that are not PEP 440 (the
// legacy fallback) and versions with more components than the inline buffers hold (Maven
// beyond 24 tokens, ...) may allocate; none of the vector pairs of other ecosystems do.
TEST(VersionVectors, ComparisonDoesNotAllocate) {
  struct Pair {
    Ecosystem ecosystem;
    std::string a;
    std::string b;
  };
  std::vector<Pair> pairs;
  for (const auto& entry : std::filesystem::directory_iterator(kVectorDir)) {
    const Ecosystem ecosystem = EcosystemOfFile(entry.path().filename().string());
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line.starts_with("#") || line.starts_with("//")) continue;
      const size_t first = line.find(' ');
      if (first == std::string::npos || first + 3 > line.size()) continue;
      Pair pair{ecosystem, line.substr(0, first), line.substr(first + 3)};
      if (ecosystem == Ecosystem::kPyPI &&
          (!IsValidVersion(ecosystem, pair.a) || !IsValidVersion(ecosystem, pair.b))) {
        continue;
      }
      pairs.push_back(std::move(pair));
    }
  }
  ASSERT_GT(pairs.size(), 70000u);
  // The counter sees allocations at all (the replacement operator new is in use).
  const long probe = g_allocations.load();
  std::vector<std::string> probe_buffer = {std::string(64, 'x')};
  ASSERT_GT(g_allocations.load(), probe);
  const long before = g_allocations.load();
  int sum = 0;
  for (const Pair& p : pairs) sum += CompareVersions(p.ecosystem, p.a, p.b) < 0 ? 1 : 0;
  const long allocations = g_allocations.load() - before;
  EXPECT_EQ(allocations, 0) << "over " << pairs.size() << " comparisons";
  EXPECT_GT(sum, 0);
}

// Go: a leading "v", pseudo-versions and +incompatible under SemVer.
TEST(VersionVectors, GoPseudoVersions) {
  const Ecosystem go = Ecosystem::kGo;
  EXPECT_LT(CompareVersions(go, "v0.0.0-20191016112426-3962a5ea8da1", "v0.0.1"), 0);
  EXPECT_LT(CompareVersions(go, "v0.0.0-20191016112426-3962a5ea8da1", "v0.0.0-20201016112426-aaaaaaaaaaaa"),
            0);
  // vX.Y.Z-pre.0.yyyymmddhhmmss-abcdef sorts after the pre-release it builds on.
  EXPECT_GT(CompareVersions(go, "v1.2.3-beta.0.20200101000000-abcdefabcdef", "v1.2.3-beta"), 0);
  EXPECT_LT(CompareVersions(go, "v1.2.3-beta.0.20200101000000-abcdefabcdef", "v1.2.3"), 0);
  // vX.Y.(Z+1)-0.yyyymmddhhmmss-abcdef sorts after vX.Y.Z and before vX.Y.(Z+1).
  EXPECT_GT(CompareVersions(go, "v1.2.4-0.20200101000000-abcdefabcdef", "v1.2.3"), 0);
  EXPECT_LT(CompareVersions(go, "v1.2.4-0.20200101000000-abcdefabcdef", "v1.2.4"), 0);
  EXPECT_EQ(CompareVersions(go, "v2.0.0+incompatible", "v2.0.0"), 0);
  EXPECT_LT(CompareVersions(go, "v2.0.0+incompatible", "v2.0.1+incompatible"), 0);
  EXPECT_EQ(CompareSemver("v1.2.3", "1.2.3"), 0);
}

TEST(VersionValidity, PerEcosystem) {
  EXPECT_TRUE(IsValidVersion(Ecosystem::kNpm, "1.2.3-rc.1+build.5"));
  EXPECT_FALSE(IsValidVersion(Ecosystem::kNpm, "1.2"));
  EXPECT_FALSE(IsValidVersion(Ecosystem::kNpm, "1.2.3-01"));
  EXPECT_TRUE(IsValidVersion(Ecosystem::kGo, "v0.0.0-20191016112426-3962a5ea8da1"));
  EXPECT_TRUE(IsValidVersion(Ecosystem::kPyPI, "1!2.0.post1.dev3+local.7"));
  EXPECT_FALSE(IsValidVersion(Ecosystem::kPyPI, "0.1-bulbasaur"));
  EXPECT_TRUE(IsValidVersion(Ecosystem::kNuGet, "1.0.0.1-beta"));
  EXPECT_TRUE(IsValidVersion(Ecosystem::kRubyGems, "1.2.4.beta-1"));
  EXPECT_FALSE(IsValidVersion(Ecosystem::kRubyGems, "1..2"));
  EXPECT_TRUE(IsValidVersion(Ecosystem::kDebian, "1:2.30-1+deb12u1"));
  EXPECT_FALSE(IsValidVersion(Ecosystem::kDebian, "a:1"));
  EXPECT_TRUE(IsValidVersion(Ecosystem::kAlpine, "1.2.3_rc1~abc-r4"));
  EXPECT_FALSE(IsValidVersion(Ecosystem::kAlpine, "1.2.3-4"));
  EXPECT_TRUE(IsValidVersion(Ecosystem::kCran, "1.0-2"));
  EXPECT_FALSE(IsValidVersion(Ecosystem::kHackage, "1.0-2"));
}

}  // namespace
}  // namespace aiip::advisories
