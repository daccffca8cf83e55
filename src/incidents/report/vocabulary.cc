// The fixed vocabularies of model.h.
#include <algorithm>
#include <array>

#include "incidents/report/model.h"

namespace aiip::incidents {
namespace {

constexpr std::array<std::string_view, 5> kTlpNames = {"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"};

constexpr std::array<Sector, 19> kSectors = {
    Sector::kEnergy,
    Sector::kTransport,
    Sector::kBanking,
    Sector::kFinancialMarketInfrastructures,
    Sector::kHealth,
    Sector::kDrinkingWater,
    Sector::kWasteWater,
    Sector::kDigitalInfrastructure,
    Sector::kIctServiceManagement,
    Sector::kPublicAdministration,
    Sector::kSpace,
    Sector::kPostalCourier,
    Sector::kWasteManagement,
    Sector::kChemicals,
    Sector::kFood,
    Sector::kManufacturing,
    Sector::kDigitalProviders,
    Sector::kResearch,
    Sector::kOther,
};
// Indexed by Sector. Annex I points 1-11, Annex II points 1-7 of Directive (EU) 2022/2555.
constexpr std::array<std::string_view, 19> kSectorCodes = {
    "energy",
    "transport",
    "banking",
    "financial-market-infrastructures",
    "health",
    "drinking-water",
    "waste-water",
    "digital-infrastructure",
    "ict-service-management",
    "public-administration",
    "space",
    "postal-courier",
    "waste-management",
    "chemicals",
    "food",
    "manufacturing",
    "digital-providers",
    "research",
    "other",
};

// RSIT as published in MISP's "rsit" taxonomy (machine tags of the ENISA/TF-CSIRT working
// group's working_copy/machinev1): class -> types.
constexpr std::string_view kAbusive[] = {"spam", "harmful-speech", "violence"};
constexpr std::string_view kMalicious[] = {"infected-system", "c2-server", "malware-distribution",
                                           "malware-configuration"};
constexpr std::string_view kGathering[] = {"scanner", "sniffing", "social-engineering"};
constexpr std::string_view kAttempts[] = {"ids-alert", "brute-force", "exploit"};
constexpr std::string_view kIntrusions[] = {"privileged-account-compromise",
                                            "unprivileged-account-compromise", "application-compromise",
                                            "system-compromise", "burglary"};
constexpr std::string_view kAvailability[] = {"dos", "ddos", "misconfiguration", "sabotage", "outage"};
constexpr std::string_view kContent[] = {"unauthorised-information-access",
                                         "unauthorised-information-modification", "data-loss", "data-leak"};
constexpr std::string_view kFraud[] = {"unauthorised-use-of-resources", "copyright", "masquerade",
                                       "phishing"};
constexpr std::string_view kVulnerable[] = {"weak-crypto", "ddos-amplifier",
                                            "potentially-unwanted-accessible", "information-disclosure",
                                            "vulnerable-system"};
constexpr std::string_view kOtherTypes[] = {"other", "undetermined"};
constexpr std::string_view kTest[] = {"test"};

constexpr std::array<RsitClass, 11> kRsit = {{
    {"abusive-content", kAbusive},
    {"malicious-code", kMalicious},
    {"information-gathering", kGathering},
    {"intrusion-attempts", kAttempts},
    {"intrusions", kIntrusions},
    {"availability", kAvailability},
    {"information-content-security", kContent},
    {"fraud", kFraud},
    {"vulnerable", kVulnerable},
    {"other", kOtherTypes},
    {"test", kTest},
}};

constexpr std::array<std::string_view, 10> kIndicatorTypeNames = {
    "ipv4", "ipv6", "domain", "url", "email", "md5", "sha1", "sha256", "sha512", "stix-pattern"};

constexpr std::array<std::string_view, 6> kLossBandNames = {"lt-10k", "10k-100k", "100k-1m",
                                                            "1m-10m", "10m-100m", "ge-100m"};

}  // namespace

std::string_view TlpName(Tlp tlp) { return kTlpNames[static_cast<size_t>(tlp)]; }

std::optional<Tlp> ParseTlp(std::string_view name) {
  for (size_t i = 0; i < kTlpNames.size(); ++i) {
    if (kTlpNames[i] == name) return static_cast<Tlp>(i);
  }
  return std::nullopt;
}

std::span<const Sector> AllSectors() { return kSectors; }

std::string_view SectorCode(Sector sector) { return kSectorCodes[static_cast<size_t>(sector)]; }

std::optional<Sector> ParseSector(std::string_view code) {
  for (size_t i = 0; i < kSectorCodes.size(); ++i) {
    if (kSectorCodes[i] == code) return static_cast<Sector>(i);
  }
  return std::nullopt;
}

std::span<const RsitClass> RsitTaxonomy() { return kRsit; }

std::optional<AttackType> ParseAttackType(std::string_view text) {
  const size_t colon = text.find(':');
  const std::string_view klass = text.substr(0, colon);
  const std::string_view type = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  for (const RsitClass& c : kRsit) {
    if (c.klass == klass) {
      if (colon == std::string_view::npos) return AttackType{std::string(klass), ""};
      if (std::find(c.types.begin(), c.types.end(), type) != c.types.end()) {
        return AttackType{std::string(klass), std::string(type)};
      }
      return std::nullopt;
    }
  }
  if (colon != std::string_view::npos) return std::nullopt;
  for (const RsitClass& c : kRsit) {
    if (std::find(c.types.begin(), c.types.end(), text) != c.types.end()) {
      return AttackType{std::string(c.klass), std::string(text)};
    }
  }
  return std::nullopt;
}

std::string_view IndicatorTypeName(IndicatorType type) {
  return kIndicatorTypeNames[static_cast<size_t>(type)];
}

std::optional<IndicatorType> ParseIndicatorType(std::string_view name) {
  for (size_t i = 0; i < kIndicatorTypeNames.size(); ++i) {
    if (kIndicatorTypeNames[i] == name) return static_cast<IndicatorType>(i);
  }
  if (name == "ipv4-addr") return IndicatorType::kIpv4;
  if (name == "ipv6-addr") return IndicatorType::kIpv6;
  if (name == "domain-name") return IndicatorType::kDomain;
  if (name == "email-addr") return IndicatorType::kEmail;
  if (name == "sha-1") return IndicatorType::kSha1;
  if (name == "sha-256") return IndicatorType::kSha256;
  if (name == "sha-512") return IndicatorType::kSha512;
  return std::nullopt;
}

std::string_view LossBandName(LossBand band) { return kLossBandNames[static_cast<size_t>(band)]; }

std::optional<LossBand> ParseLossBand(std::string_view name) {
  for (size_t i = 0; i < kLossBandNames.size(); ++i) {
    if (kLossBandNames[i] == name) return static_cast<LossBand>(i);
  }
  return std::nullopt;
}

LossBand BandOf(int64_t amount) {
  if (amount < 10'000) return LossBand::kBelow10k;
  if (amount < 100'000) return LossBand::k10kTo100k;
  if (amount < 1'000'000) return LossBand::k100kTo1m;
  if (amount < 10'000'000) return LossBand::k1mTo10m;
  if (amount < 100'000'000) return LossBand::k10mTo100m;
  return LossBand::k100mOrMore;
}

}  // namespace aiip::incidents
