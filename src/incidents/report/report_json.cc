#include "incidents/report/report_json.h"

#include <algorithm>
#include <set>
#include <utility>

#include "advisories/inventory/cpe.h"
#include "advisories/inventory/purl.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/time.h"
#include "incidents/report/values.h"

namespace aiip::incidents {
namespace bj = boost::json;

namespace {

#include "incidents/report/iso_codes.inc"

bool InSorted(std::span<const std::string_view> codes, std::string_view code) {
  return std::binary_search(codes.begin(), codes.end(), code);
}

// A string id: 1-64 of [a-z0-9_-] (sharing groups), the shape the access rules key on.
bool IsGroupId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

// A phone number as people write it: digits with + ( ) - . / and spaces, 5 to 20 digits.
bool IsPhone(std::string_view phone) {
  int digits = 0;
  for (char c : phone) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (std::string_view(" +()-./").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return digits >= 5 && digits <= 20;
}

class Parser {
 public:
  Parser(const bj::object& object, const std::string& pointer) : r_(object, pointer) {}

  Result<Report> Run() {
    Report report;
    report.title = r_.RequiredString("title", kMaxTitleBytes);
    ReadTimes(report);
    ReadSector(report);
    ReadRegion(report);
    ReadAttackType(report);
    ReadProducts(report);
    ReadIndicators(report);
    ReadLoss(report);
    report.narrative = r_.OptionalString("narrative", kMaxNarrativeBytes).value_or("");
    ReadAttachments(report);
    ReadReporter(report);
    ReadReporterNetworks(report);
    ReadReporterDomains(report);
    ReadDistribution(report);
    AIIP_RETURN_IF_ERROR(r_.Finish());
    return report;
  }

 private:
  std::optional<SystemTime> Time(std::string_view key) {
    std::optional<std::string> text = r_.OptionalString(key, 64);
    if (!text) return std::nullopt;
    auto parsed = ParseRfc3339(*text);
    if (!parsed) {
      r_.Fail(parsed.error().WithFieldPrefix(r_.PointerOf(key)));
      return std::nullopt;
    }
    return *parsed;
  }

  // One of two names for the same field; returns the one present (or `primary`).
  std::string_view Either(std::string_view primary, std::string_view alias) {
    if (r_.Has(alias) && !r_.IsNull(alias)) {
      if (r_.Has(primary) && !r_.IsNull(primary)) {
        r_.Fail(
            alias, "invalid-value",
            "'" + std::string(alias) + "' and '" + std::string(primary) + "' name the same field; give one");
      }
      r_.Raw(primary);
      return alias;
    }
    r_.Raw(alias);
    return primary;
  }

  void ReadTimes(Report& report) {
    const std::string_view first_key = Either("first_seen", "start");
    const std::string_view last_key = Either("last_seen", "end");
    std::optional<SystemTime> first = Time(first_key);
    if (!first && r_.ok())
      r_.Fail(first_key, "missing-field", "'" + std::string(first_key) + "' is required");
    report.first_seen = first.value_or(SystemTime{});
    report.last_seen = Time(last_key);
    report.detected_at = Time("detected_at");
    report.reported_at = Time("reported_at");
    if (!r_.ok()) return;
    if (report.last_seen && *report.last_seen < report.first_seen) {
      r_.Fail(last_key, "invalid-value",
              "'" + std::string(last_key) + "' is before '" + std::string(first_key) + "'");
    } else if (report.detected_at && *report.detected_at < report.first_seen) {
      r_.Fail("detected_at", "invalid-value", "'detected_at' is before '" + std::string(first_key) + "'");
    } else if (report.reported_at && *report.reported_at < report.detected_at.value_or(report.first_seen)) {
      r_.Fail("reported_at", "invalid-value",
              std::string("'reported_at' is before '") +
                  (report.detected_at ? "detected_at" : first_key.data()) + "'");
    }
  }

  void ReadSector(Report& report) {
    const std::string code = r_.RequiredString("sector", 64);
    if (!r_.ok()) return;
    if (auto sector = ParseSector(code)) {
      report.sector = *sector;
    } else {
      r_.Fail(
          "sector", "invalid-value",
          "'" + code + "' is not a sector code (NIS2 Annex I/II sectors or \"other\"; see doc/incidents.md)");
    }
  }

  void ReadRegion(Report& report) {
    const bj::object* object = r_.OptionalObject("region");
    if (object == nullptr) return;
    json::ObjectReader region(*object, r_.PointerOf("region"));
    Region out;
    out.country = region.RequiredString("country", 2);
    if (region.ok() && !IsCountryCode(out.country)) {
      region.Fail("country", "invalid-value", "'" + out.country + "' is not an ISO 3166-1 alpha-2 code");
    }
    out.subdivision = region.OptionalString("subdivision", 6).value_or("");
    if (region.ok() && !out.subdivision.empty() &&
        (!out.subdivision.starts_with(out.country + "-") || !IsSubdivisionCode(out.subdivision))) {
      region.Fail("subdivision", "invalid-value",
                  "'" + out.subdivision + "' is not an ISO 3166-2 subdivision of " + out.country);
    }
    if (Status s = region.Finish(); !s.ok()) return r_.Fail(s);
    report.region = std::move(out);
  }

  void ReadAttackType(Report& report) {
    const std::string text = r_.RequiredString("attack_type", 128);
    if (!r_.ok()) return;
    if (auto type = ParseAttackType(text)) {
      report.attack_type = *type;
    } else {
      r_.Fail("attack_type", "invalid-value",
              "'" + text + "' is not an RSIT class, class:type or type (see doc/incidents.md)");
    }
  }

  void ReadProducts(Report& report) {
    auto items = r_.OptionalStringArray("affected_products", kMaxListItems, 1024);
    if (!items) return;
    for (size_t i = 0; i < items->size(); ++i) {
      const std::string& text = (*items)[i];
      const std::string pointer = r_.PointerOf("affected_products") + "/" + std::to_string(i);
      AffectedProduct product;
      if (text.starts_with("pkg:")) {
        auto purl = advisories::ParsePurl(text);
        if (!purl) return r_.Fail(InvalidArgument("invalid-value", purl.error().detail(), pointer));
        product = {AffectedProduct::Kind::kPurl, advisories::FormatPurl(*purl)};
      } else if (text.starts_with("cpe:")) {
        auto cpe = advisories::ParseCpe(text);
        if (!cpe) return r_.Fail(InvalidArgument("invalid-value", cpe.error().detail(), pointer));
        product = {AffectedProduct::Kind::kCpe, advisories::FormatCpe(*cpe)};
      } else {
        product = {AffectedProduct::Kind::kText, text};
      }
      report.affected_products.push_back(std::move(product));
    }
  }

  void ReadIndicators(Report& report) {
    const bj::array* items = r_.OptionalArray("indicators");
    if (items == nullptr) return;
    const std::string base = r_.PointerOf("indicators");
    if (items->size() > kMaxIndicators) {
      return r_.Fail("indicators", "out-of-range",
                     "'indicators' has more than " + std::to_string(kMaxIndicators) + " items");
    }
    std::set<std::pair<IndicatorType, std::string>> seen;
    for (size_t i = 0; i < items->size(); ++i) {
      const std::string pointer = base + "/" + std::to_string(i);
      if (!(*items)[i].is_object()) {
        return r_.Fail(InvalidArgument(
            "wrong-type",
            "items of 'indicators' must be objects, got " + std::string(json::KindName((*items)[i])),
            pointer));
      }
      json::ObjectReader item((*items)[i].get_object(), pointer);
      const std::string type_name = item.RequiredString("type", 32);
      const std::string value = item.RequiredString("value", 8192);
      Indicator indicator;
      if (item.ok()) {
        if (auto type = ParseIndicatorType(type_name)) {
          indicator.type = *type;
          auto canonical = CanonicalIndicatorValue(*type, value);
          if (canonical) {
            indicator.value = std::move(*canonical);
          } else {
            item.Fail("value", "invalid-value", canonical.error().detail());
          }
        } else {
          item.Fail("type", "invalid-value",
                    "'" + type_name + "' is not an indicator type (see doc/incidents.md)");
        }
      }
      if (Status s = item.Finish(); !s.ok()) return r_.Fail(s);
      if (!seen.emplace(indicator.type, indicator.value).second) {
        return r_.Fail(InvalidArgument("invalid-value",
                                       "duplicate indicator " +
                                           std::string(IndicatorTypeName(indicator.type)) + " '" +
                                           indicator.value + "'",
                                       pointer));
      }
      report.indicators.push_back(std::move(indicator));
    }
  }

  void ReadLoss(Report& report) {
    const bj::object* object = r_.OptionalObject("estimated_loss");
    if (object == nullptr) return;
    json::ObjectReader loss(*object, r_.PointerOf("estimated_loss"));
    EstimatedLoss out;
    out.amount = loss.OptionalInt("amount", 0, int64_t{1} << 53);
    std::optional<std::string> band = loss.OptionalString("band", 16);
    out.currency = loss.RequiredString("currency", 3);
    if (loss.ok() && !IsCurrencyCode(out.currency)) {
      loss.Fail("currency", "invalid-value", "'" + out.currency + "' is not an ISO 4217 alphabetic code");
    }
    if (loss.ok() && band) {
      out.band = ParseLossBand(*band);
      if (!out.band)
        loss.Fail("band", "invalid-value", "'" + *band + "' is not a loss band (see doc/incidents.md)");
    }
    if (loss.ok() && out.amount.has_value() == out.band.has_value()) {
      loss.Fail(out.amount ? "band" : "amount", out.amount ? "invalid-value" : "missing-field",
                "give exactly one of 'amount' and 'band'");
    }
    if (Status s = loss.Finish(); !s.ok()) return r_.Fail(s);
    report.estimated_loss = std::move(out);
  }

  void ReadAttachments(Report& report) {
    const bj::array* items = r_.OptionalArray("attachments");
    if (items == nullptr) return;
    const std::string base = r_.PointerOf("attachments");
    if (items->size() > kMaxListItems) {
      return r_.Fail("attachments", "out-of-range", "'attachments' has too many items");
    }
    for (size_t i = 0; i < items->size(); ++i) {
      const std::string pointer = base + "/" + std::to_string(i);
      if (!(*items)[i].is_object()) {
        return r_.Fail(InvalidArgument(
            "wrong-type",
            "items of 'attachments' must be objects, got " + std::string(json::KindName((*items)[i])),
            pointer));
      }
      json::ObjectReader item((*items)[i].get_object(), pointer);
      Attachment a;
      const std::string sha = item.RequiredString("sha256", 64);
      if (item.ok()) {
        auto hex = CanonicalHex(sha, 64);
        if (hex) {
          a.sha256 = *hex;
        } else {
          item.Fail("sha256", "invalid-value", "'sha256' must be 64 hex digits");
        }
      }
      a.name = item.OptionalString("name", 255).value_or("");
      a.media_type = item.OptionalString("media_type", 127).value_or("");
      if (item.ok() && !a.media_type.empty()) {
        const size_t slash = a.media_type.find('/');
        bool ok = slash != std::string::npos && slash > 0 && slash + 1 < a.media_type.size();
        for (char c : a.media_type) {
          ok = ok && c > ' ' && c < 0x7f &&
               std::string_view("()<>@,;:\\\"[]?={}").find(c) == std::string_view::npos;
        }
        if (!ok)
          item.Fail("media_type", "invalid-value",
                    "'" + a.media_type + "' is not a media type (type/subtype)");
      }
      a.size = item.OptionalInt("size", 0, int64_t{1} << 53);
      if (Status s = item.Finish(); !s.ok()) return r_.Fail(s);
      report.attachments.push_back(std::move(a));
    }
  }

  void ReadReporter(Report& report) {
    const bj::object* object = r_.OptionalObject("reporter");
    if (object == nullptr) return;
    json::ObjectReader reader(*object, r_.PointerOf("reporter"));
    Reporter out;
    out.organisation = reader.RequiredString("organisation", 256);
    out.organisation_id = reader.OptionalString("organisation_id", 64).value_or("");
    if (reader.ok() && !out.organisation_id.empty() && !HasIdShape(out.organisation_id, "org")) {
      reader.Fail("organisation_id", "invalid-value",
                  "'" + out.organisation_id + "' is not an organisation id");
    }
    out.contact_name = reader.OptionalString("contact_name", 256).value_or("");
    const std::string email = reader.OptionalString("email", 254).value_or("");
    if (reader.ok() && !email.empty()) {
      auto canonical = CanonicalEmail(email);
      if (canonical) {
        out.email = *canonical;
      } else {
        reader.Fail("email", "invalid-value", canonical.error().detail());
      }
    }
    out.phone = reader.OptionalString("phone", 64).value_or("");
    if (reader.ok() && !out.phone.empty() && !IsPhone(out.phone)) {
      reader.Fail("phone", "invalid-value",
                  "'" + out.phone + "' is not a phone number (5-20 digits, + ( ) - . / spaces)");
    }
    if (Status s = reader.Finish(); !s.ok()) return r_.Fail(s);
    report.reporter = std::move(out);
  }

  void ReadReporterNetworks(Report& report) {
    auto items = r_.OptionalStringArray("reporter_networks", kMaxListItems, 64);
    if (!items) return;
    for (size_t i = 0; i < items->size(); ++i) {
      auto network = ParseIpNetwork((*items)[i]);
      if (!network) {
        return r_.Fail(
            network.error().WithFieldPrefix(r_.PointerOf("reporter_networks") + "/" + std::to_string(i)));
      }
      report.reporter_networks.push_back(*network);
    }
  }

  void ReadReporterDomains(Report& report) {
    auto items = r_.OptionalStringArray("reporter_domains", kMaxListItems, 253);
    if (!items) return;
    for (size_t i = 0; i < items->size(); ++i) {
      auto domain = CanonicalDomain((*items)[i]);
      if (!domain) {
        return r_.Fail(
            domain.error().WithFieldPrefix(r_.PointerOf("reporter_domains") + "/" + std::to_string(i)));
      }
      report.reporter_domains.push_back(*domain);
    }
  }

  void ReadDistribution(Report& report) {
    const std::string tlp = r_.RequiredString("tlp", 16);
    if (r_.ok()) {
      if (auto parsed = ParseTlp(tlp)) {
        report.tlp = *parsed;
      } else {
        r_.Fail("tlp", "invalid-value", "'" + tlp + "' is not CLEAR, GREEN, AMBER, AMBER+STRICT or RED");
      }
    }
    report.recipients =
        r_.OptionalStringArray("recipients", kMaxListItems, 64).value_or(std::vector<std::string>{});
    for (size_t i = 0; r_.ok() && i < report.recipients.size(); ++i) {
      if (!HasIdShape(report.recipients[i], "org")) {
        r_.Fail(InvalidArgument("invalid-value", "'" + report.recipients[i] + "' is not an organisation id",
                                r_.PointerOf("recipients") + "/" + std::to_string(i)));
      }
    }
    if (r_.ok() && report.tlp == Tlp::kRed && report.recipients.empty()) {
      r_.Fail("recipients", "missing-field", "TLP:RED needs 'recipients', the organisations it may go to");
    } else if (r_.ok() && report.tlp != Tlp::kRed && !report.recipients.empty()) {
      r_.Fail("recipients", "invalid-value", "'recipients' is only for TLP:RED (named recipients)");
    }
    report.sharing_groups =
        r_.OptionalStringArray("sharing_groups", kMaxListItems, 64).value_or(std::vector<std::string>{});
    for (size_t i = 0; r_.ok() && i < report.sharing_groups.size(); ++i) {
      if (!IsGroupId(report.sharing_groups[i])) {
        r_.Fail(InvalidArgument(
            "invalid-value",
            "'" + report.sharing_groups[i] + "' is not a sharing-group id (1-64 of a-z 0-9 _ -)",
            r_.PointerOf("sharing_groups") + "/" + std::to_string(i)));
      }
    }
    report.national_only = r_.OptionalBool("national_only").value_or(false);
  }

  json::ObjectReader r_;
};

bj::array Strings(const std::vector<std::string>& items) {
  bj::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

}  // namespace

bool IsCountryCode(std::string_view code) { return InSorted(kCountryCodes, code); }
bool IsSubdivisionCode(std::string_view code) { return InSorted(kSubdivisionCodes, code); }
bool IsCurrencyCode(std::string_view code) { return InSorted(kCurrencyCodes, code); }

Result<Report> ParseReportObject(const bj::object& object, const std::string& pointer) {
  return Parser(object, pointer).Run();
}

Result<Report> ParseReport(std::string_view json_text) {
  AIIP_ASSIGN_OR_RETURN(bj::object object, json::ParseObject(json_text));
  return ParseReportObject(object);
}

bj::object ReportToJson(const Report& report) {
  bj::object o;
  o["title"] = report.title;
  o["first_seen"] = FormatRfc3339(report.first_seen);
  if (report.last_seen) o["last_seen"] = FormatRfc3339(*report.last_seen);
  if (report.detected_at) o["detected_at"] = FormatRfc3339(*report.detected_at);
  if (report.reported_at) o["reported_at"] = FormatRfc3339(*report.reported_at);
  o["sector"] = SectorCode(report.sector);
  if (report.region) {
    bj::object region{{"country", report.region->country}};
    if (!report.region->subdivision.empty()) region["subdivision"] = report.region->subdivision;
    o["region"] = std::move(region);
  }
  o["attack_type"] = report.attack_type.ToString();
  if (!report.affected_products.empty()) {
    bj::array products;
    for (const auto& p : report.affected_products) products.emplace_back(p.value);
    o["affected_products"] = std::move(products);
  }
  if (!report.indicators.empty()) {
    bj::array indicators;
    for (const auto& i : report.indicators) {
      indicators.emplace_back(bj::object{{"type", IndicatorTypeName(i.type)}, {"value", i.value}});
    }
    o["indicators"] = std::move(indicators);
  }
  if (report.estimated_loss) {
    bj::object loss;
    if (report.estimated_loss->amount) loss["amount"] = *report.estimated_loss->amount;
    if (report.estimated_loss->band) loss["band"] = LossBandName(*report.estimated_loss->band);
    loss["currency"] = report.estimated_loss->currency;
    o["estimated_loss"] = std::move(loss);
  }
  if (!report.narrative.empty()) o["narrative"] = report.narrative;
  if (!report.attachments.empty()) {
    bj::array attachments;
    for (const auto& a : report.attachments) {
      bj::object item{{"sha256", a.sha256}};
      if (!a.name.empty()) item["name"] = a.name;
      if (!a.media_type.empty()) item["media_type"] = a.media_type;
      if (a.size) item["size"] = *a.size;
      attachments.emplace_back(std::move(item));
    }
    o["attachments"] = std::move(attachments);
  }
  if (report.reporter) {
    const Reporter& r = *report.reporter;
    bj::object reporter{{"organisation", r.organisation}};
    if (!r.organisation_id.empty()) reporter["organisation_id"] = r.organisation_id;
    if (!r.contact_name.empty()) reporter["contact_name"] = r.contact_name;
    if (!r.email.empty()) reporter["email"] = r.email;
    if (!r.phone.empty()) reporter["phone"] = r.phone;
    o["reporter"] = std::move(reporter);
  }
  if (!report.reporter_networks.empty()) {
    bj::array networks;
    for (const auto& n : report.reporter_networks) networks.emplace_back(FormatIpNetwork(n));
    o["reporter_networks"] = std::move(networks);
  }
  if (!report.reporter_domains.empty()) o["reporter_domains"] = Strings(report.reporter_domains);
  o["tlp"] = TlpName(report.tlp);
  if (!report.recipients.empty()) o["recipients"] = Strings(report.recipients);
  if (!report.sharing_groups.empty()) o["sharing_groups"] = Strings(report.sharing_groups);
  if (report.national_only) o["national_only"] = true;
  return o;
}

std::string SerializeReport(const Report& report) { return bj::serialize(ReportToJson(report)); }

Status ValidateReport(const Report& report) {
  const bj::object json = ReportToJson(report);
  AIIP_ASSIGN_OR_RETURN(Report parsed, ParseReportObject(json));
  if (parsed == report) return Status::Ok();
  const bj::object again = ReportToJson(parsed);
  for (const auto& member : json) {
    const bj::value* other = again.if_contains(member.key());
    if (other == nullptr || *other != member.value()) {
      return InvalidArgument("not-canonical", "'" + std::string(member.key()) + "' is not in canonical form",
                             "/" + json::PointerEscape(member.key()));
    }
  }
  return InvalidArgument("not-canonical", "the report is not in canonical form");
}

}  // namespace aiip::incidents
