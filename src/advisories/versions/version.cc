#include "advisories/versions/version.h"

#include <string_view>

#include "advisories/versions/internal.h"

namespace aiip::advisories {

using internal::CompareSemverImpl;

int CompareVersions(Ecosystem ecosystem, std::string_view a, std::string_view b) {
  switch (ecosystem) {
    case Ecosystem::kPyPI:
      return internal::ComparePypi(a, b);
    case Ecosystem::kMaven:
      return internal::CompareMaven(a, b);
    case Ecosystem::kNuGet:
      return CompareSemverImpl(a, b, /*compare_build=*/false, /*ignore_case=*/true, /*four_parts=*/true);
    case Ecosystem::kRubyGems:
      return internal::CompareRubyGems(a, b);
    case Ecosystem::kPackagist:
      return internal::ComparePackagist(a, b);
    case Ecosystem::kPub:
      return CompareSemverImpl(a, b, /*compare_build=*/true, /*ignore_case=*/false, /*four_parts=*/false);
    case Ecosystem::kCran:
      return internal::CompareNumericDotted(a, b, /*dash_is_separator=*/true);
    case Ecosystem::kHackage:
      return internal::CompareNumericDotted(a, b, /*dash_is_separator=*/false);
    case Ecosystem::kDebian:
    case Ecosystem::kUbuntu:
      return internal::CompareDebian(a, b);
    case Ecosystem::kAlpine:
      return internal::CompareAlpine(a, b);
    case Ecosystem::kRedHat:
    case Ecosystem::kRockyLinux:
    case Ecosystem::kAlmaLinux:
    case Ecosystem::kSuse:
      return internal::CompareRpm(a, b);
    case Ecosystem::kUnknown:
    case Ecosystem::kGo:
    case Ecosystem::kNpm:
    case Ecosystem::kCratesIo:
    case Ecosystem::kHex:
    case Ecosystem::kSwiftURL:
    case Ecosystem::kGitHubActions:
      return CompareSemver(a, b);
  }
  return CompareSemver(a, b);
}

int CompareSemver(std::string_view a, std::string_view b) {
  return CompareSemverImpl(a, b, /*compare_build=*/false, /*ignore_case=*/false, /*four_parts=*/false);
}

bool IsValidVersion(Ecosystem ecosystem, std::string_view version) {
  switch (ecosystem) {
    case Ecosystem::kPyPI:
      return internal::IsValidPypi(version);
    case Ecosystem::kMaven:
      // ComparableVersion gives every text an order; only the empty text is no version.
      return !version.empty();
    case Ecosystem::kNuGet:
      return internal::IsValidSemverImpl(version, /*four_parts=*/true);
    case Ecosystem::kRubyGems:
      return internal::IsValidRubyGems(version);
    case Ecosystem::kPackagist: {
      // Composer's normaliser accepts what version_compare can split into parts.
      if (version.empty()) return false;
      for (char c : version) {
        if (!internal::IsAlnum(c) && c != '.' && c != '-' && c != '_' && c != '+') return false;
      }
      return true;
    }
    case Ecosystem::kCran:
      return internal::IsValidNumericDotted(version, /*dash_is_separator=*/true);
    case Ecosystem::kHackage:
      return internal::IsValidNumericDotted(version, /*dash_is_separator=*/false);
    case Ecosystem::kDebian:
    case Ecosystem::kUbuntu:
      return internal::IsValidDebian(version);
    case Ecosystem::kAlpine:
      return internal::IsValidAlpine(version);
    case Ecosystem::kRedHat:
    case Ecosystem::kRockyLinux:
    case Ecosystem::kAlmaLinux:
    case Ecosystem::kSuse: {
      if (version.empty()) return false;
      for (char c : version) {
        if (static_cast<unsigned char>(c) <= ' ') return false;
      }
      return true;
    }
    case Ecosystem::kUnknown:
    case Ecosystem::kGo:
    case Ecosystem::kNpm:
    case Ecosystem::kCratesIo:
    case Ecosystem::kHex:
    case Ecosystem::kSwiftURL:
    case Ecosystem::kGitHubActions:
    case Ecosystem::kPub:
      return internal::IsValidSemverImpl(version, /*four_parts=*/false);
  }
  return false;
}

}  // namespace aiip::advisories
