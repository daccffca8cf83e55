// The incident report: what an organisation tells the clearinghouse about one incident, in
// AIIP's native model. Every way a report enters (native JSON, report_json.h; a STIX 2.1
// bundle, stix/stix.h) ends in a `Report`, and the sanitiser (sanitiser/sanitiser.h), the
// access rules, correlation and statistics all work on it. doc/incidents.md describes each
// field, its JSON form and the source of every vocabulary.
//
// A `Report` built by ParseReport is valid: its vocabularies are known values, its indicator
// values are canonical (report_json.h says how), and its times are ordered. Code that builds
// a Report by hand should pass it through ValidateReport (report_json.h) before use.
//
// Vocabularies:
//  - Sector: the sectors of the EU NIS2 Directive ((EU) 2022/2555) Annexes I and II, plus
//    "other" for organisations outside them.
//  - AttackType: the classes and types of the Reference Security Incident Taxonomy (RSIT,
//    ENISA/TF-CSIRT, github.com/enisaeu/Reference-Security-Incident-Taxonomy-Task-Force),
//    which began as the eCSIRT.net mkVI taxonomy.
//  - Tlp: FIRST Traffic Light Protocol 2.0.
// All functions here are pure and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace aiip::incidents {

// ---- Traffic Light Protocol 2.0 (https://www.first.org/tlp/) ------------------------------

enum class Tlp : uint8_t { kClear, kGreen, kAmber, kAmberStrict, kRed };

// "CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED".
std::string_view TlpName(Tlp tlp);
// Exact, upper-case names only (as TlpName writes them); nullopt otherwise.
std::optional<Tlp> ParseTlp(std::string_view name);

// ---- Sectors (NIS2 Annex I and II) --------------------------------------------------------

enum class Sector : uint8_t {
  // Annex I, sectors of high criticality.
  kEnergy,
  kTransport,
  kBanking,
  kFinancialMarketInfrastructures,
  kHealth,
  kDrinkingWater,
  kWasteWater,
  kDigitalInfrastructure,
  kIctServiceManagement,
  kPublicAdministration,
  kSpace,
  // Annex II, other critical sectors.
  kPostalCourier,
  kWasteManagement,
  kChemicals,
  kFood,
  kManufacturing,
  kDigitalProviders,
  kResearch,
  // Outside NIS2.
  kOther,
};

// Every sector, in the order above.
std::span<const Sector> AllSectors();
// The code used in JSON, e.g. "financial-market-infrastructures".
std::string_view SectorCode(Sector sector);
std::optional<Sector> ParseSector(std::string_view code);

// ---- Attack types (RSIT) ------------------------------------------------------------------

// An RSIT class ("availability") and optionally one of its types ("ddos").
struct AttackType {
  std::string klass;  // e.g. "availability"
  std::string type;   // e.g. "ddos"; empty when only the class is known

  // "availability" or "availability:ddos".
  std::string ToString() const { return type.empty() ? klass : klass + ":" + type; }
  friend bool operator==(const AttackType&, const AttackType&) = default;
};

// The RSIT classes, each with its types.
struct RsitClass {
  std::string_view klass;
  std::span<const std::string_view> types;
};
std::span<const RsitClass> RsitTaxonomy();

// Accepts "class", "class:type", or a bare type (every RSIT type name is unique, so "ddos"
// means "availability:ddos"). Returns nullopt for anything else.
std::optional<AttackType> ParseAttackType(std::string_view text);

// ---- Indicators ---------------------------------------------------------------------------

enum class IndicatorType : uint8_t {
  kIpv4,         // an address ("192.0.2.1") or a network ("192.0.2.0/24")
  kIpv6,         // an address or a network, RFC 5952 text
  kDomain,       // an ASCII (A-label) host name
  kUrl,          // an absolute URL with a host
  kEmail,        // an addr-spec, local@domain
  kMd5,          // 32 hex digits
  kSha1,         // 40
  kSha256,       // 64
  kSha512,       // 128
  kStixPattern,  // a STIX 2.1 pattern
};

// "ipv4", "ipv6", "domain", "url", "email", "md5", "sha1", "sha256", "sha512", "stix-pattern".
std::string_view IndicatorTypeName(IndicatorType type);
// The names above, and the STIX spellings "ipv4-addr", "ipv6-addr", "domain-name",
// "email-addr", "sha-1", "sha-256", "sha-512".
std::optional<IndicatorType> ParseIndicatorType(std::string_view name);

struct Indicator {
  IndicatorType type = IndicatorType::kIpv4;
  std::string value;  // canonical (see report_json.h)

  friend bool operator==(const Indicator&, const Indicator&) = default;
};

// ---- Other parts --------------------------------------------------------------------------

// Where the incident happened.
struct Region {
  std::string country;      // ISO 3166-1 alpha-2, upper case, e.g. "DE"
  std::string subdivision;  // ISO 3166-2 code within `country`, e.g. "DE-BY"; may be empty

  friend bool operator==(const Region&, const Region&) = default;
};

// Loss bands, in whole units of the loss's currency (no exchange rates: the band is the
// same in every currency, so bands of different currencies are not comparable).
enum class LossBand : uint8_t {
  kBelow10k,    // [0, 10 000)
  k10kTo100k,   // [10 000, 100 000)
  k100kTo1m,    // [100 000, 1 000 000)
  k1mTo10m,     // [1 000 000, 10 000 000)
  k10mTo100m,   // [10 000 000, 100 000 000)
  k100mOrMore,  // [100 000 000, ...)
};
// "lt-10k", "10k-100k", "100k-1m", "1m-10m", "10m-100m", "ge-100m".
std::string_view LossBandName(LossBand band);
std::optional<LossBand> ParseLossBand(std::string_view name);
LossBand BandOf(int64_t amount);

// An estimate of the loss: either an exact amount (as reported) or a band (after
// sanitisation, or when the reporter only gives a band). Exactly one of the two is set.
struct EstimatedLoss {
  std::optional<int64_t> amount;  // whole currency units, >= 0
  std::optional<LossBand> band;
  std::string currency;  // ISO 4217 alphabetic code, e.g. "EUR"

  friend bool operator==(const EstimatedLoss&, const EstimatedLoss&) = default;
};

// What the reporter knows about the software or systems hit. Kind is decided by the text:
// "pkg:" is a purl, "cpe:" a CPE (2.3 or 2.2), anything else free text.
struct AffectedProduct {
  enum class Kind : uint8_t { kPurl, kCpe, kText };
  Kind kind = Kind::kText;
  std::string value;  // purls and CPEs in canonical form (FormatPurl, FormatCpe)

  friend bool operator==(const AffectedProduct&, const AffectedProduct&) = default;
};

// A file that goes with the report, named by its content hash (the bytes travel apart).
struct Attachment {
  std::string sha256;      // 64 lower-case hex digits
  std::string name;        // file name as the reporter gave it; may be empty
  std::string media_type;  // e.g. "application/pdf"; may be empty
  std::optional<int64_t> size;

  friend bool operator==(const Attachment&, const Attachment&) = default;
};

// Who reported. Never shown to anyone but the reporter's organisation: the sanitiser
// replaces it by sector and region.
struct Reporter {
  std::string organisation;     // name, required
  std::string organisation_id;  // registry id ("org_..."), may be empty
  std::string contact_name;
  std::string email;
  std::string phone;

  friend bool operator==(const Reporter&, const Reporter&) = default;
};

// One IPv4 or IPv6 network (an address is a /32 or /128). Bits past the prefix are zero.
struct IpNetwork {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4
  int prefix = 0;

  friend bool operator==(const IpNetwork&, const IpNetwork&) = default;
};

struct Report {
  std::string title;

  // Time window. first_seen is required; the others are optional (nullopt) and, when set,
  // ordered: first_seen <= last_seen, first_seen <= detected_at <= reported_at.
  SystemTime first_seen{};
  std::optional<SystemTime> last_seen;
  std::optional<SystemTime> detected_at;
  std::optional<SystemTime> reported_at;

  Sector sector = Sector::kOther;
  std::optional<Region> region;
  AttackType attack_type;
  std::vector<AffectedProduct> affected_products;
  std::vector<Indicator> indicators;
  std::optional<EstimatedLoss> estimated_loss;
  std::string narrative;
  std::vector<Attachment> attachments;

  std::optional<Reporter> reporter;
  std::vector<IpNetwork> reporter_networks;   // the reporter's own address space
  std::vector<std::string> reporter_domains;  // the reporter's own DNS domains

  // Distribution.
  Tlp tlp = Tlp::kAmber;
  std::vector<std::string> recipients;      // organisation ids; required for RED, else empty
  std::vector<std::string> sharing_groups;  // sharing-group ids
  bool national_only = false;               // the reporter's State keeps it national

  friend bool operator==(const Report&, const Report&) = default;
};

}  // namespace aiip::incidents
