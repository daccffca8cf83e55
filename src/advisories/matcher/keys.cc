#include "advisories/matcher/keys.h"

#include <array>
#include <cctype>
#include <utility>

namespace aiip::advisories::matcher_internal {

namespace {

// Debian and Ubuntu code names as purl distro qualifiers spell them.
constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kCodeNames = {{
    {"jessie", "8"},
    {"stretch", "9"},
    {"buster", "10"},
    {"bullseye", "11"},
    {"bookworm", "12"},
    {"trixie", "13"},
    {"forky", "14"},
    {"xenial", "16.04"},
    {"bionic", "18.04"},
    {"focal", "20.04"},
    {"groovy", "20.10"},
    {"hirsute", "21.04"},
    {"impish", "21.10"},
    {"jammy", "22.04"},
    {"mantic", "23.10"},
    {"noble", "24.04"},
}};

bool StartsWithDigit(std::string_view text) {
  return !text.empty() && std::isdigit(static_cast<unsigned char>(text.front())) != 0;
}

std::string_view StripV(std::string_view text) {
  if (text.size() > 1 && (text.front() == 'v' || text.front() == 'V') && StartsWithDigit(text.substr(1))) {
    text.remove_prefix(1);
  }
  return text;
}

}  // namespace

std::optional<PurlIdentity> IdentityOf(const Purl& purl) {
  PurlIdentity identity;
  identity.ecosystem = EcosystemFromPurl(purl.type, purl.namespace_);
  if (identity.ecosystem == Ecosystem::kUnknown) return std::nullopt;
  const bool distro_namespace = purl.type == "deb" || purl.type == "apk" || purl.type == "rpm";
  std::string name;
  if (!distro_namespace && !purl.namespace_.empty()) {
    name = purl.namespace_;
    name += '/';
  }
  name += purl.name;
  identity.key = std::string(EcosystemName(identity.ecosystem));
  identity.key += ':';
  identity.key += NormalizeName(identity.ecosystem, name);
  if (auto it = purl.qualifiers.find("distro"); it != purl.qualifiers.end()) identity.distro = it->second;
  return identity;
}

std::string_view ReleaseOf(std::string_view osv_ecosystem) {
  const Ecosystem ecosystem = EcosystemFromOsv(osv_ecosystem);
  if (ecosystem != Ecosystem::kDebian && ecosystem != Ecosystem::kUbuntu && ecosystem != Ecosystem::kAlpine) {
    return {};
  }
  // The first ':'-separated part that is a version number ("Ubuntu:Pro:22.04:LTS" -> "22.04").
  std::string_view rest = osv_ecosystem;
  while (true) {
    const size_t colon = rest.find(':');
    if (colon == std::string_view::npos) return {};
    rest.remove_prefix(colon + 1);
    std::string_view part = StripV(rest.substr(0, rest.find(':')));
    if (StartsWithDigit(part)) return part;
  }
}

bool DistroMatches(std::string_view distro, std::string_view release) {
  if (distro.empty() || release.empty()) return true;
  // "debian-12" / "alpine-3.16.2" / "ubuntu-22.04": the part after the last '-' before a digit.
  if (const size_t dash = distro.rfind('-'); dash != std::string_view::npos) distro.remove_prefix(dash + 1);
  distro = StripV(distro);
  if (!StartsWithDigit(distro)) {
    std::string lower(distro);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool known = false;
    for (const auto& [code_name, number] : kCodeNames) {
      if (lower == code_name) {
        distro = number;
        known = true;
        break;
      }
    }
    if (!known) return false;
  }
  if (distro == release) return true;
  return distro.size() > release.size() && distro.starts_with(release) && distro[release.size()] == '.';
}

}  // namespace aiip::advisories::matcher_internal
