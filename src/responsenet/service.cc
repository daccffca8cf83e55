#include "responsenet/service.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <map>
#include <set>
#include <unordered_map>

#include "common/encoding.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/log.h"
#include "common/time.h"
#include "crypto/sha256.h"
#include "response/attribution/address_list.h"
#include "response/attribution/libloc_loader.h"
#include "response/capture/capture.h"
#include "response/mitigation/aggregate.h"
#include "response/mitigation/dots.h"
#include "response/mitigation/escalation.h"
#include "response/mitigation/grouping.h"
#include "response/rpsl/rpsl.h"
#include "responsenet/source_codec.h"

namespace aiip::responsenet {

namespace bj = boost::json;
using attribution::IpAddress;
using attribution::Prefix;
using registry::Actor;

namespace {

constexpr size_t kMaxAttributeAddresses = 100'000;
constexpr size_t kMaxListedErrors = 20;
constexpr size_t kMaxGroupsPerRequest = 1000;
constexpr size_t kMaxAbuseAsnsPerRequest = 50;
constexpr std::string_view kScopeKey = "ietf-dots-signal-channel:mitigation-scope";
constexpr std::string_view kSourcePrefixKey = "ietf-dots-call-home:source-prefix";

std::string MemberOf(const Actor& actor) { return actor.IsSystem() ? "system" : actor.member; }

bool IsAgency(const Actor& actor) {
  return actor.IsSystem() || actor.HasRole("admin") || actor.HasRole("secretariat");
}

bool ParseUint(std::string_view text, uint64_t max, uint64_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out <= max;
}

bj::array PortsJson(const std::vector<mitigation::PortRange>& ports) {
  bj::array out;
  for (const auto& p : ports) out.push_back(bj::object{{"lower-port", p.lower}, {"upper-port", p.upper}});
  return out;
}

std::vector<mitigation::PortRange> PortsFromJson(const bj::value& value) {
  std::vector<mitigation::PortRange> out;
  if (!value.is_array()) return out;
  for (const bj::value& item : value.get_array()) {
    if (!item.is_object()) continue;
    const bj::object& o = item.get_object();
    const bj::value* lower = o.if_contains("lower-port");
    const bj::value* upper = o.if_contains("upper-port");
    if (lower == nullptr || upper == nullptr || !lower->is_number() || !upper->is_number()) continue;
    out.push_back({static_cast<uint16_t>(lower->to_number<int64_t>()),
                   static_cast<uint16_t>(upper->to_number<int64_t>())});
  }
  return out;
}

bj::array Strings(const std::vector<std::string>& values) {
  bj::array out;
  for (const std::string& v : values) out.emplace_back(v);
  return out;
}

Result<uint32_t> ParseAsnText(std::string_view text, const std::string& field) {
  if (text.size() > 2 && (text[0] == 'A' || text[0] == 'a') && (text[1] == 'S' || text[1] == 's')) {
    text.remove_prefix(2);
  }
  uint64_t n = 0;
  if (!ParseUint(text, 4294967295u, n) || n == 0) {
    return Err(InvalidArgument("invalid-value", "an ASN is 1..4294967295 (optionally written AS<n>)", field));
  }
  return static_cast<uint32_t>(n);
}

// The scope of a stored request, back from the JSON this service wrote.
Result<mitigation::MitigationScope> ScopeFromJson(std::string_view text) {
  AIIP_ASSIGN_OR_RETURN(bj::object json, json::ParseObject(text));
  mitigation::MitigationScope scope;
  const bj::value* wrapper = json.if_contains(kScopeKey);
  if (wrapper == nullptr || !wrapper->is_object() || !wrapper->get_object().contains("scope")) {
    return Err(DataLoss("a stored mitigation scope lacks its envelope"));
  }
  const bj::value& list = wrapper->get_object().at("scope");
  if (!list.is_array() || list.get_array().empty() || !list.get_array()[0].is_object()) {
    return Err(DataLoss("a stored mitigation scope has no entry"));
  }
  const bj::object& s = list.get_array()[0].get_object();
  auto prefixes = [&](std::string_view key, std::vector<Prefix>& out) -> Status {
    const bj::value* v = s.if_contains(key);
    if (v == nullptr || !v->is_array()) return Status::Ok();
    for (const bj::value& item : v->get_array()) {
      if (!item.is_string()) return DataLoss("a stored prefix is not a string");
      AIIP_ASSIGN_OR_RETURN(Prefix p, Prefix::Parse(std::string(item.get_string())));
      out.push_back(p);
    }
    return Status::Ok();
  };
  if (const bj::value* mid = s.if_contains("mid"); mid != nullptr && mid->is_number()) {
    scope.mid = static_cast<uint32_t>(mid->to_number<int64_t>());
  }
  AIIP_RETURN_IF_ERROR(prefixes("target-prefix", scope.target_prefix));
  AIIP_RETURN_IF_ERROR(prefixes(kSourcePrefixKey, scope.source_prefix));
  if (const bj::value* ports = s.if_contains("target-port-range"))
    scope.target_port_range = PortsFromJson(*ports);
  if (const bj::value* protocols = s.if_contains("target-protocol");
      protocols != nullptr && protocols->is_array()) {
    for (const bj::value& p : protocols->get_array()) {
      if (p.is_number()) scope.target_protocol.push_back(static_cast<uint8_t>(p.to_number<int64_t>()));
    }
  }
  if (const bj::value* lifetime = s.if_contains("lifetime"); lifetime != nullptr && lifetime->is_number()) {
    scope.lifetime = lifetime->to_number<int64_t>();
  }
  return scope;
}

}  // namespace

// ---- Internal types ----

struct ResponseService::Directory {
  std::unordered_map<uint32_t, mitigation::Responder> operators;  // verified claims
  std::map<std::string, mitigation::Responder, std::less<>> csirts;
  mitigation::Responder duty_desk;
  std::map<std::string, std::vector<mitigation::Responder>, std::less<>> law_enforcement;

  mitigation::ResponderDirectory ForGrouping() const {
    mitigation::ResponderDirectory d;
    d.operator_for_asn = [this](uint32_t asn) -> std::optional<mitigation::Responder> {
      auto it = operators.find(asn);
      if (it == operators.end()) return std::nullopt;
      return it->second;
    };
    d.csirt_for_country = [this](std::string_view country) -> std::optional<mitigation::Responder> {
      auto it = csirts.find(country);
      if (it == csirts.end()) return std::nullopt;
      return it->second;
    };
    d.duty_desk = duty_desk;
    return d;
  }
};

struct ResponseService::CaseRow {
  std::string id;
  std::string victim;
  Prefix target;
  std::vector<mitigation::PortRange> ports;
  std::optional<uint8_t> protocol;
  SystemTime from{};
  SystemTime to{};
  SystemTime attack_time{};
  int64_t lifetime = 3600;
  std::optional<bj::object> capture;
  int64_t version = 0;
};

// ---- Construction and loading ----

ResponseService::ResponseService(store::Store& store, notify::EventLog& events, registry::AuditAppend audit,
                                 const Clock& clock, Random& random, std::function<void()> events_committed,
                                 ResponseOptions options)
    : store_(store),
      events_(events),
      audit_(std::move(audit)),
      clock_(clock),
      random_(random),
      events_committed_(std::move(events_committed)),
      options_(std::move(options)),
      attribution_problem_("the location datasets are not loaded yet") {
  if (options_.max_prefixes == 0) options_.max_prefixes = 1;
}

ResponseService::~ResponseService() { StopEscalations(); }

Status ResponseService::Load() {
  std::vector<std::string> paths = options_.extra_datasets;
  paths.insert(paths.begin(), options_.location_db);
  std::vector<std::string> problems;
  if (!options_.preloaded.empty()) paths.clear();
  for (const PreloadedDataset& d : options_.preloaded) {
    if (Status added = datasets_.Add(d.info, d.table); !added.ok())
      problems.push_back(d.info.id + ": " + added.detail());
  }
  for (const std::string& path : paths) {
    Result<attribution::LoadedDataset> loaded = attribution::LoadLocationDb(path);
    if (!loaded) {
      problems.push_back(path + ": " + loaded.error().detail());
      continue;
    }
    if (Status added = datasets_.Add(loaded->info, loaded->table); !added.ok()) {
      problems.push_back(path + ": " + added.detail());
      continue;
    }
    log::Info("location dataset loaded",
              {{"id", loaded->info.id},
               {"path", path},
               {"v4_networks", loaded->stats.v4_networks},
               {"v6_networks", loaded->stats.v6_networks},
               {"seconds", loaded->stats.read_seconds + loaded->stats.build_seconds}});
  }
  attribution_problem_.clear();
  if (datasets_.datasets().empty()) {
    attribution_problem_ = "no location dataset could be loaded (" +
                           (problems.empty() ? std::string("none configured") : problems.front()) +
                           "); install Debian's libloc-database or set location_db";
    log::Error("attribution disabled", {{"problem", attribution_problem_}});
  } else {
    for (const std::string& p : problems) log::Warn("location dataset skipped", {{"problem", p}});
  }

  // The abuse directory, from every stored import in order.
  rpsl::AbuseDirectoryBuilder builder;
  store::Rows rows;
  Status stored_6 = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(
        rows, tx.Query("SELECT id, source_name, body FROM abuse_imports ORDER BY imported_at, id"));
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(stored_6);
  for (const store::Row& row : rows) {
    Result<std::string> text = Inflate(row.BlobBytes(2));
    if (!text) {
      log::Error("a stored abuse-contact import no longer inflates; skipped",
                 {{"id", row.Text(0)}, {"error", text.error().ToString()}});
      continue;
    }
    builder.AddText(row.Text(1), *text);
  }
  std::lock_guard lock(abuse_mu_);
  abuse_ = std::make_shared<const rpsl::AbuseDirectory>(builder.Build());
  return Status::Ok();
}

// ---- Operators and ASNs ----

namespace {

Result<std::string> OrganisationKind(store::Tx& tx, std::string_view organisation) {
  AIIP_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query("SELECT kind FROM organisations WHERE id = ?", {std::string(organisation)}));
  if (rows.empty()) return Err(NotFound("no organisation " + std::string(organisation)));
  return rows[0].Text(0);
}

bj::object AsnJson(const store::Row& row) {
  return bj::object{{"asn", row.Int(0)},
                    {"organisation", row.Text(1)},
                    {"registered_by", row.Text(2)},
                    {"registered_at", row.Text(3)},
                    {"verified", !row.IsNull(5)},
                    {"verified_by", row.IsNull(4) ? bj::value(nullptr) : bj::value(row.Text(4))},
                    {"verified_at", row.IsNull(5) ? bj::value(nullptr) : bj::value(row.Text(5))}};
}

constexpr std::string_view kAsnColumns =
    "asn, organisation, registered_by, registered_at, verified_by, verified_at";

}  // namespace

Result<bj::object> ResponseService::RegisterAsn(const Actor& actor, std::string_view organisation,
                                                const bj::object& body) {
  json::ObjectReader reader(body);
  const int64_t asn = reader.RequiredInt("asn", 1, 4294967295LL);
  AIIP_RETURN_IF_ERROR(reader.Finish());
  if (!(actor.IsSystem() || actor.HasRole("admin") || actor.organisation == organisation)) {
    return Err(PermissionDenied("only members of " + std::string(organisation) +
                                " or an administrator may do this"));
  }
  std::lock_guard lock(write_mu_);
  const std::string now = FormatRfc3339(clock_.Now());
  bj::object out;
  Status stored_0 = store_.Write([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(std::string kind, OrganisationKind(tx, organisation));
    if (kind != "operator") {
      return FailedPrecondition("not-an-operator", std::string(organisation) + " is of kind " + kind +
                                                       "; only operators register ASNs");
    }
    AIIP_ASSIGN_OR_RETURN(store::Rows existing,
                          tx.Query("SELECT asn FROM operator_asns WHERE asn = ? AND organisation = ?",
                                   {asn, std::string(organisation)}));
    if (!existing.empty()) {
      return Conflict("AS" + std::to_string(asn) + " is already registered by " + std::string(organisation),
                      "/asn");
    }
    AIIP_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO operator_asns (" + std::string(kAsnColumns) + ") VALUES (?, ?, ?, ?, NULL, NULL)",
        {asn, std::string(organisation), MemberOf(actor), now}));
    AIIP_ASSIGN_OR_RETURN(store::Rows rows,
                          tx.Query("SELECT " + std::string(kAsnColumns) +
                                       " FROM operator_asns WHERE asn = ? AND organisation = ?",
                                   {asn, std::string(organisation)}));
    out = AsnJson(rows.at(0));
    return audit_(tx, registry::AuditEvent{MemberOf(actor), actor.organisation, "operator.asn.register",
                                           std::string(organisation) + ":AS" + std::to_string(asn),
                                           bj::serialize(out)});
  });
  AIIP_RETURN_IF_ERROR(stored_0);
  return out;
}

Result<std::vector<bj::object>> ResponseService::ListAsns(const Actor&, std::string_view organisation) const {
  std::vector<bj::object> out;
  Status stored_7 = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_RETURN_IF_ERROR(StatusOf(OrganisationKind(tx, organisation)));
    AIIP_ASSIGN_OR_RETURN(store::Rows rows,
                          tx.Query("SELECT " + std::string(kAsnColumns) +
                                       " FROM operator_asns WHERE organisation = ? ORDER BY asn",
                                   {std::string(organisation)}));
    for (const store::Row& row : rows) out.push_back(AsnJson(row));
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(stored_7);
  return out;
}

Result<bj::object> ResponseService::VerifyAsn(const Actor& actor, std::string_view asn_text,
                                              const bj::object& body) {
  AIIP_ASSIGN_OR_RETURN(uint32_t asn, ParseAsnText(asn_text, "asn"));
  json::ObjectReader reader(body);
  const std::string organisation = reader.RequiredString("organisation", 64);
  AIIP_RETURN_IF_ERROR(reader.Finish());
  if (!IsAgency(actor)) return Err(PermissionDenied("only the Agency (admin or secretariat) verifies ASNs"));
  std::lock_guard lock(write_mu_);
  const std::string now = FormatRfc3339(clock_.Now());
  bj::object out;
  Status stored_1 = store_.Write([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(store::Rows claim,
                          tx.Query("SELECT verified_at FROM operator_asns WHERE asn = ? AND organisation = ?",
                                   {int64_t{asn}, organisation}));
    if (claim.empty()) {
      return NotFound(organisation + " has not registered AS" + std::to_string(asn));
    }
    AIIP_ASSIGN_OR_RETURN(
        store::Rows other,
        tx.Query("SELECT organisation FROM operator_asns WHERE asn = ? AND organisation <> ? "
                 "AND verified_at IS NOT NULL",
                 {int64_t{asn}, organisation}));
    if (!other.empty()) {
      return Conflict("AS" + std::to_string(asn) + " is verified for " + other[0].Text(0) + " already",
                      "/organisation");
    }
    if (claim[0].IsNull(0)) {
      AIIP_RETURN_IF_ERROR(
          tx.Exec("UPDATE operator_asns SET verified_by = ?, verified_at = ? "
                  "WHERE asn = ? AND organisation = ?",
                  {MemberOf(actor), now, int64_t{asn}, organisation}));
    }
    AIIP_ASSIGN_OR_RETURN(store::Rows rows,
                          tx.Query("SELECT " + std::string(kAsnColumns) +
                                       " FROM operator_asns WHERE asn = ? AND organisation = ?",
                                   {int64_t{asn}, organisation}));
    out = AsnJson(rows.at(0));
    return audit_(tx, registry::AuditEvent{MemberOf(actor), actor.organisation, "operator.asn.verify",
                                           organisation + ":AS" + std::to_string(asn), bj::serialize(out)});
  });
  AIIP_RETURN_IF_ERROR(stored_1);
  return out;
}

// ---- Abuse contacts ----

Result<bj::object> ResponseService::ImportAbuseContacts(const Actor& actor, std::string_view text,
                                                        std::string source_name, bool replace) {
  if (!(actor.IsSystem() || actor.HasRole("admin"))) {
    return Err(PermissionDenied("only administrators import abuse contacts"));
  }
  if (text.empty()) return Err(InvalidArgument("missing-field", "the body is the RPSL text to import"));
  if (text.find('\0') != std::string_view::npos) {
    return Err(InvalidArgument("invalid-value", "RPSL text must not contain NUL bytes"));
  }
  // The objects of this text, to list their resolved contacts.
  std::vector<std::pair<std::string, std::string>> keys;  // (class, key)
  rpsl::Reader reader(
      source_name, [&](const rpsl::Object& o) { keys.emplace_back(o.class_name, o.key); },
      [](const rpsl::Issue&) {},
      [](std::string_view c) { return c == "aut-num" || c == "inetnum" || c == "inet6num"; },
      [](std::string_view, std::string_view) { return false; });
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    reader.Line(text.substr(start, end - start));
    start = end + 1;
  }
  reader.Finish();

  std::lock_guard lock(write_mu_);
  // The new directory: earlier imports (unless replaced) then this text.
  store::Rows previous;
  if (!replace) {
    Status stored_8 = store_.Read([&](store::Tx& tx) -> Status {
      AIIP_ASSIGN_OR_RETURN(
          previous, tx.Query("SELECT id, source_name, body FROM abuse_imports ORDER BY imported_at, id"));
      return Status::Ok();
    });
    AIIP_RETURN_IF_ERROR(stored_8);
  }
  rpsl::AbuseDirectoryBuilder builder;
  for (const store::Row& row : previous) {
    AIIP_ASSIGN_OR_RETURN(std::string old, Inflate(row.BlobBytes(2)));
    builder.AddText(row.Text(1), old);
  }
  builder.AddText(source_name, text);
  const rpsl::LoadReport report = builder.report();
  auto directory = std::make_shared<const rpsl::AbuseDirectory>(builder.Build());

  struct ContactRow {
    std::string kind, object;
    std::optional<int64_t> asn;
    rpsl::AbuseAnswer answer;
  };
  std::vector<ContactRow> contacts;
  size_t unresolved = 0;
  for (const auto& [cls, key] : keys) {
    std::optional<rpsl::AbuseAnswer> answer;
    std::optional<int64_t> asn;
    if (cls == "aut-num") {
      Result<uint32_t> n = ParseAsnText(key, "");
      if (n) {
        asn = *n;
        answer = directory->ForAsn(*n);
      }
    } else if (cls == "inet6num") {
      if (Result<Prefix> p = Prefix::Parse(key)) answer = directory->ForPrefix(*p);
    } else {
      // "first - last": the contact of the range's first address answers for the range.
      std::string first(key.substr(0, key.find('-')));
      first.erase(first.find_last_not_of(" \t") + 1);
      if (Result<IpAddress> a = IpAddress::Parse(first)) answer = directory->ForAddress(*a);
    }
    if (!answer) {
      ++unresolved;
      continue;
    }
    contacts.push_back({cls, key, asn, std::move(*answer)});
  }

  const std::string now = FormatRfc3339(clock_.Now());
  const std::string id = NewId("abi", clock_, random_);
  bj::array issues;
  for (const rpsl::Issue& issue : report.issues) {
    if (issues.size() == kMaxListedErrors) break;
    issues.emplace_back(issue.ToString());
  }
  bj::object out{{"id", id},
                 {"source_name", source_name},
                 {"bytes", text.size()},
                 {"replace", replace},
                 {"lines", report.lines},
                 {"objects", report.objects},
                 {"kept", report.kept},
                 {"malformed", report.malformed},
                 {"duplicates", report.duplicates},
                 {"issue_count", report.issue_count},
                 {"issues", issues},
                 {"contacts", contacts.size()},
                 {"unresolved", unresolved},
                 {"directory", bj::object{{"aut_nums", directory->aut_nums()},
                                          {"inetnums", directory->inetnums()},
                                          {"inet6nums", directory->inet6nums()},
                                          {"roles", directory->roles()},
                                          {"organisations", directory->organisations()},
                                          {"irts", directory->irts()}}},
                 {"imported_at", now}};
  const std::string sha256 = HexEncode(crypto::Sha256(text));
  Status stored_2 = store_.Write([&](store::Tx& tx) -> Status {
    if (replace) {
      AIIP_RETURN_IF_ERROR(tx.Exec("DELETE FROM abuse_contacts"));
      AIIP_RETURN_IF_ERROR(tx.Exec("DELETE FROM abuse_imports"));
    }
    AIIP_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO abuse_imports (id, source_name, sha256, bytes, body, report, "
                "imported_by, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                {id, source_name, sha256, static_cast<int64_t>(text.size()), store::Blob{Deflate(text)},
                 bj::serialize(out), MemberOf(actor), now}));
    for (const ContactRow& c : contacts) {
      AIIP_RETURN_IF_ERROR(tx.Exec(
          "INSERT INTO abuse_contacts (import_id, kind, object, asn, mailbox, via, chain) VALUES (?, ?, ?, "
          "?, ?, ?, ?) "
          "ON CONFLICT (import_id, kind, object) DO NOTHING",
          {id, c.kind, c.object, c.asn ? store::Value(*c.asn) : store::Value(store::Null{}), c.answer.mailbox,
           std::string(rpsl::AbuseViaName(c.answer.via)), bj::serialize(Strings(c.answer.chain))}));
    }
    bj::object audited{{"id", id},
                       {"source_name", source_name},
                       {"sha256", sha256},
                       {"replace", replace},
                       {"contacts", contacts.size()}};
    return audit_(tx, registry::AuditEvent{MemberOf(actor), actor.organisation, "abuse-contacts.import", id,
                                           bj::serialize(audited)});
  });
  AIIP_RETURN_IF_ERROR(stored_2);
  std::lock_guard abuse_lock(abuse_mu_);
  abuse_ = std::move(directory);
  return out;
}

// ---- Attribution ----

namespace {

bj::object AttributionJson(const IpAddress& address, const attribution::Attribution& a) {
  bj::object out{{"address", address.ToString()}};
  if (!a.answer.found()) {
    out["network"] = nullptr;
    out["asn"] = nullptr;
    out["as_name"] = nullptr;
    out["country"] = nullptr;
    out["flags"] = bj::array{};
    return out;
  }
  attribution::NetworkInfo n = a.dataset->table->network(a.answer.network);
  out["network"] = n.prefix.ToString();
  out["asn"] = n.asn == 0 ? bj::value(nullptr) : bj::value(n.asn);
  out["as_name"] = n.as_name.empty() ? bj::value(nullptr) : bj::value(std::string(n.as_name));
  out["country"] = n.country.empty() ? bj::value(nullptr) : bj::value(std::string(n.country));
  bj::array flags;
  for (std::string_view f : attribution::FlagNames(n.flags)) flags.emplace_back(f);
  out["flags"] = std::move(flags);
  return out;
}

bj::object DatasetJson(const attribution::Dataset& d) {
  return bj::object{
      {"id", d.info.id},
      {"vendor", d.info.vendor},
      {"created_at", FormatRfc3339(d.info.created_at)},
      {"valid_from", FormatRfc3339(d.valid_from)},
      {"valid_until", d.valid_until ? bj::value(FormatRfc3339(*d.valid_until)) : bj::value(nullptr)}};
}

}  // namespace

Result<bj::object> ResponseService::Attribute(const bj::object& body) const {
  if (!attribution_problem_.empty()) {
    return Err(FailedPrecondition("attribution-unavailable", attribution_problem_));
  }
  json::ObjectReader reader(body);
  std::vector<std::string> addresses = reader.RequiredStringArray("addresses", kMaxAttributeAddresses, 64);
  std::optional<std::string> at_text = reader.OptionalString("at", 64);
  AIIP_RETURN_IF_ERROR(reader.Finish());
  SystemTime at = clock_.Now();
  if (at_text) {
    Result<SystemTime> parsed = ParseRfc3339(*at_text);
    if (!parsed)
      return Err(InvalidArgument("invalid-timestamp", "not an RFC 3339 time: '" + *at_text + "'", "/at"));
    at = *parsed;
  }
  const attribution::Dataset* dataset = datasets_.At(at);
  if (dataset == nullptr) {
    return Err(InvalidArgument("no-dataset", "no location dataset is valid at " + FormatRfc3339(at), "/at"));
  }
  bj::array results;
  for (size_t i = 0; i < addresses.size(); ++i) {
    Result<IpAddress> address = IpAddress::Parse(addresses[i]);
    if (!address) {
      return Err(InvalidArgument("invalid-address", "not an IP address: '" + addresses[i] + "'",
                                 "/addresses/" + std::to_string(i)));
    }
    attribution::Attribution a{dataset, dataset->table->Lookup(*address)};
    results.push_back(AttributionJson(*address, a));
  }
  return bj::object{
      {"at", FormatRfc3339(at)}, {"dataset", DatasetJson(*dataset)}, {"results", std::move(results)}};
}

// ---- Attack cases ----

namespace {

constexpr std::string_view kCaseColumns =
    "c.id, c.victim, o.name, c.opened_by, c.target_prefix, c.target_ports, c.target_protocol, c.window_from, "
    "c.window_to, c.attack_time, c.lifetime, c.dataset_id, c.status, c.sources, c.duplicates, "
    "c.unattributed, "
    "c.countries, c.capture, c.created_at, c.updated_at, c.version";
constexpr std::string_view kRequestColumns =
    "r.id, r.case_id, r.mid, r.responder, o.name, r.rung, r.scope, r.groups_json, r.asns, r.sources, "
    "r.prefixes, "
    "r.over_coverage, r.abuse, r.chain, r.escalated, r.state, r.status, r.bytes_dropped, r.pkts_dropped, "
    "r.attack_status, r.sent_at, r.acknowledged_at, r.acknowledged_by, r.created_at, r.updated_at, "
    "r.version, "
    "c.victim, v.name";
constexpr std::string_view kRequestFrom =
    " FROM mitigation_requests r JOIN organisations o ON o.id = r.responder JOIN attack_cases c ON c.id = "
    "r.case_id "
    "JOIN organisations v ON v.id = c.victim";

bj::value ParseStored(const std::string& text) {
  Result<bj::value> v = json::Parse(text);
  return v ? std::move(*v) : bj::value(nullptr);
}

bj::value OptionalInt(const store::Row& row, size_t i) {
  return row.IsNull(i) ? bj::value(nullptr) : bj::value(row.Int(i));
}
bj::value OptionalString(const store::Row& row, size_t i) {
  return row.IsNull(i) ? bj::value(nullptr) : bj::value(row.Text(i));
}

std::string_view StatusNameOf(const store::Row& row, size_t i) {
  if (row.IsNull(i)) return "";
  Result<mitigation::DotsStatus> s = mitigation::DotsStatusFromCode(row.Int(i));
  return s ? mitigation::DotsStatusName(*s) : "";
}

// One mitigation request as the API shows it; `detail` adds the DOTS scope, groups, abuse
// contacts and chain.
bj::object RequestJson(const store::Row& r, bool detail) {
  bj::object out{
      {"id", r.Text(0)},
      {"case", r.Text(1)},
      {"mid", r.Int(2)},
      {"responder", bj::object{{"id", r.Text(3)}, {"name", r.Text(4)}}},
      {"victim", bj::object{{"id", r.Text(26)}, {"name", r.Text(27)}}},
      {"rung", r.Text(5)},
      {"asns", r.Int(8)},
      {"sources", r.Int(9)},
      {"prefixes", r.Int(10)},
      {"over_coverage", r.Text(11)},
      {"state", r.Text(15)},
      {"status", OptionalInt(r, 16)},
      {"status_name", StatusNameOf(r, 16).empty() ? bj::value(nullptr) : bj::value(StatusNameOf(r, 16))},
      {"bytes_dropped", r.Int(17)},
      {"pkts_dropped", r.Int(18)},
      {"attack_status", OptionalInt(r, 19)},
      {"escalated", r.Int(14)},
      {"sent_at", r.Text(20)},
      {"acknowledged_at", OptionalString(r, 21)},
      {"acknowledged_by", OptionalString(r, 22)},
      {"created_at", r.Text(23)},
      {"updated_at", r.Text(24)},
      {"version", r.Int(25)}};
  bj::value chain = ParseStored(r.Text(13));
  out["chain_length"] = chain.is_array() ? chain.get_array().size() : 0;
  if (detail) {
    out["request"] = ParseStored(r.Text(6));
    out["groups"] = ParseStored(r.Text(7));
    out["abuse_contacts"] = ParseStored(r.Text(12));
    out["chain"] = std::move(chain);
  }
  return out;
}

struct ChainEntry {
  std::string organisation;
  std::optional<std::string> contact;
};

std::vector<ChainEntry> ChainOf(const std::string& text) {
  std::vector<ChainEntry> out;
  bj::value v = ParseStored(text);
  if (!v.is_array()) return out;
  for (const bj::value& item : v.get_array()) {
    if (!item.is_object()) continue;
    const bj::object& o = item.get_object();
    ChainEntry e;
    if (const bj::value* org = o.if_contains("organisation"); org != nullptr && org->is_string()) {
      e.organisation = std::string(org->get_string());
    }
    if (const bj::value* contact = o.if_contains("contact"); contact != nullptr && contact->is_string()) {
      e.contact = std::string(contact->get_string());
    }
    out.push_back(std::move(e));
  }
  return out;
}

// The chain entries of one organisation: its contacts by escalation order, or the
// organisation alone when it has none.
Result<bj::array> ChainEntriesOf(store::Tx& tx, const std::string& organisation, std::string_view role,
                                 bool all_contacts) {
  AIIP_ASSIGN_OR_RETURN(store::Rows org,
                        tx.Query("SELECT name FROM organisations WHERE id = ?", {organisation}));
  const std::string name = org.empty() ? std::string() : org[0].Text(0);
  AIIP_ASSIGN_OR_RETURN(store::Rows contacts,
                        tx.Query("SELECT id, name, phone, email, escalation_order FROM contacts "
                                 "WHERE organisation = ? ORDER BY escalation_order",
                                 {organisation}));
  bj::array out;
  for (const store::Row& c : contacts) {
    out.push_back(bj::object{{"organisation", organisation},
                             {"organisation_name", name},
                             {"role", role},
                             {"contact", c.Text(0)},
                             {"name", c.Text(1)},
                             {"phone", c.Text(2)},
                             {"email", c.Text(3)},
                             {"escalation_order", c.Int(4)}});
    if (!all_contacts) break;
  }
  if (out.empty()) {
    out.push_back(bj::object{{"organisation", organisation}, {"organisation_name", name}, {"role", role}});
  }
  return out;
}

Status Audit(const registry::AuditAppend& audit, store::Tx& tx, const Actor& actor, std::string action,
             std::string object, const bj::object& json) {
  return audit(tx, registry::AuditEvent{MemberOf(actor), actor.organisation, std::move(action),
                                        std::move(object), bj::serialize(json)});
}

Status AppendEvent(notify::EventLog& events, store::Tx& tx, std::string recipient, std::string kind,
                   std::string subject, bj::object data) {
  return StatusOf(events.Append(
      tx, notify::EventDraft{std::move(recipient), std::move(kind), std::move(subject), std::move(data)}));
}

}  // namespace

Result<ResponseService::Directory> ResponseService::ReadDirectory() const {
  Directory d;
  Status stored_9 = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(
        store::Rows ops,
        tx.Query("SELECT a.asn, o.id, o.name FROM operator_asns a JOIN organisations o "
                 "ON o.id = a.organisation WHERE a.verified_at IS NOT NULL ORDER BY a.asn, o.id"));
    for (const store::Row& r : ops) {
      d.operators.emplace(static_cast<uint32_t>(r.Int(0)), mitigation::Responder{r.Text(1), r.Text(2)});
    }
    AIIP_ASSIGN_OR_RETURN(store::Rows orgs,
                          tx.Query("SELECT id, name, kind, state FROM organisations WHERE kind IN "
                                   "('csirt', 'law-enforcement-247', 'agency') ORDER BY id"));
    for (const store::Row& r : orgs) {
      const std::string& kind = r.Text(2);
      std::optional<std::string> state = r.OptionalText(3);
      if (kind == "csirt" && state) {
        d.csirts.emplace(*state, mitigation::Responder{r.Text(0), r.Text(1)});  // the oldest id wins
      } else if (kind == "law-enforcement-247" && state) {
        d.law_enforcement[*state].push_back(mitigation::Responder{r.Text(0), r.Text(1)});
      } else if (kind == "agency" && r.Text(1) == options_.duty_desk && d.duty_desk.id.empty()) {
        d.duty_desk = mitigation::Responder{r.Text(0), r.Text(1)};
      }
    }
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(stored_9);
  if (d.duty_desk.id.empty()) {
    return Err(FailedPrecondition("no-duty-desk", "no organisation of kind agency is named '" +
                                                      options_.duty_desk + "' (node option duty_desk)"));
  }
  return d;
}

namespace {

bj::object CaptureJson(const capture::CaptureSummary& s) {
  bj::object out{
      {"link", s.link_name},         {"frames", s.counts.frames},         {"ip_packets", s.counts.ip},
      {"not_ip", s.counts.not_ip},   {"truncated", s.counts.truncated},   {"malformed", s.counts.malformed},
      {"sources", s.sources.size()}, {"file_truncated", s.file_truncated}};
  if (s.target) {
    bj::object t{{"prefix", s.target->prefix.ToString()},
                 {"prefix_share", s.target->prefix_share},
                 {"protocol", s.target->protocol},
                 {"protocol_share", s.target->protocol_share}};
    if (s.target->ports) {
      t["ports"] = PortsText({{s.target->ports->lower, s.target->ports->upper}});
      t["port_share"] = s.target->port_share;
    }
    out["target"] = std::move(t);
  }
  if (s.counts.ip > 0) {
    out["first"] = FormatRfc3339(SystemTime(std::chrono::milliseconds(s.first_ns / 1'000'000)));
    out["last"] = FormatRfc3339(SystemTime(std::chrono::milliseconds(s.last_ns / 1'000'000)));
  }
  return out;
}

}  // namespace

Result<bj::object> ResponseService::OpenCase(const Actor& actor, const bj::object& spec,
                                             std::optional<RawSources> raw) {
  if (!attribution_problem_.empty()) {
    return Err(FailedPrecondition("attribution-unavailable", attribution_problem_));
  }
  const auto read_started = clock_.Monotonic();
  AIIP_ASSIGN_OR_RETURN(SourceBatch sources, ReadSources(spec, raw, options_.max_sources));
  AIIP_ASSIGN_OR_RETURN(CaseSpec case_spec,
                        ReadCaseSpec(spec, !raw.has_value(), sources.capture ? &*sources.capture : nullptr));
  CaseRow row;
  row.target = case_spec.target;
  row.ports = std::move(case_spec.ports);
  row.protocol = case_spec.protocol;
  row.from = case_spec.from;
  row.to = case_spec.to;
  row.attack_time = case_spec.attack_time;
  row.lifetime = case_spec.lifetime;
  const std::optional<std::string>& victim = case_spec.victim;
  if (victim && !(actor.IsSystem() || actor.HasRole("admin"))) {
    return Err(InvalidArgument("invalid-value", "only administrators open a case for another organisation",
                               "/victim"));
  }
  row.victim = victim.value_or(actor.organisation);
  if (row.victim.empty()) {
    return Err(InvalidArgument("missing-field", "the node itself must name the victim", "/victim"));
  }
  if (sources.capture) row.capture = CaptureJson(*sources.capture);
  row.id = NewId("atk", clock_, random_);
  return Regroup(actor, row, std::move(sources), true, clock_.Monotonic() - read_started);
}

Result<bj::object> ResponseService::AddSources(const Actor& actor, std::string_view case_id,
                                               const bj::object& spec, std::optional<RawSources> raw) {
  if (!attribution_problem_.empty()) {
    return Err(FailedPrecondition("attribution-unavailable", attribution_problem_));
  }
  for (const auto& [key, value] : spec) {
    if ((key != "sources" && key != "sources_text" && key != "capture") || raw) {
      return Err(InvalidArgument("unknown-field", "unknown field '" + std::string(key) + "'",
                                 "/" + json::PointerEscape(key)));
    }
  }
  const auto read_started = clock_.Monotonic();
  AIIP_ASSIGN_OR_RETURN(SourceBatch sources, ReadSources(spec, raw, options_.max_sources));
  const auto read_time = clock_.Monotonic() - read_started;
  CaseRow row;
  Status stored_10 = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query("SELECT victim, target_prefix, target_ports, target_protocol, window_from, "
                 "window_to, attack_time, lifetime, version, status FROM attack_cases WHERE id = ?",
                 {std::string(case_id)}));
    if (rows.empty()) return NotFound("no attack case " + std::string(case_id));
    const store::Row& r = rows[0];
    row.id = std::string(case_id);
    row.victim = r.Text(0);
    AIIP_ASSIGN_OR_RETURN(row.target, Prefix::Parse(r.Text(1)));
    row.ports = PortsFromJson(ParseStored(r.Text(2)));
    if (!r.IsNull(3)) row.protocol = static_cast<uint8_t>(r.Int(3));
    AIIP_ASSIGN_OR_RETURN(row.from, ParseRfc3339(r.Text(4)));
    AIIP_ASSIGN_OR_RETURN(row.to, ParseRfc3339(r.Text(5)));
    AIIP_ASSIGN_OR_RETURN(row.attack_time, ParseRfc3339(r.Text(6)));
    row.lifetime = r.Int(7);
    row.version = r.Int(8);
    if (r.Text(9) != "open") return Conflict("attack case " + row.id + " is " + r.Text(9));
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(stored_10);
  if (!(actor.IsSystem() || actor.HasRole("admin") || actor.organisation == row.victim)) {
    return Err(PermissionDenied("only the victim's members or an administrator add sources"));
  }
  return Regroup(actor, row, std::move(sources), false, read_time);
}

Result<bj::object> ResponseService::Regroup(const Actor& actor, const CaseRow& row, SourceBatch added,
                                            bool opening, std::chrono::steady_clock::duration read_time) {
  const auto started = clock_.Monotonic();
  std::lock_guard lock(write_mu_);
  // Every source of the case: the stored batches and the new one.
  std::vector<IpAddress> all;
  int64_t next_batch = 1;
  if (!opening) {
    store::Rows batches;
    Status stored_11 = store_.Read([&](store::Tx& tx) -> Status {
      AIIP_ASSIGN_OR_RETURN(
          batches, tx.Query("SELECT seq, sources FROM attack_source_batches WHERE case_id = ? ORDER BY seq",
                            {row.id}));
      return Status::Ok();
    });
    AIIP_RETURN_IF_ERROR(stored_11);
    for (const store::Row& b : batches) {
      AIIP_ASSIGN_OR_RETURN(std::vector<IpAddress> stored, DecodeSources(b.BlobBytes(1)));
      all.insert(all.end(), stored.begin(), stored.end());
      next_batch = b.Int(0) + 1;
    }
  }
  all.insert(all.end(), added.addresses.begin(), added.addresses.end());

  AIIP_ASSIGN_OR_RETURN(Directory directory, ReadDirectory());
  const mitigation::ResponderDirectory lookup = directory.ForGrouping();
  Result<mitigation::Grouping> grouped = mitigation::GroupSources(all, datasets_, row.attack_time, lookup);
  if (!grouped) return Err(InvalidArgument("no-dataset", grouped.error().detail(), "/attack_time"));
  mitigation::Grouping grouping = std::move(*grouped);

  std::shared_ptr<const rpsl::AbuseDirectory> abuse;
  {
    std::lock_guard abuse_lock(abuse_mu_);
    abuse = abuse_;
  }

  // One request per responder.
  struct Planned {
    const mitigation::ResponderGroup* group;
    mitigation::Aggregation aggregation;
    std::string country;  // where most of its sources are
    bj::array groups;
    bj::array abuse_contacts;
    size_t asns = 0;
  };
  std::vector<Planned> planned;
  planned.reserve(grouping.responders.size());
  for (size_t i = 0; i < grouping.responders.size(); ++i) {
    const mitigation::ResponderGroup& rg = grouping.responders[i];
    std::vector<IpAddress> sources = grouping.SourcesOf(i);
    AIIP_ASSIGN_OR_RETURN(mitigation::Aggregation aggregation,
                          mitigation::Aggregate(sources, options_.max_prefixes));
    Planned p{&rg, std::move(aggregation), "", {}, {}, rg.as_groups.size()};
    std::vector<size_t> order = rg.as_groups;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return grouping.as_groups[a].sources.size() > grouping.as_groups[b].sources.size();
    });
    std::map<std::string, uint64_t> by_country;
    for (size_t g : rg.as_groups)
      by_country[grouping.as_groups[g].country] += grouping.as_groups[g].sources.size();
    uint64_t best = 0;
    for (const auto& [country, count] : by_country) {
      if (count > best && !country.empty()) {
        best = count;
        p.country = country;
      }
    }
    for (size_t k = 0; k < order.size(); ++k) {
      const mitigation::AsGroup& g = grouping.as_groups[order[k]];
      if (k < kMaxGroupsPerRequest) {
        p.groups.push_back(
            bj::object{{"asn", g.asn},
                       {"as_name", g.as_name},
                       {"country", g.country.empty() ? bj::value(nullptr) : bj::value(g.country)},
                       {"sources", g.sources.size()}});
      }
      if (k < kMaxAbuseAsnsPerRequest && abuse && g.asn != 0) {
        if (std::optional<rpsl::AbuseAnswer> a = abuse->ForAsn(g.asn)) {
          p.abuse_contacts.push_back(bj::object{{"asn", g.asn},
                                                {"mailbox", a->mailbox},
                                                {"via", rpsl::AbuseViaName(a->via)},
                                                {"chain", Strings(a->chain)}});
        }
      }
    }
    if (abuse) {
      for (const mitigation::CoveringPrefix& cp : p.aggregation.prefixes) {
        if (std::optional<rpsl::AbuseAnswer> a = abuse->ForPrefix(cp.prefix)) {
          p.abuse_contacts.push_back(bj::object{{"prefix", cp.prefix.ToString()},
                                                {"mailbox", a->mailbox},
                                                {"via", rpsl::AbuseViaName(a->via)},
                                                {"chain", Strings(a->chain)}});
        }
      }
    }
    planned.push_back(std::move(p));
  }

  // The per-country table.
  bj::array countries;
  for (const mitigation::CountryGroup& c : grouping.countries) {
    bj::array responders;
    for (size_t r : c.responders) responders.emplace_back(grouping.responders[r].assignment.responder.id);
    bj::array police;
    if (auto it = directory.law_enforcement.find(c.country); it != directory.law_enforcement.end()) {
      for (const mitigation::Responder& le : it->second) police.emplace_back(le.id);
    }
    countries.push_back(bj::object{{"country", c.country.empty() ? bj::value(nullptr) : bj::value(c.country)},
                                   {"sources", c.sources},
                                   {"asns", c.asns.size()},
                                   {"responders", std::move(responders)},
                                   {"law_enforcement", std::move(police)}});
  }
  const double grouped_seconds = std::chrono::duration<double>(clock_.Monotonic() - started).count();

  const SystemTime now_time = clock_.Now();
  const std::string now = FormatRfc3339(now_time);
  const std::string blob = EncodeSources(added.addresses);
  size_t created = 0;
  size_t updated = 0;
  size_t ended = 0;
  size_t notices = 0;
  const auto write_started = clock_.Monotonic();
  Status written = store_.Write([&](store::Tx& tx) -> Status {
    created = updated = ended = notices = 0;
    if (opening) {
      AIIP_RETURN_IF_ERROR(tx.Exec(
          "INSERT INTO attack_cases (id, victim, opened_by, target_prefix, target_ports, target_protocol, "
          "window_from, window_to, attack_time, lifetime, dataset_id, status, sources, duplicates, "
          "unattributed, "
          "countries, capture, created_at, updated_at, version) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, 1)",
          {row.id, row.victim, MemberOf(actor), row.target.ToString(), bj::serialize(PortsJson(row.ports)),
           row.protocol ? store::Value(int64_t{*row.protocol}) : store::Value(store::Null{}),
           FormatRfc3339(row.from), FormatRfc3339(row.to), FormatRfc3339(row.attack_time), row.lifetime,
           grouping.dataset_id, static_cast<int64_t>(grouping.sources),
           static_cast<int64_t>(grouping.duplicates), static_cast<int64_t>(grouping.unattributed),
           bj::serialize(countries),
           row.capture ? store::Value(bj::serialize(*row.capture)) : store::Value(store::Null{}), now, now}));
    } else {
      AIIP_RETURN_IF_ERROR(
          tx.Exec("UPDATE attack_cases SET sources = ?, duplicates = ?, unattributed = ?, countries = ?, "
                  "dataset_id = ?, "
                  "updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
                  {static_cast<int64_t>(grouping.sources), static_cast<int64_t>(grouping.duplicates),
                   static_cast<int64_t>(grouping.unattributed), bj::serialize(countries), grouping.dataset_id,
                   now, row.id, row.version}));
      if (tx.ChangedRows() != 1) return Conflict("attack case " + row.id + " changed meanwhile; retry");
    }
    AIIP_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO attack_source_batches (case_id, seq, input, addresses, rejected_lines, sources, "
                "received_at, "
                "received_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                {row.id, next_batch, added.input, static_cast<int64_t>(added.addresses.size()),
                 static_cast<int64_t>(added.rejected_lines), store::Blob{blob}, now, MemberOf(actor)}));
    bj::object case_audit{{"id", row.id},
                          {"victim", row.victim},
                          {"target", row.target.ToString()},
                          {"attack_time", FormatRfc3339(row.attack_time)},
                          {"dataset", grouping.dataset_id},
                          {"batch", next_batch},
                          {"batch_sha256", HexEncode(crypto::Sha256(blob))},
                          {"sources", grouping.sources}};
    AIIP_RETURN_IF_ERROR(
        Audit(audit_, tx, actor, opening ? "attack.open" : "attack.sources", row.id, case_audit));

    AIIP_ASSIGN_OR_RETURN(store::Rows mids,
                          tx.Query("SELECT COUNT(*) FROM mitigation_requests WHERE case_id = ?", {row.id}));
    int64_t next_mid = mids[0].Int(0) + 1;
    for (const Planned& p : planned) {
      const mitigation::Responder& responder = p.group->assignment.responder;
      mitigation::MitigationScope scope;
      scope.target_prefix = {row.target};
      scope.target_port_range = row.ports;
      if (row.protocol) scope.target_protocol = {*row.protocol};
      scope.lifetime = row.lifetime;
      for (const mitigation::CoveringPrefix& cp : p.aggregation.prefixes)
        scope.source_prefix.push_back(cp.prefix);
      AIIP_ASSIGN_OR_RETURN(
          store::Rows existing,
          tx.Query("SELECT id, mid, scope, state FROM mitigation_requests WHERE case_id = ? "
                   "AND responder = ?",
                   {row.id, responder.id}));
      std::string request_id;
      std::string kind;
      if (existing.empty()) {
        request_id = NewId("mit", clock_, random_);
        scope.mid = static_cast<uint32_t>(next_mid++);
        AIIP_RETURN_IF_ERROR(scope.Validate());
        // The chain: the responder's contacts, then the national CSIRT, then the duty desk.
        AIIP_ASSIGN_OR_RETURN(bj::array chain, ChainEntriesOf(tx, responder.id, "responder", true));
        const mitigation::Rung rung = p.group->assignment.rung;
        if (rung == mitigation::Rung::kRegisteredOperator) {
          if (auto it = directory.csirts.find(p.country); it != directory.csirts.end()) {
            AIIP_ASSIGN_OR_RETURN(bj::array more, ChainEntriesOf(tx, it->second.id, "national-csirt", false));
            for (bj::value& v : more) chain.push_back(std::move(v));
          }
        }
        if (rung != mitigation::Rung::kDutyDesk && responder.id != directory.duty_desk.id) {
          AIIP_ASSIGN_OR_RETURN(bj::array more,
                                ChainEntriesOf(tx, directory.duty_desk.id, "duty-desk", false));
          for (bj::value& v : more) chain.push_back(std::move(v));
        }
        mitigation::MitigationRequest request(scope, now_time);
        AIIP_RETURN_IF_ERROR(request.Send(now_time));
        AIIP_RETURN_IF_ERROR(tx.Exec(
            "INSERT INTO mitigation_requests (id, case_id, mid, responder, rung, scope, groups_json, asns, "
            "sources, "
            "prefixes, over_coverage, abuse, chain, escalated, state, status, bytes_dropped, pkts_dropped, "
            "attack_status, sent_at, acknowledged_at, acknowledged_by, created_at, updated_at, version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, NULL, 0, 0, NULL, ?, NULL, NULL, ?, ?, 1)",
            {request_id, row.id, int64_t{scope.mid}, responder.id,
             std::string(mitigation::RungName(p.group->assignment.rung)),
             bj::serialize(mitigation::ToJson(scope)), bj::serialize(p.groups), static_cast<int64_t>(p.asns),
             static_cast<int64_t>(p.group->sources), static_cast<int64_t>(p.aggregation.prefixes.size()),
             mitigation::CountToString(p.aggregation.over_coverage), bj::serialize(p.abuse_contacts),
             bj::serialize(chain), std::string(mitigation::RequestStateName(request.state())), now, now,
             now}));
        AIIP_RETURN_IF_ERROR(
            tx.Exec("INSERT INTO mitigation_events (request_id, seq, kind, event_at, actor_member, "
                    "actor_organisation) "
                    "VALUES (?, 1, 'send', ?, ?, ?)",
                    {request_id, now, MemberOf(actor), actor.organisation}));
        kind = "mitigation.request";
        ++created;
      } else {
        // An ended request (expired, withdrawn, terminated) is history: its responder's new
        // sources are counted in the case but asked for nowhere.
        if (existing[0].Text(3) == "terminated" || existing[0].Text(3) == "withdrawn") {
          ++ended;
          continue;
        }
        request_id = existing[0].Text(0);
        scope.mid = static_cast<uint32_t>(existing[0].Int(1));
        AIIP_ASSIGN_OR_RETURN(mitigation::MitigationScope old, ScopeFromJson(existing[0].Text(2)));
        if (old.source_prefix == scope.source_prefix) {
          // The same request stands (nothing to tell the responder), but its counts and
          // groups cover the new sources too.
          AIIP_RETURN_IF_ERROR(tx.Exec(
              "UPDATE mitigation_requests SET groups_json = ?, asns = ?, sources = ?, over_coverage = ?, "
              "abuse = ?, updated_at = ?, version = version + 1 WHERE id = ? AND sources <> ?",
              {bj::serialize(p.groups), static_cast<int64_t>(p.asns), static_cast<int64_t>(p.group->sources),
               mitigation::CountToString(p.aggregation.over_coverage), bj::serialize(p.abuse_contacts), now,
               request_id, static_cast<int64_t>(p.group->sources)}));
          continue;
        }
        AIIP_RETURN_IF_ERROR(tx.Exec(
            "UPDATE mitigation_requests SET scope = ?, groups_json = ?, asns = ?, sources = ?, prefixes = ?, "
            "over_coverage = ?, abuse = ?, updated_at = ?, version = version + 1 WHERE id = ?",
            {bj::serialize(mitigation::ToJson(scope)), bj::serialize(p.groups), static_cast<int64_t>(p.asns),
             static_cast<int64_t>(p.group->sources), static_cast<int64_t>(p.aggregation.prefixes.size()),
             mitigation::CountToString(p.aggregation.over_coverage), bj::serialize(p.abuse_contacts), now,
             request_id}));
        AIIP_RETURN_IF_ERROR(
            tx.Exec("INSERT INTO mitigation_events (request_id, seq, kind, event_at, actor_member, "
                    "actor_organisation) "
                    "SELECT ?, MAX(seq) + 1, 'scope', ?, ?, ? FROM mitigation_events WHERE request_id = ?",
                    {request_id, now, MemberOf(actor), actor.organisation, request_id}));
        kind = "mitigation.update";
        ++updated;
      }
      AIIP_ASSIGN_OR_RETURN(store::Rows stored, tx.Query("SELECT " + std::string(kRequestColumns) +
                                                             std::string(kRequestFrom) + " WHERE r.id = ?",
                                                         {request_id}));
      bj::object request_json = RequestJson(stored.at(0), true);
      AIIP_RETURN_IF_ERROR(Audit(audit_, tx, actor, kind, request_id,
                                 bj::object{{"id", request_id},
                                            {"case", row.id},
                                            {"responder", responder.id},
                                            {"scope", request_json.at("request")}}));
      AIIP_RETURN_IF_ERROR(AppendEvent(events_, tx, responder.id, kind, request_id,
                                       bj::object{{"mitigation", std::move(request_json)}}));
    }

    // The 24/7 law-enforcement contact of each country with sources, once per case.
    for (const mitigation::CountryGroup& c : grouping.countries) {
      auto it = directory.law_enforcement.find(c.country);
      if (it == directory.law_enforcement.end()) continue;
      for (const mitigation::Responder& le : it->second) {
        AIIP_ASSIGN_OR_RETURN(store::Rows seen,
                              tx.Query("SELECT notified_at FROM attack_notices WHERE case_id = ? AND "
                                       "organisation = ? AND country = ?",
                                       {row.id, le.id, c.country}));
        if (!seen.empty()) continue;
        AIIP_RETURN_IF_ERROR(
            tx.Exec("INSERT INTO attack_notices (case_id, organisation, country, notified_at) "
                    "VALUES (?, ?, ?, ?)",
                    {row.id, le.id, c.country, now}));
        bj::array responders;
        for (size_t r : c.responders) {
          const mitigation::Assignment& a = grouping.responders[r].assignment;
          responders.push_back(bj::object{
              {"id", a.responder.id}, {"name", a.responder.name}, {"rung", mitigation::RungName(a.rung)}});
        }
        bj::array asns;
        for (uint32_t asn : c.asns) {
          if (asns.size() == kMaxGroupsPerRequest) break;
          asns.emplace_back(asn);
        }
        bj::object notice{
            {"case", bj::object{{"id", row.id},
                                {"victim", row.victim},
                                {"target", row.target.ToString()},
                                {"ports", PortsText(row.ports)},
                                {"protocol", row.protocol ? bj::value(*row.protocol) : bj::value(nullptr)},
                                {"from", FormatRfc3339(row.from)},
                                {"to", FormatRfc3339(row.to)},
                                {"attack_time", FormatRfc3339(row.attack_time)}}},
            {"country", c.country},
            {"sources", c.sources},
            {"asns", std::move(asns)},
            {"responders", std::move(responders)}};
        AIIP_RETURN_IF_ERROR(
            Audit(audit_, tx, actor, "attack.notice", row.id + ":" + le.id,
                  bj::object{{"case", row.id}, {"organisation", le.id}, {"country", c.country}}));
        AIIP_RETURN_IF_ERROR(AppendEvent(events_, tx, le.id, "attack.notice", row.id, std::move(notice)));
        ++notices;
      }
    }
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(written);
  const auto write_time = clock_.Monotonic() - write_started;
  if ((created > 0 || updated > 0 || notices > 0) && events_committed_) events_committed_();

  AIIP_ASSIGN_OR_RETURN(bj::object out, GetCase(Actor::System(), row.id));
  out["batch"] =
      bj::object{{"seq", next_batch},
                 {"input", added.input},
                 {"addresses", added.addresses.size()},
                 {"rejected_lines", added.rejected_lines},
                 {"errors", std::move(added.errors)},
                 {"requests_created", created},
                 {"requests_updated", updated},
                 {"requests_ended", ended},
                 {"notices", notices},
                 {"attribute_seconds", grouping.stats.attribute_seconds},
                 {"group_seconds", grouping.stats.group_seconds},
                 {"read_seconds", std::chrono::duration<double>(read_time).count()},
                 {"prepare_seconds", grouped_seconds},
                 {"store_seconds", std::chrono::duration<double>(write_time).count()},
                 {"total_seconds", std::chrono::duration<double>(clock_.Monotonic() - started).count()}};
  return out;
}

namespace {

// Whether `organisation` may see the case: the victim, a responder, a notified rung of a
// request, or a law-enforcement organisation told about it.
Result<bool> TakesPartIn(store::Tx& tx, const std::string& case_id, const std::string& organisation) {
  AIIP_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query(
          "SELECT 1 FROM attack_cases WHERE id = ? AND victim = ? "
          "UNION SELECT 1 FROM mitigation_requests WHERE case_id = ? AND responder = ? "
          "UNION SELECT 1 FROM mitigation_escalations e JOIN mitigation_requests r ON r.id = e.request_id "
          "WHERE r.case_id = ? AND e.organisation = ? "
          "UNION SELECT 1 FROM attack_notices WHERE case_id = ? AND organisation = ?",
          {case_id, organisation, case_id, organisation, case_id, organisation, case_id, organisation}));
  return !rows.empty();
}

bool SeesEverything(const Actor& actor) {
  return actor.IsSystem() || actor.HasRole("admin") || actor.HasRole("secretariat") ||
         actor.HasRole("auditor");
}

}  // namespace

Result<bj::object> ResponseService::GetCase(const Actor& actor, std::string_view case_id) const {
  bj::object out;
  Status stored_12 = store_.Read([&](store::Tx& tx) -> Status {
    const std::string id(case_id);
    AIIP_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query("SELECT " + std::string(kCaseColumns) +
                     " FROM attack_cases c JOIN organisations o ON o.id = c.victim WHERE c.id = ?",
                 {id}));
    if (rows.empty()) return NotFound("no attack case " + id);
    if (!SeesEverything(actor)) {
      AIIP_ASSIGN_OR_RETURN(bool part, TakesPartIn(tx, id, actor.organisation));
      if (!part) return NotFound("no attack case " + id);
    }
    const store::Row& c = rows[0];
    bj::object target{{"prefix", c.Text(4)}, {"ports", PortsText(PortsFromJson(ParseStored(c.Text(5))))}};
    target["protocol"] = OptionalInt(c, 6);
    target["protocol_name"] = c.IsNull(6) || ProtocolName(static_cast<int>(c.Int(6))).empty()
                                  ? bj::value(nullptr)
                                  : bj::value(ProtocolName(static_cast<int>(c.Int(6))));
    out = bj::object{{"id", c.Text(0)},
                     {"victim", bj::object{{"id", c.Text(1)}, {"name", c.Text(2)}}},
                     {"opened_by", c.Text(3)},
                     {"target", std::move(target)},
                     {"window", bj::object{{"from", c.Text(7)}, {"to", c.Text(8)}}},
                     {"attack_time", c.Text(9)},
                     {"lifetime", c.Int(10)},
                     {"dataset", c.Text(11)},
                     {"status", c.Text(12)},
                     {"sources", c.Int(13)},
                     {"duplicates", c.Int(14)},
                     {"unattributed", c.Int(15)},
                     {"capture", c.IsNull(17) ? bj::value(nullptr) : ParseStored(c.Text(17))},
                     {"created_at", c.Text(18)},
                     {"updated_at", c.Text(19)},
                     {"version", c.Int(20)}};
    AIIP_ASSIGN_OR_RETURN(store::Rows batches,
                          tx.Query("SELECT seq, input, addresses, rejected_lines, received_at, received_by "
                                   "FROM attack_source_batches WHERE case_id = ? ORDER BY seq",
                                   {id}));
    bj::array batch_list;
    for (const store::Row& b : batches) {
      batch_list.push_back(bj::object{{"seq", b.Int(0)},
                                      {"input", b.Text(1)},
                                      {"addresses", b.Int(2)},
                                      {"rejected_lines", b.Int(3)},
                                      {"received_at", b.Text(4)},
                                      {"received_by", b.Text(5)}});
    }
    out["batches"] = std::move(batch_list);
    AIIP_ASSIGN_OR_RETURN(store::Rows requests,
                          tx.Query("SELECT " + std::string(kRequestColumns) + std::string(kRequestFrom) +
                                       " WHERE r.case_id = ? ORDER BY r.mid",
                                   {id}));
    bj::array responders;
    std::set<std::string> acknowledged;
    for (const store::Row& r : requests) {
      bj::object item = RequestJson(r, false);
      if (!r.IsNull(21)) acknowledged.insert(r.Text(3));
      responders.push_back(std::move(item));
    }
    out["responders"] = std::move(responders);
    bj::value countries = ParseStored(c.Text(16));
    if (countries.is_array()) {
      for (bj::value& country : countries.get_array()) {
        size_t acked = 0;
        for (const bj::value& r : country.at("responders").as_array()) {
          if (acknowledged.contains(std::string(r.as_string()))) ++acked;
        }
        country.as_object()["acknowledged"] = acked;
      }
    }
    out["countries"] = std::move(countries);
    AIIP_ASSIGN_OR_RETURN(
        store::Rows notices,
        tx.Query("SELECT n.organisation, o.name, n.country, n.notified_at FROM attack_notices n "
                 "JOIN organisations o ON o.id = n.organisation WHERE n.case_id = ? "
                 "ORDER BY n.country, n.organisation",
                 {id}));
    bj::array notice_list;
    for (const store::Row& n : notices) {
      notice_list.push_back(bj::object{{"organisation", bj::object{{"id", n.Text(0)}, {"name", n.Text(1)}}},
                                       {"country", n.Text(2)},
                                       {"notified_at", n.Text(3)}});
    }
    out["notices"] = std::move(notice_list);
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(stored_12);
  return out;
}

Result<std::vector<bj::object>> ResponseService::ListCases(const Actor& actor,
                                                           std::optional<std::string> victim) const {
  if (victim && !SeesEverything(actor) && *victim != actor.organisation) {
    return Err(PermissionDenied("only the Agency lists other organisations' cases"));
  }
  if (!victim && !SeesEverything(actor)) victim = actor.organisation;
  std::vector<bj::object> out;
  Status stored_13 = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(store::Rows rows,
                          tx.Query("SELECT c.id, c.victim, o.name, c.target_prefix, c.attack_time, c.status, "
                                   "c.sources, c.created_at, "
                                   "(SELECT COUNT(*) FROM mitigation_requests r WHERE r.case_id = c.id), "
                                   "(SELECT COUNT(*) FROM mitigation_requests r WHERE r.case_id = c.id AND "
                                   "r.acknowledged_at IS NOT NULL) "
                                   "FROM attack_cases c JOIN organisations o ON o.id = c.victim "
                                   "WHERE (CAST(? AS TEXT) IS NULL OR c.victim = ?) ORDER BY c.id",
                                   {store::OptionalText(victim), store::OptionalText(victim)}));
    for (const store::Row& r : rows) {
      out.push_back(bj::object{{"id", r.Text(0)},
                               {"victim", bj::object{{"id", r.Text(1)}, {"name", r.Text(2)}}},
                               {"target", r.Text(3)},
                               {"attack_time", r.Text(4)},
                               {"status", r.Text(5)},
                               {"sources", r.Int(6)},
                               {"requests", r.Int(8)},
                               {"acknowledged", r.Int(9)},
                               {"created_at", r.Text(7)}});
    }
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(stored_13);
  return out;
}

Result<std::vector<bj::object>> ResponseService::Inbox(const Actor& actor,
                                                       std::optional<std::string> organisation,
                                                       std::optional<std::string> state) const {
  if (organisation && *organisation != actor.organisation && !SeesEverything(actor)) {
    return Err(PermissionDenied("only the Agency reads another organisation's inbox"));
  }
  const std::string org = organisation.value_or(actor.organisation);
  std::vector<bj::object> out;
  Status stored_14 = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query(
            "SELECT " + std::string(kRequestColumns) + std::string(kRequestFrom) +
                " WHERE (r.responder = ? OR EXISTS (SELECT 1 FROM mitigation_escalations e WHERE "
                "e.request_id = r.id AND e.organisation = ?)) AND (CAST(? AS TEXT) IS NULL OR r.state = ?) "
                "ORDER BY r.created_at, r.id",
            {org, org, store::OptionalText(state), store::OptionalText(state)}));
    for (const store::Row& r : rows) out.push_back(RequestJson(r, true));
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(stored_14);
  return out;
}

namespace {

// Replays the stored events of a request into its state machine.
Result<mitigation::MitigationRequest> Replay(store::Tx& tx, const store::Row& request) {
  AIIP_ASSIGN_OR_RETURN(mitigation::MitigationScope scope, ScopeFromJson(request.Text(6)));
  AIIP_ASSIGN_OR_RETURN(SystemTime created, ParseRfc3339(request.Text(23)));
  mitigation::MitigationRequest replayed(scope, created);
  AIIP_ASSIGN_OR_RETURN(
      store::Rows events,
      tx.Query("SELECT kind, event_at, actor_member, status, bytes_dropped, pkts_dropped, "
               "bps_dropped, pps_dropped, attack_status FROM mitigation_events WHERE request_id = ? "
               "ORDER BY seq",
               {request.Text(0)}));
  for (const store::Row& e : events) {
    AIIP_ASSIGN_OR_RETURN(SystemTime at, ParseRfc3339(e.Text(1)));
    const std::string& kind = e.Text(0);
    Status applied;
    if (kind == "send") {
      applied = replayed.Send(at);
    } else if (kind == "ack") {
      applied = replayed.Acknowledge(at, e.Text(2));
    } else if (kind == "status") {
      AIIP_ASSIGN_OR_RETURN(mitigation::DotsStatus status, mitigation::DotsStatusFromCode(e.Int(3)));
      std::optional<mitigation::DropCounters> counters;
      if (!e.IsNull(4)) {
        counters = mitigation::DropCounters{static_cast<uint64_t>(e.Int(4)), static_cast<uint64_t>(e.Int(5)),
                                            static_cast<uint64_t>(e.Int(6)), static_cast<uint64_t>(e.Int(7))};
      }
      applied = replayed.UpdateStatus(at, status, counters);
    } else if (kind == "efficacy") {
      applied = replayed.ReportEfficacy(at, static_cast<mitigation::AttackStatus>(e.Int(8)));
    } else if (kind == "withdraw") {
      applied = replayed.Withdraw(at);
    } else if (kind == "expire") {
      applied = replayed.ExpireIfDue(at) ? Status::Ok() : DataLoss("the lifetime had not run out");
    }
    if (!applied.ok()) return Err(DataLoss("stored mitigation history does not replay: " + applied.detail()));
  }
  return replayed;
}

struct EventInput {
  std::string kind;
  std::optional<mitigation::DotsStatus> status;
  std::optional<mitigation::DropCounters> counters;
  std::optional<mitigation::AttackStatus> attack_status;
  std::optional<std::string> note;
};

// Mirrors the replayed state machine into the request row.
Status StoreState(store::Tx& tx, const std::string& id, const mitigation::MitigationRequest& replayed,
                  const std::string& at) {
  std::optional<std::string> acked_at =
      replayed.acknowledged_at() ? std::optional(FormatRfc3339(*replayed.acknowledged_at())) : std::nullopt;
  return tx.Exec(
      "UPDATE mitigation_requests SET state = ?, status = ?, bytes_dropped = ?, pkts_dropped = ?, "
      "attack_status = ?, "
      "acknowledged_at = ?, acknowledged_by = ?, updated_at = ?, version = version + 1 WHERE id = ?",
      {std::string(mitigation::RequestStateName(replayed.state())),
       replayed.status() ? store::Value(int64_t{static_cast<uint8_t>(*replayed.status())})
                         : store::Value(store::Null{}),
       static_cast<int64_t>(replayed.counters().bytes_dropped),
       static_cast<int64_t>(replayed.counters().pkts_dropped),
       replayed.attack_status() ? store::Value(int64_t{static_cast<uint8_t>(*replayed.attack_status())})
                                : store::Value(store::Null{}),
       store::OptionalText(acked_at),
       replayed.acknowledged_by().empty() ? store::Value(store::Null{})
                                          : store::Value(replayed.acknowledged_by()),
       at, id});
}

bool Ended(const store::Row& request) {
  return request.Text(15) == "terminated" || request.Text(15) == "withdrawn";
}

// Applies `input` to the request, stores the event and the new state. Returns the updated
// request JSON. Once the lifetime has run out nothing more is accepted (Conflict
// "lifetime-expired") until the timer records the expiry, so that the expiry stays the
// request's last event.
Result<bj::object> ApplyEvent(store::Tx& tx, const store::Row& request, const Actor& actor, SystemTime now,
                              const EventInput& input) {
  AIIP_ASSIGN_OR_RETURN(mitigation::MitigationRequest replayed, Replay(tx, request));
  if (mitigation::MitigationRequest probe = replayed; probe.ExpireIfDue(now)) {
    return Err(Status(Code::kConflict, "lifetime-expired",
                      "the lifetime of mitigation request " + request.Text(0) + " ran out at " +
                          FormatRfc3339(*probe.ended_at())));
  }
  Status applied;
  if (input.kind == "ack") {
    applied = replayed.Acknowledge(now, MemberOf(actor));
  } else if (input.kind == "status") {
    applied = replayed.UpdateStatus(now, *input.status, input.counters);
  } else if (input.kind == "efficacy") {
    applied = replayed.ReportEfficacy(now, *input.attack_status);
  } else if (input.kind == "withdraw") {
    applied = replayed.Withdraw(now);
  }
  if (!applied.ok()) {
    if (applied.code() == Code::kInvalidArgument) return Err(applied);
    return Err(Status(Code::kConflict, applied.type(), applied.detail(), applied.field()));
  }
  const std::string id = request.Text(0);
  const std::string at = FormatRfc3339(now);
  auto opt = [](const std::optional<uint64_t>& v) {
    return v ? store::Value(static_cast<int64_t>(*v)) : store::Value(store::Null{});
  };
  AIIP_RETURN_IF_ERROR(tx.Exec(
      "INSERT INTO mitigation_events (request_id, seq, kind, event_at, actor_member, actor_organisation, "
      "status, "
      "bytes_dropped, pkts_dropped, bps_dropped, pps_dropped, attack_status, note) "
      "SELECT ?, MAX(seq) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM mitigation_events WHERE request_id = ?",
      {id, input.kind, at, MemberOf(actor), actor.organisation,
       input.status ? store::Value(int64_t{static_cast<uint8_t>(*input.status)})
                    : store::Value(store::Null{}),
       opt(input.counters ? std::optional(input.counters->bytes_dropped) : std::nullopt),
       opt(input.counters ? std::optional(input.counters->pkts_dropped) : std::nullopt),
       opt(input.counters ? std::optional(input.counters->bps_dropped) : std::nullopt),
       opt(input.counters ? std::optional(input.counters->pps_dropped) : std::nullopt),
       input.attack_status ? store::Value(int64_t{static_cast<uint8_t>(*input.attack_status)})
                           : store::Value(store::Null{}),
       store::OptionalText(input.note), id}));
  AIIP_RETURN_IF_ERROR(StoreState(tx, id, replayed, at));
  AIIP_ASSIGN_OR_RETURN(store::Rows stored, tx.Query("SELECT " + std::string(kRequestColumns) +
                                                         std::string(kRequestFrom) + " WHERE r.id = ?",
                                                     {id}));
  return RequestJson(stored.at(0), true);
}

// Whether the caller's organisation is the responder or a rung already notified.
bool MayAnswer(const Actor& actor, const store::Row& request) {
  if (actor.IsSystem()) return true;
  if (actor.organisation == request.Text(3)) return true;
  std::vector<ChainEntry> chain = ChainOf(request.Text(13));
  const int64_t escalated = request.Int(14);
  for (size_t i = 0; i < chain.size() && static_cast<int64_t>(i) <= escalated; ++i) {
    if (chain[i].organisation == actor.organisation) return true;
  }
  return false;
}

// The organisations told about a request: its responder and every rung notified since.
Result<std::vector<std::string>> Notified(store::Tx& tx, const store::Row& request) {
  std::vector<std::string> out{request.Text(3)};
  AIIP_ASSIGN_OR_RETURN(store::Rows rungs,
                        tx.Query("SELECT DISTINCT organisation FROM mitigation_escalations "
                                 "WHERE request_id = ? ORDER BY organisation",
                                 {request.Text(0)}));
  for (const store::Row& rung : rungs) {
    if (std::find(out.begin(), out.end(), rung.Text(0)) == out.end()) out.push_back(rung.Text(0));
  }
  return out;
}

}  // namespace

Result<bj::object> ResponseService::GetMitigation(const Actor& actor, std::string_view id) const {
  bj::object out;
  Status stored_15 = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT " + std::string(kRequestColumns) +
                                                         std::string(kRequestFrom) + " WHERE r.id = ?",
                                                     {std::string(id)}));
    if (rows.empty()) return NotFound("no mitigation request " + std::string(id));
    if (!SeesEverything(actor) && !MayAnswer(actor, rows[0]) && actor.organisation != rows[0].Text(26)) {
      return NotFound("no mitigation request " + std::string(id));
    }
    out = RequestJson(rows[0], true);
    AIIP_ASSIGN_OR_RETURN(
        store::Rows history,
        tx.Query("SELECT seq, kind, event_at, actor_member, actor_organisation, status, "
                 "bytes_dropped, pkts_dropped, bps_dropped, pps_dropped, attack_status, note "
                 "FROM mitigation_events WHERE request_id = ? ORDER BY seq",
                 {std::string(id)}));
    bj::array events;
    for (const store::Row& e : history) {
      bj::object item{{"seq", e.Int(0)},
                      {"kind", e.Text(1)},
                      {"at", e.Text(2)},
                      {"member", e.Text(3)},
                      {"organisation", e.Text(4)}};
      if (!e.IsNull(5)) item["status"] = e.Int(5);
      if (!e.IsNull(6)) item["bytes_dropped"] = e.Int(6);
      if (!e.IsNull(7)) item["pkts_dropped"] = e.Int(7);
      if (!e.IsNull(8)) item["bps_dropped"] = e.Int(8);
      if (!e.IsNull(9)) item["pps_dropped"] = e.Int(9);
      if (!e.IsNull(10)) item["attack_status"] = e.Int(10);
      if (!e.IsNull(11)) item["note"] = e.Text(11);
      events.push_back(std::move(item));
    }
    out["history"] = std::move(events);
    AIIP_ASSIGN_OR_RETURN(store::Rows escalations,
                          tx.Query("SELECT chain_index, organisation, contact, due_at, escalated_at "
                                   "FROM mitigation_escalations WHERE request_id = ? ORDER BY chain_index",
                                   {std::string(id)}));
    bj::array list;
    for (const store::Row& e : escalations) {
      list.push_back(bj::object{{"chain_index", e.Int(0)},
                                {"organisation", e.Text(1)},
                                {"contact", OptionalString(e, 2)},
                                {"due_at", e.Text(3)},
                                {"escalated_at", e.Text(4)}});
    }
    out["escalations"] = std::move(list);
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(stored_15);
  return out;
}

Result<bj::object> ResponseService::Acknowledge(const Actor& actor, std::string_view id,
                                                const bj::object& body) {
  json::ObjectReader reader(body);
  EventInput input{"ack", {}, {}, {}, reader.OptionalString("note", 2000)};
  AIIP_RETURN_IF_ERROR(reader.Finish());
  std::lock_guard lock(write_mu_);
  bj::object out;
  std::string victim;
  Status stored_3 = store_.Write([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT " + std::string(kRequestColumns) +
                                                         std::string(kRequestFrom) + " WHERE r.id = ?",
                                                     {std::string(id)}));
    if (rows.empty()) return NotFound("no mitigation request " + std::string(id));
    if (!MayAnswer(actor, rows[0])) {
      return PermissionDenied("only the responder or an escalation rung already notified acknowledges");
    }
    victim = rows[0].Text(26);
    AIIP_ASSIGN_OR_RETURN(out, ApplyEvent(tx, rows[0], actor, clock_.Now(), input));
    AIIP_RETURN_IF_ERROR(Audit(audit_, tx, actor, "mitigation.acknowledge", std::string(id),
                               bj::object{{"id", id}, {"acknowledged_at", out.at("acknowledged_at")}}));
    return AppendEvent(events_, tx, victim, "mitigation.acknowledged", std::string(id),
                       bj::object{{"mitigation", out}});
  });
  AIIP_RETURN_IF_ERROR(stored_3);
  if (events_committed_) events_committed_();
  return out;
}

Result<bj::object> ResponseService::UpdateStatus(const Actor& actor, std::string_view id,
                                                 const bj::object& body) {
  EventInput input{"status", {}, {}, {}, {}};
  std::optional<int64_t> mid;
  if (body.contains(kScopeKey)) {
    AIIP_ASSIGN_OR_RETURN(mitigation::StatusUpdate update,
                          mitigation::ParseStatusUpdate(bj::serialize(body)));
    input.status = update.status;
    input.counters = update.counters;
    mid = update.mid;
  } else {
    json::ObjectReader reader(body);
    const int64_t code = reader.RequiredInt("status", 1, 8);
    auto bytes = reader.OptionalInt("bytes-dropped", 0, INT64_MAX);
    auto pkts = reader.OptionalInt("pkts-dropped", 0, INT64_MAX);
    auto bps = reader.OptionalInt("bps-dropped", 0, INT64_MAX);
    auto pps = reader.OptionalInt("pps-dropped", 0, INT64_MAX);
    input.note = reader.OptionalString("note", 2000);
    AIIP_RETURN_IF_ERROR(reader.Finish());
    AIIP_ASSIGN_OR_RETURN(input.status, mitigation::DotsStatusFromCode(code));
    if (bytes || pkts || bps || pps) {
      input.counters = mitigation::DropCounters{
          static_cast<uint64_t>(bytes.value_or(0)), static_cast<uint64_t>(pkts.value_or(0)),
          static_cast<uint64_t>(bps.value_or(0)), static_cast<uint64_t>(pps.value_or(0))};
    }
  }
  std::lock_guard lock(write_mu_);
  bj::object out;
  Status stored_4 = store_.Write([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT " + std::string(kRequestColumns) +
                                                         std::string(kRequestFrom) + " WHERE r.id = ?",
                                                     {std::string(id)}));
    if (rows.empty()) return NotFound("no mitigation request " + std::string(id));
    if (!MayAnswer(actor, rows[0])) {
      return PermissionDenied("only the responder or an escalation rung already notified reports status");
    }
    if (mid && *mid != rows[0].Int(2)) {
      return InvalidArgument("invalid-value", "this request's mid is " + std::to_string(rows[0].Int(2)),
                             "/" + std::string(kScopeKey) + "/scope/0/mid");
    }
    // A status update also acknowledges a request that was only sent.
    if (rows[0].Text(15) == "sent") {
      AIIP_RETURN_IF_ERROR(
          StatusOf(ApplyEvent(tx, rows[0], actor, clock_.Now(), EventInput{"ack", {}, {}, {}, {}})));
      AIIP_ASSIGN_OR_RETURN(rows, tx.Query("SELECT " + std::string(kRequestColumns) +
                                               std::string(kRequestFrom) + " WHERE r.id = ?",
                                           {std::string(id)}));
    }
    AIIP_ASSIGN_OR_RETURN(out, ApplyEvent(tx, rows[0], actor, clock_.Now(), input));
    AIIP_RETURN_IF_ERROR(Audit(audit_, tx, actor, "mitigation.status", std::string(id),
                               bj::object{{"id", id},
                                          {"status", out.at("status")},
                                          {"bytes_dropped", out.at("bytes_dropped")},
                                          {"pkts_dropped", out.at("pkts_dropped")}}));
    return AppendEvent(events_, tx, rows[0].Text(26), "mitigation.status", std::string(id),
                       bj::object{{"mitigation", out}});
  });
  AIIP_RETURN_IF_ERROR(stored_4);
  if (events_committed_) events_committed_();
  return out;
}

Result<bj::object> ResponseService::ReportEfficacy(const Actor& actor, std::string_view case_id,
                                                   const bj::object& body) {
  json::ObjectReader reader(body);
  const bj::value* status_value = reader.Raw("attack-status");
  std::optional<std::vector<std::string>> only = reader.OptionalStringArray("mitigations", 10000, 64);
  std::optional<std::string> note = reader.OptionalString("note", 2000);
  AIIP_RETURN_IF_ERROR(reader.Finish());
  mitigation::AttackStatus attack_status;
  if (status_value == nullptr) {
    return Err(InvalidArgument("missing-field", "'attack-status' is required", "/attack-status"));
  } else if (status_value->is_int64() && (status_value->get_int64() == 1 || status_value->get_int64() == 2)) {
    attack_status = static_cast<mitigation::AttackStatus>(status_value->get_int64());
  } else if (status_value->is_string() && status_value->get_string() == "under-attack") {
    attack_status = mitigation::AttackStatus::kUnderAttack;
  } else if (status_value->is_string() && status_value->get_string() == "attack-successfully-mitigated") {
    attack_status = mitigation::AttackStatus::kAttackSuccessfullyMitigated;
  } else {
    return Err(InvalidArgument("invalid-value",
                               "'attack-status' is 1 (under-attack) or 2 (attack-successfully-mitigated)",
                               "/attack-status"));
  }
  std::lock_guard lock(write_mu_);
  bj::array updated;
  Status stored_5 = store_.Write([&](store::Tx& tx) -> Status {
    updated = bj::array{};
    AIIP_ASSIGN_OR_RETURN(store::Rows cases,
                          tx.Query("SELECT victim FROM attack_cases WHERE id = ?", {std::string(case_id)}));
    if (cases.empty()) return NotFound("no attack case " + std::string(case_id));
    if (!(actor.IsSystem() || actor.HasRole("admin") || actor.organisation == cases[0].Text(0))) {
      return PermissionDenied("only the victim reports efficacy");
    }
    AIIP_ASSIGN_OR_RETURN(store::Rows rows,
                          tx.Query("SELECT " + std::string(kRequestColumns) + std::string(kRequestFrom) +
                                       " WHERE r.case_id = ? ORDER BY r.mid",
                                   {std::string(case_id)}));
    std::set<std::string> wanted;
    if (only) wanted.insert(only->begin(), only->end());
    for (const store::Row& r : rows) {
      if (only && !wanted.erase(r.Text(0))) continue;
      if (!only && Ended(r)) continue;
      Result<bj::object> applied =
          ApplyEvent(tx, r, actor, clock_.Now(), EventInput{"efficacy", {}, {}, attack_status, note});
      if (!applied && !only && applied.error().type() == "lifetime-expired") continue;
      AIIP_ASSIGN_OR_RETURN(bj::object out, std::move(applied));
      AIIP_RETURN_IF_ERROR(AppendEvent(events_, tx, r.Text(3), "mitigation.efficacy", r.Text(0),
                                       bj::object{{"mitigation", out}}));
      updated.push_back(std::move(out));
    }
    if (!wanted.empty()) {
      return InvalidArgument("invalid-value", "not a request of this case: " + *wanted.begin(),
                             "/mitigations");
    }
    return Audit(audit_, tx, actor, "attack.efficacy", std::string(case_id),
                 bj::object{{"case", case_id},
                            {"attack-status", mitigation::AttackStatusName(attack_status)},
                            {"requests", updated.size()}});
  });
  AIIP_RETURN_IF_ERROR(stored_5);
  if (!updated.empty() && events_committed_) events_committed_();
  return bj::object{{"case", case_id},
                    {"attack-status", mitigation::AttackStatusName(attack_status)},
                    {"mitigations", std::move(updated)}};
}

Result<bj::object> ResponseService::Withdraw(const Actor& actor, std::string_view case_id,
                                             const bj::object& body) {
  json::ObjectReader reader(body);
  std::optional<std::vector<std::string>> only = reader.OptionalStringArray("mitigations", 10000, 64);
  std::optional<std::string> note = reader.OptionalString("note", 2000);
  AIIP_RETURN_IF_ERROR(reader.Finish());
  if (only && only->empty()) {
    return Err(InvalidArgument("invalid-value",
                               "'mitigations' names at least one request (leave it out to withdraw the case)",
                               "/mitigations"));
  }
  std::lock_guard lock(write_mu_);
  bj::array withdrawn;
  std::string case_status;
  Status stored_17 = store_.Write([&](store::Tx& tx) -> Status {
    withdrawn = bj::array{};
    const std::string id(case_id);
    AIIP_ASSIGN_OR_RETURN(store::Rows cases,
                          tx.Query("SELECT victim, status FROM attack_cases WHERE id = ?", {id}));
    if (cases.empty()) return NotFound("no attack case " + id);
    if (!(actor.IsSystem() || actor.HasRole("admin") || actor.organisation == cases[0].Text(0))) {
      return PermissionDenied("only the victim withdraws its mitigation requests");
    }
    case_status = cases[0].Text(1);
    if (case_status != "open") return Conflict("attack case " + id + " is " + case_status + " already");
    AIIP_ASSIGN_OR_RETURN(store::Rows rows,
                          tx.Query("SELECT " + std::string(kRequestColumns) + std::string(kRequestFrom) +
                                       " WHERE r.case_id = ? ORDER BY r.mid",
                                   {id}));
    std::set<std::string> wanted;
    if (only) wanted.insert(only->begin(), only->end());
    const SystemTime now = clock_.Now();
    for (const store::Row& r : rows) {
      if (only && !wanted.erase(r.Text(0))) continue;
      if (!only && Ended(r)) continue;
      Result<bj::object> applied = ApplyEvent(tx, r, actor, now, EventInput{"withdraw", {}, {}, {}, note});
      // A request whose lifetime ran out is the timer's to end.
      if (!applied && !only && applied.error().type() == "lifetime-expired") continue;
      AIIP_ASSIGN_OR_RETURN(bj::object out, std::move(applied));
      AIIP_RETURN_IF_ERROR(Audit(audit_, tx, actor, "mitigation.withdraw", r.Text(0),
                                 bj::object{{"id", r.Text(0)}, {"case", id}, {"responder", r.Text(3)}}));
      AIIP_ASSIGN_OR_RETURN(std::vector<std::string> recipients, Notified(tx, r));
      for (std::string& recipient : recipients) {
        AIIP_RETURN_IF_ERROR(AppendEvent(
            events_, tx, std::move(recipient), "mitigation.withdrawn", r.Text(0),
            bj::object{{"mitigation", out}, {"note", note ? bj::value(*note) : bj::value(nullptr)}}));
      }
      withdrawn.push_back(std::move(out));
    }
    if (!wanted.empty()) {
      return InvalidArgument("invalid-value", "not a request of this case: " + *wanted.begin(),
                             "/mitigations");
    }
    if (!only) {
      AIIP_RETURN_IF_ERROR(tx.Exec(
          "UPDATE attack_cases SET status = 'withdrawn', updated_at = ?, version = version + 1 WHERE id = ?",
          {FormatRfc3339(now), id}));
      case_status = "withdrawn";
    }
    return Audit(audit_, tx, actor, "attack.withdraw", id,
                 bj::object{{"case", id}, {"whole_case", !only}, {"requests", withdrawn.size()}});
  });
  AIIP_RETURN_IF_ERROR(stored_17);
  if (!withdrawn.empty() && events_committed_) events_committed_();
  return bj::object{{"case", case_id}, {"status", case_status}, {"mitigations", std::move(withdrawn)}};
}

// ---- Expiry ----

Result<size_t> ResponseService::ExpireDue() {
  const SystemTime now = clock_.Now();
  store::Rows live;
  Status stored_18 = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(
        live, tx.Query("SELECT r.id, r.sent_at, c.lifetime FROM mitigation_requests r JOIN attack_cases c "
                       "ON c.id = r.case_id WHERE r.state IN ('sent', 'acknowledged', 'mitigating') "
                       "AND c.lifetime >= 0 ORDER BY r.sent_at, r.id"));
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(stored_18);
  size_t written = 0;
  for (const store::Row& r : live) {
    AIIP_ASSIGN_OR_RETURN(SystemTime sent, ParseRfc3339(r.Text(1)));
    if (now < sent + std::chrono::seconds(r.Int(2))) continue;
    Status one = ExpireOne(r.Text(0), now, written);
    if (!one.ok()) log::Error("expiry failed", {{"request", r.Text(0)}, {"error", one.ToString()}});
  }
  return written;
}

Status ResponseService::ExpireOne(const std::string& request_id, SystemTime now, size_t& written) {
  std::lock_guard lock(write_mu_);
  bool expired = false;
  Status status = store_.Write([&](store::Tx& tx) -> Status {
    expired = false;
    const std::string query =
        "SELECT " + std::string(kRequestColumns) + std::string(kRequestFrom) + " WHERE r.id = ?";
    AIIP_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(query, {request_id}));
    if (rows.empty() || Ended(rows[0])) return Status::Ok();  // ended meanwhile
    const store::Row& r = rows[0];
    AIIP_ASSIGN_OR_RETURN(mitigation::MitigationRequest replayed, Replay(tx, r));
    if (!replayed.ExpireIfDue(now)) return Status::Ok();
    const std::string ended_at = FormatRfc3339(*replayed.ended_at());
    const Actor system = Actor::System();
    AIIP_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO mitigation_events (request_id, seq, kind, event_at, actor_member, "
                "actor_organisation) SELECT ?, MAX(seq) + 1, 'expire', ?, ?, ? FROM mitigation_events "
                "WHERE request_id = ?",
                {request_id, ended_at, MemberOf(system), system.organisation, request_id}));
    AIIP_RETURN_IF_ERROR(StoreState(tx, request_id, replayed, FormatRfc3339(now)));
    AIIP_ASSIGN_OR_RETURN(store::Rows stored, tx.Query(query, {request_id}));
    const bj::object json = RequestJson(stored.at(0), true);
    AIIP_RETURN_IF_ERROR(Audit(audit_, tx, system, "mitigation.expire", request_id,
                               bj::object{{"id", request_id},
                                          {"case", r.Text(1)},
                                          {"responder", r.Text(3)},
                                          {"sent_at", r.Text(20)},
                                          {"lifetime", replayed.scope().lifetime},
                                          {"ended_at", ended_at}}));
    AIIP_ASSIGN_OR_RETURN(std::vector<std::string> recipients, Notified(tx, r));
    if (std::find(recipients.begin(), recipients.end(), r.Text(26)) == recipients.end())
      recipients.push_back(r.Text(26));
    for (std::string& recipient : recipients) {
      AIIP_RETURN_IF_ERROR(AppendEvent(events_, tx, std::move(recipient), "mitigation.expired", request_id,
                                       bj::object{{"mitigation", json}, {"ended_at", ended_at}}));
    }
    expired = true;
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(status);
  if (expired) {
    ++written;
    if (events_committed_) events_committed_();
  }
  return Status::Ok();
}

// ---- Escalation ----

Result<size_t> ResponseService::EscalateDue() {
  const SystemTime now = clock_.Now();
  store::Rows due;
  Status stored_16 = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(due, tx.Query("SELECT id, chain, escalated, sent_at FROM mitigation_requests "
                                        "WHERE state = 'sent' ORDER BY sent_at, id"));
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(stored_16);
  size_t written = 0;
  for (const store::Row& r : due) {
    AIIP_ASSIGN_OR_RETURN(SystemTime sent, ParseRfc3339(r.Text(3)));
    const size_t length = ChainOf(r.Text(1)).size();
    mitigation::EscalationState state = mitigation::Escalate(length, sent, options_.ack_target, now);
    if (state.notified.empty() || static_cast<int64_t>(state.notified.back().contact) <= r.Int(2)) continue;
    Status one = EscalateOne(r.Text(0), now, written);
    if (!one.ok()) log::Error("escalation failed", {{"request", r.Text(0)}, {"error", one.ToString()}});
  }
  return written;
}

Status ResponseService::EscalateOne(const std::string& request_id, SystemTime now, size_t& written) {
  std::lock_guard lock(write_mu_);
  size_t steps = 0;
  Status status = store_.Write([&](store::Tx& tx) -> Status {
    steps = 0;
    AIIP_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT " + std::string(kRequestColumns) +
                                                         std::string(kRequestFrom) + " WHERE r.id = ?",
                                                     {request_id}));
    if (rows.empty() || rows[0].Text(15) != "sent") return Status::Ok();  // acknowledged meanwhile
    const store::Row& r = rows[0];
    AIIP_ASSIGN_OR_RETURN(SystemTime sent, ParseRfc3339(r.Text(20)));
    bj::value chain_json = ParseStored(r.Text(13));
    std::vector<ChainEntry> chain = ChainOf(r.Text(13));
    mitigation::EscalationState state = mitigation::Escalate(chain.size(), sent, options_.ack_target, now);
    // Nobody is called about a request whose lifetime had run out (the timer expires it).
    AIIP_ASSIGN_OR_RETURN(mitigation::MitigationScope scope, ScopeFromJson(r.Text(6)));
    const std::optional<SystemTime> end =
        scope.lifetime < 0 ? std::nullopt : std::optional(sent + std::chrono::seconds(scope.lifetime));
    int64_t escalated = r.Int(14);
    bj::object summary = RequestJson(r, true);
    for (const mitigation::EscalationStep& step : state.notified) {
      if (static_cast<int64_t>(step.contact) <= escalated) continue;
      if (end && step.due >= *end) break;
      const ChainEntry& entry = chain[step.contact];
      AIIP_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO mitigation_escalations (request_id, chain_index, organisation, "
                  "contact, due_at, escalated_at) VALUES (?, ?, ?, ?, ?, ?)",
                  {request_id, static_cast<int64_t>(step.contact), entry.organisation,
                   store::OptionalText(entry.contact), FormatRfc3339(step.due), FormatRfc3339(now)}));
      bj::object data{{"chain_index", step.contact},
                      {"rung", chain_json.as_array()[step.contact]},
                      {"due_at", FormatRfc3339(step.due)},
                      {"exhausted", state.exhausted && step.contact + 1 == chain.size()},
                      {"mitigation", summary}};
      AIIP_RETURN_IF_ERROR(Audit(audit_, tx, Actor::System(), "mitigation.escalate",
                                 request_id + ":" + std::to_string(step.contact),
                                 bj::object{{"id", request_id},
                                            {"chain_index", step.contact},
                                            {"organisation", entry.organisation},
                                            {"due_at", FormatRfc3339(step.due)}}));
      AIIP_RETURN_IF_ERROR(
          AppendEvent(events_, tx, entry.organisation, "mitigation.escalation", request_id, std::move(data)));
      escalated = static_cast<int64_t>(step.contact);
      ++steps;
    }
    return tx.Exec(
        "UPDATE mitigation_requests SET escalated = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        {escalated, FormatRfc3339(now), request_id});
  });
  AIIP_RETURN_IF_ERROR(status);
  written += steps;
  if (steps > 0 && events_committed_) events_committed_();
  return Status::Ok();
}

void ResponseService::StartEscalations() {
  std::lock_guard lock(loop_mu_);
  if (loop_.joinable()) return;
  loop_stop_ = false;
  loop_ = std::thread([this] { EscalationLoop(); });
}

void ResponseService::StopEscalations() {
  {
    std::lock_guard lock(loop_mu_);
    loop_stop_ = true;
  }
  loop_cv_.notify_all();
  if (loop_.joinable()) loop_.join();
}

void ResponseService::EscalationLoop() {
  std::unique_lock lock(loop_mu_);
  while (!loop_stop_) {
    lock.unlock();
    // Expiry first: a request whose lifetime ran out is not escalated any more.
    Result<size_t> expired = ExpireDue();
    if (!expired) {
      log::Error("expiry pass failed", {{"error", expired.error().ToString()}});
    } else if (*expired > 0) {
      log::Info("mitigation requests expired", {{"requests", *expired}});
    }
    Result<size_t> done = EscalateDue();
    if (!done) {
      log::Error("escalation pass failed", {{"error", done.error().ToString()}});
    } else if (*done > 0) {
      log::Info("mitigation requests escalated", {{"escalations", *done}});
    }
    lock.lock();
    loop_cv_.wait_for(lock, options_.escalation_tick, [this] { return loop_stop_; });
  }
}

}  // namespace aiip::responsenet
