#include "advisories/versions/ecosystem.h"

#include <array>
#include <string>
#include <string_view>
#include <utility>

namespace aiip::advisories {
namespace {

struct OsvName {
  std::string_view name;
  Ecosystem ecosystem;
};

// OSV schema ecosystem names (https://ossf.github.io/osv-schema/#affectedpackage-field).
constexpr std::array<OsvName, 23> kOsvNames = {{
    {"Go", Ecosystem::kGo},
    {"npm", Ecosystem::kNpm},
    {"PyPI", Ecosystem::kPyPI},
    {"Maven", Ecosystem::kMaven},
    {"NuGet", Ecosystem::kNuGet},
    {"RubyGems", Ecosystem::kRubyGems},
    {"Packagist", Ecosystem::kPackagist},
    {"crates.io", Ecosystem::kCratesIo},
    {"Pub", Ecosystem::kPub},
    {"Hex", Ecosystem::kHex},
    {"CRAN", Ecosystem::kCran},
    {"Hackage", Ecosystem::kHackage},
    {"SwiftURL", Ecosystem::kSwiftURL},
    {"Debian", Ecosystem::kDebian},
    {"Ubuntu", Ecosystem::kUbuntu},
    {"Alpine", Ecosystem::kAlpine},
    {"Red Hat", Ecosystem::kRedHat},
    {"Rocky Linux", Ecosystem::kRockyLinux},
    {"AlmaLinux", Ecosystem::kAlmaLinux},
    {"SUSE", Ecosystem::kSuse},
    {"openSUSE", Ecosystem::kSuse},
    {"GitHub Actions", Ecosystem::kGitHubActions},
    // Older spelling kept by some databases.
    {"Alma Linux", Ecosystem::kAlmaLinux},
}};

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

}  // namespace

Ecosystem EcosystemFromOsv(std::string_view osv_ecosystem) {
  const std::string_view base = osv_ecosystem.substr(0, osv_ecosystem.find(':'));
  for (const OsvName& entry : kOsvNames) {
    if (entry.name == base) return entry.ecosystem;
  }
  // "SUSE:Linux Enterprise Server 15", "openSUSE:Leap 15.5" share the base names above.
  return Ecosystem::kUnknown;
}

Ecosystem EcosystemFromPurl(std::string_view purl_type, std::string_view purl_namespace) {
  struct PurlType {
    std::string_view type;
    Ecosystem ecosystem;
  };
  static constexpr std::array<PurlType, 15> kTypes = {{
      {"golang", Ecosystem::kGo},
      {"npm", Ecosystem::kNpm},
      {"pypi", Ecosystem::kPyPI},
      {"maven", Ecosystem::kMaven},
      {"nuget", Ecosystem::kNuGet},
      {"gem", Ecosystem::kRubyGems},
      {"composer", Ecosystem::kPackagist},
      {"cargo", Ecosystem::kCratesIo},
      {"pub", Ecosystem::kPub},
      {"hex", Ecosystem::kHex},
      {"cran", Ecosystem::kCran},
      {"hackage", Ecosystem::kHackage},
      {"swift", Ecosystem::kSwiftURL},
      {"apk", Ecosystem::kAlpine},
      {"github", Ecosystem::kGitHubActions},
  }};
  for (const PurlType& entry : kTypes) {
    if (EqualsIgnoreCase(entry.type, purl_type)) return entry.ecosystem;
  }
  if (EqualsIgnoreCase(purl_type, "deb")) {
    return EqualsIgnoreCase(purl_namespace, "ubuntu") ? Ecosystem::kUbuntu : Ecosystem::kDebian;
  }
  if (EqualsIgnoreCase(purl_type, "rpm")) {
    const std::string ns = ToLower(purl_namespace);
    if (ns == "rocky" || ns == "rockylinux" || ns == "rocky-linux") return Ecosystem::kRockyLinux;
    if (ns == "almalinux" || ns == "alma") return Ecosystem::kAlmaLinux;
    if (ns == "suse" || ns == "opensuse" || ns == "sles" || ns == "sled") return Ecosystem::kSuse;
    // redhat, centos, fedora and unknown vendors all order versions with rpmvercmp.
    return Ecosystem::kRedHat;
  }
  return Ecosystem::kUnknown;
}

std::string_view EcosystemName(Ecosystem ecosystem) {
  switch (ecosystem) {
    case Ecosystem::kUnknown:
      return "";
    case Ecosystem::kGo:
      return "Go";
    case Ecosystem::kNpm:
      return "npm";
    case Ecosystem::kPyPI:
      return "PyPI";
    case Ecosystem::kMaven:
      return "Maven";
    case Ecosystem::kNuGet:
      return "NuGet";
    case Ecosystem::kRubyGems:
      return "RubyGems";
    case Ecosystem::kPackagist:
      return "Packagist";
    case Ecosystem::kCratesIo:
      return "crates.io";
    case Ecosystem::kPub:
      return "Pub";
    case Ecosystem::kHex:
      return "Hex";
    case Ecosystem::kCran:
      return "CRAN";
    case Ecosystem::kHackage:
      return "Hackage";
    case Ecosystem::kSwiftURL:
      return "SwiftURL";
    case Ecosystem::kDebian:
      return "Debian";
    case Ecosystem::kUbuntu:
      return "Ubuntu";
    case Ecosystem::kAlpine:
      return "Alpine";
    case Ecosystem::kRedHat:
      return "Red Hat";
    case Ecosystem::kRockyLinux:
      return "Rocky Linux";
    case Ecosystem::kAlmaLinux:
      return "AlmaLinux";
    case Ecosystem::kSuse:
      return "SUSE";
    case Ecosystem::kGitHubActions:
      return "GitHub Actions";
  }
  return "";
}

std::string NormalizeName(Ecosystem ecosystem, std::string_view name) {
  switch (ecosystem) {
    case Ecosystem::kPyPI: {
      // PEP 503: re.sub(r"[-_.]+", "-", name).lower()
      std::string out;
      out.reserve(name.size());
      bool in_run = false;
      for (char c : name) {
        if (c == '-' || c == '_' || c == '.') {
          if (!in_run) out += '-';
          in_run = true;
        } else {
          out += Lower(c);
          in_run = false;
        }
      }
      return out;
    }
    case Ecosystem::kNuGet:
    case Ecosystem::kPackagist:
    case Ecosystem::kHex:
    case Ecosystem::kPub:
      return ToLower(name);
    case Ecosystem::kMaven: {
      // A purl spells groupId/artifactId; OSV and CycloneDX spell groupId:artifactId.
      std::string out(name);
      if (out.find(':') == std::string::npos) {
        const size_t slash = out.rfind('/');
        if (slash != std::string::npos) out[slash] = ':';
      }
      return out;
    }
    default:
      return std::string(name);
  }
}

}  // namespace aiip::advisories
