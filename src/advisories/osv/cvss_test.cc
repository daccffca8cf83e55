#include "advisories/osv/cvss.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace aiip::advisories {
namespace {

// tests/data/advisories/osv/cvss_vectors.tsv: "<vector>\t<score or ->"; the real pairs come
// from the CVE JSON 5 records, which publish a CVSS vector beside its base score.
TEST(Cvss, VectorsScoreAsPublished) {
  std::ifstream in(AIIP_SOURCE_DIR "/tests/data/advisories/osv/cvss_vectors.tsv");
  ASSERT_TRUE(in) << "missing cvss_vectors.tsv";
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    const std::string vector = line.substr(0, tab);
    const std::string expected = line.substr(tab + 1);
    const std::optional<double> score =
        vector.starts_with("CVSS:3") ? Cvss3BaseScore(vector) : Cvss2BaseScore(vector);
    if (expected == "-") {
      EXPECT_FALSE(score.has_value()) << vector;
    } else {
      ASSERT_TRUE(score.has_value()) << vector;
      EXPECT_DOUBLE_EQ(*score, std::stod(expected)) << vector;
    }
    ++cases;
  }
  EXPECT_GE(cases, 40);
}

// v3.1 changed only the environmental equations, so a v3.0 and a v3.1 vector with the same
// base metrics score alike; each version's vectors need their own prefix.
TEST(Cvss, V3VersionsShareTheBaseEquations) {
  EXPECT_EQ(Cvss3BaseScore("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
  EXPECT_FALSE(Cvss3BaseScore("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").has_value());
  EXPECT_FALSE(Cvss2BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").has_value());
}

}  // namespace
}  // namespace aiip::advisories
