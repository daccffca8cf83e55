// Fuzz target for the version orders, OSV range evaluation and the purl-spec `vers:` parser
// of src/advisories/versions/, which read versions and ranges from advisories and SBOMs.
//
// The input's first byte picks an ecosystem; the rest is split at newlines into pieces. The
// first two pieces are the versions a and b; all pieces become the events of an OSV range
// (kinds taken in turn); the first piece is also parsed as a `vers:` range.
//
// Invariants (a violation aborts):
//  - CompareVersions and CompareSemver are antisymmetric (sign(a, b) == -sign(b, a)) and
//    reflexive (a against itself, and against a copy of itself, is 0), and never crash;
//  - IsValidVersion, InRange, IsAffectedVersion, FixedVersions and InVers never crash;
//    FixedVersions is ascending without two equal versions;
//  - ParseVers either fails with InvalidArgument "invalid-vers" and a detail, or gives a
//    lower-case scheme and at least one constraint, "*" only alone, every other constraint
//    with a version.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "advisories/model.h"
#include "advisories/versions/ecosystem.h"
#include "advisories/versions/range.h"
#include "advisories/versions/version.h"
#include "common/status.h"
#include "fuzz/check.h"

namespace {

using aiip::advisories::Ecosystem;

int Sign(int v) { return (v > 0) - (v < 0); }

void CheckOrder(Ecosystem ecosystem, const std::string& a, const std::string& b) {
  namespace adv = aiip::advisories;
  const int ab = Sign(adv::CompareVersions(ecosystem, a, b));
  const int ba = Sign(adv::CompareVersions(ecosystem, b, a));
  AIIP_FUZZ_CHECK(ab == -ba, "CompareVersions is not antisymmetric");
  AIIP_FUZZ_CHECK(adv::CompareVersions(ecosystem, a, a) == 0, "CompareVersions(a, a) != 0");
  const std::string copy = a;
  AIIP_FUZZ_CHECK(adv::CompareVersions(ecosystem, a, copy) == 0, "CompareVersions(a, copy of a) != 0");
  AIIP_FUZZ_CHECK(Sign(adv::CompareSemver(a, b)) == -Sign(adv::CompareSemver(b, a)),
                  "CompareSemver is not antisymmetric");
  AIIP_FUZZ_CHECK(adv::CompareSemver(a, a) == 0, "CompareSemver(a, a) != 0");
  (void)adv::IsValidVersion(ecosystem, a);
}

void CheckVers(Ecosystem ecosystem, std::string_view text, const std::vector<std::string>& versions) {
  namespace adv = aiip::advisories;
  aiip::Result<adv::Vers> vers = adv::ParseVers(text);
  if (!vers) {
    const aiip::Status& s = vers.error();
    AIIP_FUZZ_CHECK(s.code() == aiip::Code::kInvalidArgument, "a vers failure is not InvalidArgument");
    AIIP_FUZZ_CHECK(s.type() == "invalid-vers", "a vers failure has another type");
    AIIP_FUZZ_CHECK(!s.detail().empty(), "a vers failure has no detail");
    return;
  }
  AIIP_FUZZ_CHECK(!vers->scheme.empty(), "a parsed vers has no scheme");
  for (char c : vers->scheme) AIIP_FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), "a vers scheme is not lower-case");
  AIIP_FUZZ_CHECK(!vers->constraints.empty(), "a parsed vers has no constraint");
  for (const adv::VersConstraint& c : vers->constraints) {
    if (c.op == adv::VersConstraint::Op::kAny) {
      AIIP_FUZZ_CHECK(vers->constraints.size() == 1, "\"*\" is not alone");
    } else {
      AIIP_FUZZ_CHECK(!c.version.empty(), "a vers constraint has no version");
    }
  }
  for (const std::string& v : versions) (void)adv::InVers(ecosystem, *vers, v);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace adv = aiip::advisories;
  if (size == 0) return 0;
  const auto ecosystem = static_cast<Ecosystem>(data[0] % (static_cast<int>(Ecosystem::kGitHubActions) + 1));
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

  std::vector<std::string> pieces;
  size_t start = 0;
  while (start <= text.size() && pieces.size() < 16) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    pieces.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  const std::string a = pieces[0];
  const std::string b = pieces.size() > 1 ? pieces[1] : std::string();
  CheckOrder(ecosystem, a, b);

  adv::Affected affected;
  adv::Range range;
  range.type = data[0] & 0x80 ? adv::Range::Type::kSemver : adv::Range::Type::kEcosystem;
  constexpr adv::RangeEvent::Kind kKinds[] = {
      adv::RangeEvent::Kind::kIntroduced, adv::RangeEvent::Kind::kFixed, adv::RangeEvent::Kind::kLastAffected,
      adv::RangeEvent::Kind::kLimit};
  for (size_t i = 0; i < pieces.size(); ++i) range.events.push_back({kKinds[i % 4], pieces[i]});
  affected.ranges.push_back(range);
  affected.versions = {b};
  affected.vers = pieces[0];
  for (const std::string& v : pieces) {
    (void)adv::InRange(ecosystem, range, v);
    (void)adv::IsAffectedVersion(ecosystem, affected, v);
  }
  const std::vector<std::string> fixed = adv::FixedVersions(ecosystem, affected);
  for (size_t i = 1; i < fixed.size(); ++i) {
    AIIP_FUZZ_CHECK(adv::CompareVersions(ecosystem, fixed[i - 1], fixed[i]) < 0,
                    "FixedVersions is not strictly ascending");
  }

  CheckVers(ecosystem, pieces[0], pieces);
  return 0;
}
