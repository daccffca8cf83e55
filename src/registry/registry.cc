#include "registry/registry.h"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/json.hpp>

#include "common/encoding.h"
#include "common/files.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/time.h"

namespace aiip::registry {
namespace bj = boost::json;
using store::Null;
using store::Row;
using store::Tx;
using store::Value;

namespace {

constexpr char kAgencyScope[] = "AIIP";
constexpr char kOrgColumns[] = "id, name, kind, state, created_at, updated_at, version";
constexpr char kContactColumns[] =
    "id, organisation, name, phone, email, timezone, languages, escalation_order, created_at, updated_at, "
    "version";
constexpr char kMemberColumns[] = "id, organisation, name, type, roles, disabled, created_at, updated_at, version";
constexpr char kTokenColumns[] = "id, member, label, created_at, expires_at, revoked_at";

std::vector<std::string> ParseStringArray(const std::string& text) {
  std::vector<std::string> out;
  auto parsed = json::Parse(text);
  if (!parsed || !parsed->is_array()) return out;
  for (const auto& v : parsed->as_array()) {
    if (v.is_string()) out.emplace_back(v.as_string());
  }
  return out;
}

std::string SerializeStringArray(const std::vector<std::string>& items) {
  bj::array a;
  for (const auto& s : items) a.emplace_back(s);
  return bj::serialize(a);
}

Organisation OrgFromRow(const Row& r) {
  return {r.Text(0), r.Text(1), r.Text(2), r.OptionalText(3), r.Text(4), r.Text(5), r.Int(6)};
}
Contact ContactFromRow(const Row& r) {
  return {r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5), ParseStringArray(r.Text(6)),
          r.Int(7),  r.Text(8), r.Text(9), r.Int(10)};
}
Member MemberFromRow(const Row& r) {
  return {r.Text(0), r.Text(1), r.Text(2), r.Text(3), ParseStringArray(r.Text(4)), r.Int(5) != 0,
          r.Text(6), r.Text(7), r.Int(8)};
}
Token TokenFromRow(const Row& r) {
  return {r.Text(0), r.Text(1), r.OptionalText(2), r.Text(3), r.OptionalText(4), r.OptionalText(5)};
}

// One page from rows fetched with LIMIT page.limit + 1: the extra row only says that more
// follow, and the last item's id becomes the cursor.
template <typename T, typename Convert>
Page<T> PageOf(const store::Rows& rows, size_t limit, Convert convert) {
  Page<T> out;
  for (const auto& r : rows) {
    if (out.items.size() == limit) {
      out.next_after = out.items.back().id;
      break;
    }
    out.items.push_back(convert(r));
  }
  return out;
}

// Runs `fn(tx)` -> Result<T> as one durable write and returns its value.
template <typename T, typename Fn>
Result<T> WriteValue(store::Store& store, Fn&& fn) {
  std::optional<T> out;
  Status status = store.Write([&](Tx& tx) -> Status {
    Result<T> r = fn(tx);
    if (!r) return r.error();
    out = std::move(*r);
    return Status::Ok();
  });
  if (!status.ok()) return Err(status);
  return std::move(*out);
}

template <typename T, typename Fn>
Result<T> ReadValue(store::Store& store, Fn&& fn) {
  std::optional<T> out;
  Status status = store.Read([&](Tx& tx) -> Status {
    Result<T> r = fn(tx);
    if (!r) return r.error();
    out = std::move(*r);
    return Status::Ok();
  });
  if (!status.ok()) return Err(status);
  return std::move(*out);
}

Result<std::optional<Row>> QueryOne(Tx& tx, std::string_view sql, const std::vector<Value>& params) {
  AIIP_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  if (rows.empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(rows.front()));
}

Result<Organisation> LoadOrganisation(Tx& tx, std::string_view id) {
  AIIP_ASSIGN_OR_RETURN(auto row, QueryOne(tx, std::string("SELECT ") + kOrgColumns + " FROM organisations WHERE id = ?",
                                           {std::string(id)}));
  if (!row) return Err(NotFound("no organisation '" + std::string(id) + "'"));
  return OrgFromRow(*row);
}

Result<Member> LoadMember(Tx& tx, std::string_view id) {
  AIIP_ASSIGN_OR_RETURN(auto row, QueryOne(tx, std::string("SELECT ") + kMemberColumns + " FROM members WHERE id = ?",
                                           {std::string(id)}));
  if (!row) return Err(NotFound("no member '" + std::string(id) + "'"));
  return MemberFromRow(*row);
}

Result<Contact> LoadContact(Tx& tx, std::string_view id) {
  AIIP_ASSIGN_OR_RETURN(auto row, QueryOne(tx, std::string("SELECT ") + kContactColumns + " FROM contacts WHERE id = ?",
                                           {std::string(id)}));
  if (!row) return Err(NotFound("no contact '" + std::string(id) + "'"));
  return ContactFromRow(*row);
}

Result<Token> LoadToken(Tx& tx, std::string_view id) {
  AIIP_ASSIGN_OR_RETURN(auto row, QueryOne(tx, std::string("SELECT ") + kTokenColumns + " FROM tokens WHERE id = ?",
                                           {std::string(id)}));
  if (!row) return Err(NotFound("no token '" + std::string(id) + "'"));
  return TokenFromRow(*row);
}

// Reads a `version` for optimistic concurrency and compares it with the stored one.
Status CheckVersion(json::ObjectReader& reader, int64_t stored) {
  auto expected = reader.OptionalInt("version", 1, INT64_MAX);
  if (expected && *expected != stored) {
    return Conflict("the object was changed meanwhile: version " + std::to_string(*expected) +
                        " was given but the stored version is " + std::to_string(stored),
                    "/version");
  }
  return Status::Ok();
}

void ValidateRoles(json::ObjectReader& reader, const std::vector<std::string>& roles) {
  if (!reader.ok()) return;
  if (roles.empty()) {
    reader.Fail("roles", "out-of-range", "'roles' must name at least one role");
    return;
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < roles.size(); ++i) {
    if (!IsOneOf(roles[i], kRoles)) {
      reader.Fail(InvalidArgument("invalid-value",
                                  "unknown role '" + roles[i] + "'; roles are: " + JoinVocabulary(kRoles),
                                  reader.PointerOf("roles") + "/" + std::to_string(i)));
      return;
    }
    if (!seen.insert(roles[i]).second) {
      reader.Fail(InvalidArgument("invalid-value", "role '" + roles[i] + "' is listed twice",
                                  reader.PointerOf("roles") + "/" + std::to_string(i)));
      return;
    }
  }
}

}  // namespace

std::string HashTokenSecret(std::string_view secret) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(secret.data(), secret.size(), digest, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), len);
}

Actor Actor::System() {
  Actor a;
  a.roles = {"admin"};
  return a;
}

Registry::Registry(store::Store& store, const ReferenceData& reference, AuditAppend audit, const Clock& clock,
                   Random& random)
    : store_(store), reference_(reference), audit_(std::move(audit)), clock_(clock), random_(random) {}

std::string Registry::Now() const { return FormatRfc3339(clock_.Now()); }

Status Registry::Audit(Tx& tx, const Actor& actor, std::string action, const std::string& object,
                       const bj::object& json) {
  return audit_(tx, AuditEvent{actor.IsSystem() ? "system" : actor.member, actor.organisation,
                               std::move(action), object, bj::serialize(json)});
}

Status Registry::CheckManages(const Actor& actor, std::string_view organisation) const {
  if (actor.HasRole("admin")) return Status::Ok();
  if (actor.HasRole("org-admin") && actor.organisation == organisation) return Status::Ok();
  return PermissionDenied("only an administrator or an org-admin of " + std::string(organisation) +
                          " may manage it");
}

// ---- States and parties ----

Status Registry::ImportStates() {
  return store_.Write([&](Tx& tx) -> Status {
    int added = 0;
    for (const auto& s : reference_.states()) {
      AIIP_RETURN_IF_ERROR(tx.Exec(
          "INSERT INTO states (code, alpha3, numeric_code, name, official_name) VALUES (?, ?, ?, ?, ?) "
          "ON CONFLICT (code) DO NOTHING",
          {s.code, s.alpha3, s.numeric, s.name, store::OptionalText(s.official_name)}));
      added += static_cast<int>(tx.ChangedRows());
    }
    if (added == 0) return Status::Ok();
    bj::object summary{{"source", "iso_3166-1"},
                       {"sha256", HexEncode(HashTokenSecret(reference_.states_digest_source()))},
                       {"added", added}};
    return Audit(tx, Actor::System(), "states.import", "iso_3166-1", summary);
  });
}

Result<Page<bj::object>> Registry::ListParties(const PartyFilter& filter, const PageRequest& page) {
  if (filter.kind && *filter.kind != "state" && !IsOneOf(*filter.kind, kOrganisationKinds)) {
    return Err(InvalidArgument("invalid-value",
                               "unknown kind '" + *filter.kind + "'; kinds are: state, " +
                                   JoinVocabulary(kOrganisationKinds),
                               "kind"));
  }
  bool want_states = !filter.kind || *filter.kind == "state";
  bool want_orgs = !filter.kind || *filter.kind != "state";
  std::string after = page.after.value_or("");
  return ReadValue<Page<bj::object>>(store_, [&](Tx& tx) -> Result<Page<bj::object>> {
    std::vector<std::pair<std::string, bj::object>> merged;
    auto limit = static_cast<int64_t>(page.limit + 1);
    if (want_orgs) {
      std::string sql = std::string("SELECT ") + kOrgColumns + " FROM organisations WHERE id > ?";
      std::vector<Value> params{after};
      if (filter.kind) {
        sql += " AND kind = ?";
        params.emplace_back(*filter.kind);
      }
      if (filter.state) {
        sql += " AND state = ?";
        params.emplace_back(*filter.state);
      }
      sql += " ORDER BY id LIMIT ?";
      params.emplace_back(limit);
      AIIP_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
      for (const auto& r : rows) {
        Organisation o = OrgFromRow(r);
        merged.emplace_back(o.id, ToJson(o));
      }
    }
    if (want_states) {
      std::string sql =
          "SELECT code, alpha3, numeric_code, name, official_name FROM states WHERE 'state_' || code > ?";
      std::vector<Value> params{after};
      if (filter.state) {
        sql += " AND code = ?";
        params.emplace_back(*filter.state);
      }
      sql += " ORDER BY code LIMIT ?";
      params.emplace_back(limit);
      AIIP_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
      for (const auto& r : rows) {
        StateRecord s{r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.OptionalText(4)};
        merged.emplace_back(StatePartyId(s.code), ToJson(s));
      }
    }
    std::sort(merged.begin(), merged.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    Page<bj::object> out;
    for (auto& [id, obj] : merged) {
      if (out.items.size() == page.limit) {
        out.next_after = bj::value_to<std::string>(out.items.back().at("id"));
        break;
      }
      out.items.push_back(std::move(obj));
    }
    return out;
  });
}

Result<bj::object> Registry::GetParty(std::string_view id) {
  if (id.starts_with("state_")) {
    std::string code(id.substr(6));
    return ReadValue<bj::object>(store_, [&](Tx& tx) -> Result<bj::object> {
      AIIP_ASSIGN_OR_RETURN(auto row, QueryOne(tx,
                                               "SELECT code, alpha3, numeric_code, name, official_name FROM "
                                               "states WHERE code = ?",
                                               {code}));
      if (!row) return Err(NotFound("no State '" + std::string(id) + "'"));
      return ToJson(StateRecord{row->Text(0), row->Text(1), row->Text(2), row->Text(3), row->OptionalText(4)});
    });
  }
  AIIP_ASSIGN_OR_RETURN(auto org, GetOrganisation(id));
  return ToJson(org);
}

// ---- Organisations ----

Result<Organisation> Registry::CreateOrganisation(const Actor& actor, const bj::object& body) {
  if (!actor.HasRole("admin")) return Err(PermissionDenied("only an administrator may create organisations"));
  json::ObjectReader reader(body);
  Organisation org;
  org.name = reader.RequiredString("name", 200);
  org.kind = reader.RequiredString("kind", 64);
  org.state = reader.OptionalString("state", 2);
  if (reader.ok() && !IsOneOf(org.kind, kOrganisationKinds)) {
    reader.Fail("kind", "invalid-value",
                "unknown kind '" + org.kind + "'; kinds are: " + JoinVocabulary(kOrganisationKinds));
  }
  if (reader.ok() && org.kind == "agency" && org.state) {
    reader.Fail("state", "invalid-value", "bodies of the Agency (kind 'agency') belong to no State");
  }
  if (reader.ok() && org.kind != "agency" && !org.state) {
    reader.Fail("state", "missing-field", "'state' is required unless kind is 'agency'");
  }
  AIIP_RETURN_IF_ERROR(reader.Finish());
  org.id = NewId("org", clock_, random_);
  org.created_at = org.updated_at = Now();
  return WriteValue<Organisation>(store_, [&](Tx& tx) -> Result<Organisation> {
    if (org.state) {
      AIIP_ASSIGN_OR_RETURN(auto st, QueryOne(tx, "SELECT code FROM states WHERE code = ?", {*org.state}));
      if (!st) {
        return Err(InvalidArgument("invalid-value",
                                   "'" + *org.state + "' is not an ISO 3166-1 alpha-2 code of a State", "/state"));
      }
    }
    std::string scope = org.state.value_or(kAgencyScope);
    AIIP_ASSIGN_OR_RETURN(auto dup, QueryOne(tx, "SELECT id FROM organisations WHERE scope = ? AND name = ?",
                                             {scope, org.name}));
    if (dup) {
      return Err(Conflict("an organisation named '" + org.name + "' already exists in " + scope + " (" +
                              dup->Text(0) + ")",
                          "/name"));
    }
    AIIP_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO organisations (id, name, kind, state, scope, created_at, updated_at, version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        {org.id, org.name, org.kind, store::OptionalText(org.state), scope, org.created_at, org.updated_at,
         org.version}));
    AIIP_RETURN_IF_ERROR(Audit(tx, actor, "organisation.create", org.id, ToJson(org)));
    return org;
  });
}

Result<Organisation> Registry::GetOrganisation(std::string_view id) {
  return ReadValue<Organisation>(store_, [&](Tx& tx) { return LoadOrganisation(tx, id); });
}

Result<Page<Organisation>> Registry::ListOrganisations(const PartyFilter& filter, const PageRequest& page) {
  if (filter.kind && !IsOneOf(*filter.kind, kOrganisationKinds)) {
    return Err(InvalidArgument("invalid-value",
                               "unknown kind '" + *filter.kind + "'; kinds are: " + JoinVocabulary(kOrganisationKinds),
                               "kind"));
  }
  return ReadValue<Page<Organisation>>(store_, [&](Tx& tx) -> Result<Page<Organisation>> {
    std::string sql = std::string("SELECT ") + kOrgColumns + " FROM organisations WHERE id > ?";
    std::vector<Value> params{page.after.value_or("")};
    if (filter.kind) {
      sql += " AND kind = ?";
      params.emplace_back(*filter.kind);
    }
    if (filter.state) {
      sql += " AND state = ?";
      params.emplace_back(*filter.state);
    }
    sql += " ORDER BY id LIMIT ?";
    params.emplace_back(static_cast<int64_t>(page.limit + 1));
    AIIP_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
    return PageOf<Organisation>(rows, page.limit, OrgFromRow);
  });
}

Result<Organisation> Registry::UpdateOrganisation(const Actor& actor, std::string_view id, const bj::object& body) {
  AIIP_RETURN_IF_ERROR(CheckManages(actor, id));
  return WriteValue<Organisation>(store_, [&](Tx& tx) -> Result<Organisation> {
    AIIP_ASSIGN_OR_RETURN(Organisation org, LoadOrganisation(tx, id));
    json::ObjectReader reader(body);
    auto name = reader.OptionalString("name", 200);
    if (reader.ok() && name && name->empty()) reader.Fail("name", "out-of-range", "'name' must not be empty");
    AIIP_RETURN_IF_ERROR(CheckVersion(reader, org.version));
    AIIP_RETURN_IF_ERROR(reader.Finish());
    if (name && *name != org.name) {
      std::string scope = org.state.value_or(kAgencyScope);
      AIIP_ASSIGN_OR_RETURN(auto dup, QueryOne(tx, "SELECT id FROM organisations WHERE scope = ? AND name = ?",
                                               {scope, *name}));
      if (dup) return Err(Conflict("an organisation named '" + *name + "' already exists in " + scope, "/name"));
      org.name = *name;
    }
    org.version += 1;
    org.updated_at = Now();
    AIIP_RETURN_IF_ERROR(tx.Exec("UPDATE organisations SET name = ?, updated_at = ?, version = ? WHERE id = ?",
                                 {org.name, org.updated_at, org.version, org.id}));
    AIIP_RETURN_IF_ERROR(Audit(tx, actor, "organisation.update", org.id, ToJson(org)));
    return org;
  });
}

Status Registry::DeleteOrganisation(const Actor& actor, std::string_view id) {
  if (!actor.HasRole("admin")) return PermissionDenied("only an administrator may delete organisations");
  return store_.Write([&](Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(Organisation org, LoadOrganisation(tx, id));
    AIIP_ASSIGN_OR_RETURN(auto member, QueryOne(tx, "SELECT id FROM members WHERE organisation = ? LIMIT 1", {org.id}));
    if (member) return Conflict("organisation " + org.id + " still has members; disable and remove them first");
    AIIP_ASSIGN_OR_RETURN(auto contact,
                          QueryOne(tx, "SELECT id FROM contacts WHERE organisation = ? LIMIT 1", {org.id}));
    if (contact) return Conflict("organisation " + org.id + " still has contacts; remove them first");
    AIIP_RETURN_IF_ERROR(
        tx.Exec("DELETE FROM organisation_clients WHERE provider = ? OR client = ?", {org.id, org.id}));
    AIIP_RETURN_IF_ERROR(tx.Exec("DELETE FROM organisations WHERE id = ?", {org.id}));
    return Audit(tx, actor, "organisation.delete", org.id, ToJson(org));
  });
}

// ---- Client relations ----

Result<ClientRelation> Registry::AddClient(const Actor& actor, std::string_view provider,
                                           const bj::object& body) {
  if (!actor.HasRole("admin"))
    return Err(PermissionDenied("only an administrator may record client relations"));
  json::ObjectReader reader(body);
  ClientRelation r;
  r.provider = std::string(provider);
  r.client = reader.RequiredString("client", 64);
  AIIP_RETURN_IF_ERROR(reader.Finish());
  if (r.client == r.provider) {
    return Err(InvalidArgument("invalid-value", "an organisation is not its own client", "/client"));
  }
  r.created_at = Now();
  return WriteValue<ClientRelation>(store_, [&](Tx& tx) -> Result<ClientRelation> {
    AIIP_RETURN_IF_ERROR(StatusOf(LoadOrganisation(tx, r.provider)));
    if (Result<Organisation> client = LoadOrganisation(tx, r.client); !client) {
      if (client.error().code() != Code::kNotFound) return Err(client.error());
      return Err(Status(Code::kNotFound, "not-found", "no organisation " + r.client, "/client"));
    }
    AIIP_ASSIGN_OR_RETURN(
        auto existing,
        QueryOne(tx, "SELECT created_at FROM organisation_clients WHERE provider = ? AND client = ?",
                 {r.provider, r.client}));
    if (existing) return Err(Conflict(r.client + " is already a client of " + r.provider, "/client"));
    AIIP_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO organisation_clients (provider, client, created_at) VALUES (?, ?, ?)",
                {r.provider, r.client, r.created_at}));
    AIIP_RETURN_IF_ERROR(Audit(tx, actor, "client.add", r.provider, ToJson(r)));
    return r;
  });
}

Result<std::vector<ClientRelation>> Registry::ListClients(const Actor& actor, std::string_view provider) {
  AIIP_RETURN_IF_ERROR(CheckManages(actor, provider));
  return ReadValue<std::vector<ClientRelation>>(store_, [&](Tx& tx) -> Result<std::vector<ClientRelation>> {
    AIIP_RETURN_IF_ERROR(StatusOf(LoadOrganisation(tx, provider)));
    AIIP_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT provider, client, created_at FROM organisation_clients "
                                              "WHERE provider = ? ORDER BY created_at, client",
                                              {std::string(provider)}));
    std::vector<ClientRelation> out;
    for (const auto& row : rows) out.push_back(ClientRelation{row.Text(0), row.Text(1), row.Text(2)});
    return out;
  });
}

Status Registry::RemoveClient(const Actor& actor, std::string_view provider, std::string_view client) {
  if (!actor.HasRole("admin")) return PermissionDenied("only an administrator may remove client relations");
  const ClientRelation key{std::string(provider), std::string(client), {}};
  return store_.Write([&](Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(
        auto existing,
        QueryOne(tx, "SELECT created_at FROM organisation_clients WHERE provider = ? AND client = ?",
                 {key.provider, key.client}));
    if (!existing) return NotFound(key.client + " is not a client of " + key.provider);
    AIIP_RETURN_IF_ERROR(tx.Exec("DELETE FROM organisation_clients WHERE provider = ? AND client = ?",
                                 {key.provider, key.client}));
    return Audit(tx, actor, "client.remove", key.provider,
                 ToJson(ClientRelation{key.provider, key.client, existing->Text(0)}));
  });
}

// ---- Contacts ----

namespace {
// Reads contact fields into `c`; with `partial`, absent fields keep their values.
void ReadContact(json::ObjectReader& reader, const ReferenceData& reference, Contact& c, bool partial) {
  auto text = [&](std::string_view key, size_t max, std::string& field) {
    if (partial) {
      if (auto v = reader.OptionalString(key, max)) field = *v;
    } else {
      field = reader.RequiredString(key, max);
    }
  };
  text("name", 200, c.name);
  text("phone", 16, c.phone);
  text("email", 254, c.email);
  text("timezone", 64, c.timezone);
  if (partial) {
    if (auto langs = reader.OptionalStringArray("languages", 20, 3)) c.languages = *langs;
    if (auto order = reader.OptionalInt("escalation_order", 1, 100)) c.escalation_order = *order;
  } else {
    c.languages = reader.RequiredStringArray("languages", 20, 3);
    c.escalation_order = reader.RequiredInt("escalation_order", 1, 100);
  }
  if (!reader.ok()) return;
  if (!IsE164Phone(c.phone)) {
    reader.Fail("phone", "invalid-value", "'phone' must be an E.164 number such as +33123456789");
  } else if (!IsPlausibleEmail(c.email)) {
    reader.Fail("email", "invalid-value", "'" + c.email + "' is not an e-mail address");
  } else if (!reference.IsTimeZone(c.timezone)) {
    reader.Fail("timezone", "invalid-value", "'" + c.timezone + "' is not an IANA time zone (e.g. Europe/Paris)");
  } else if (c.languages.empty()) {
    reader.Fail("languages", "out-of-range", "'languages' must name at least one language");
  } else {
    for (size_t i = 0; i < c.languages.size(); ++i) {
      if (!reference.IsLanguage(c.languages[i])) {
        reader.Fail(InvalidArgument("invalid-value",
                                    "'" + c.languages[i] + "' is not an ISO 639 language code (e.g. en, fr)",
                                    reader.PointerOf("languages") + "/" + std::to_string(i)));
        return;
      }
    }
  }
}

Status CheckOrderFree(Tx& tx, const Contact& c) {
  AIIP_ASSIGN_OR_RETURN(auto taken,
                        QueryOne(tx, "SELECT id FROM contacts WHERE organisation = ? AND escalation_order = ? AND id <> ?",
                                 {c.organisation, c.escalation_order, c.id}));
  if (taken) {
    return Conflict("escalation order " + std::to_string(c.escalation_order) + " is already held by contact " +
                        taken->Text(0),
                    "/escalation_order");
  }
  return Status::Ok();
}
}  // namespace

Result<Contact> Registry::CreateContact(const Actor& actor, std::string_view organisation, const bj::object& body) {
  AIIP_RETURN_IF_ERROR(CheckManages(actor, organisation));
  json::ObjectReader reader(body);
  Contact c;
  ReadContact(reader, reference_, c, false);
  AIIP_RETURN_IF_ERROR(reader.Finish());
  c.id = NewId("cnt", clock_, random_);
  c.organisation = std::string(organisation);
  c.created_at = c.updated_at = Now();
  return WriteValue<Contact>(store_, [&](Tx& tx) -> Result<Contact> {
    AIIP_RETURN_IF_ERROR(StatusOf(LoadOrganisation(tx, organisation)));
    AIIP_RETURN_IF_ERROR(CheckOrderFree(tx, c));
    AIIP_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO contacts (id, organisation, name, phone, email, timezone, languages, escalation_order, "
        "created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {c.id, c.organisation, c.name, c.phone, c.email, c.timezone, SerializeStringArray(c.languages),
         c.escalation_order, c.created_at, c.updated_at, c.version}));
    AIIP_RETURN_IF_ERROR(Audit(tx, actor, "contact.create", c.id, ToJson(c)));
    return c;
  });
}

Result<std::vector<Contact>> Registry::ListContacts(std::string_view organisation) {
  return ReadValue<std::vector<Contact>>(store_, [&](Tx& tx) -> Result<std::vector<Contact>> {
    AIIP_RETURN_IF_ERROR(StatusOf(LoadOrganisation(tx, organisation)));
    AIIP_ASSIGN_OR_RETURN(auto rows, tx.Query(std::string("SELECT ") + kContactColumns +
                                                  " FROM contacts WHERE organisation = ? ORDER BY escalation_order",
                                              {std::string(organisation)}));
    std::vector<Contact> out;
    for (const auto& r : rows) out.push_back(ContactFromRow(r));
    return out;
  });
}

Result<Contact> Registry::UpdateContact(const Actor& actor, std::string_view id, const bj::object& body) {
  return WriteValue<Contact>(store_, [&](Tx& tx) -> Result<Contact> {
    AIIP_ASSIGN_OR_RETURN(Contact c, LoadContact(tx, id));
    AIIP_RETURN_IF_ERROR(CheckManages(actor, c.organisation));
    json::ObjectReader reader(body);
    ReadContact(reader, reference_, c, true);
    AIIP_RETURN_IF_ERROR(CheckVersion(reader, c.version));
    AIIP_RETURN_IF_ERROR(reader.Finish());
    AIIP_RETURN_IF_ERROR(CheckOrderFree(tx, c));
    c.version += 1;
    c.updated_at = Now();
    AIIP_RETURN_IF_ERROR(tx.Exec(
        "UPDATE contacts SET name = ?, phone = ?, email = ?, timezone = ?, languages = ?, escalation_order = ?, "
        "updated_at = ?, version = ? WHERE id = ?",
        {c.name, c.phone, c.email, c.timezone, SerializeStringArray(c.languages), c.escalation_order, c.updated_at,
         c.version, c.id}));
    AIIP_RETURN_IF_ERROR(Audit(tx, actor, "contact.update", c.id, ToJson(c)));
    return c;
  });
}

Status Registry::DeleteContact(const Actor& actor, std::string_view id) {
  return store_.Write([&](Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(Contact c, LoadContact(tx, id));
    AIIP_RETURN_IF_ERROR(CheckManages(actor, c.organisation));
    AIIP_RETURN_IF_ERROR(tx.Exec("DELETE FROM contacts WHERE id = ?", {c.id}));
    return Audit(tx, actor, "contact.delete", c.id, ToJson(c));
  });
}

// ---- Members ----

namespace {
Status CheckAdminGrant(const Actor& actor, const std::vector<std::string>& roles) {
  if (!actor.HasRole("admin") && std::find(roles.begin(), roles.end(), "admin") != roles.end()) {
    return PermissionDenied("only an administrator may grant the 'admin' role");
  }
  return Status::Ok();
}

// Refuses a change that would leave the node without an enabled administrator.
Status CheckAdminRemains(Tx& tx, const Member& after) {
  bool still_admin = !after.disabled && std::find(after.roles.begin(), after.roles.end(), "admin") != after.roles.end();
  if (still_admin) return Status::Ok();
  AIIP_ASSIGN_OR_RETURN(auto other, QueryOne(tx,
                                             "SELECT id FROM members WHERE disabled = 0 AND id <> ? AND roles LIKE ? "
                                             "LIMIT 1",
                                             {after.id, std::string("%\"admin\"%")}));
  AIIP_ASSIGN_OR_RETURN(auto was_admin, QueryOne(tx, "SELECT id FROM members WHERE id = ? AND disabled = 0 AND roles LIKE ?",
                                                 {after.id, std::string("%\"admin\"%")}));
  if (was_admin && !other) {
    return Conflict("this change would leave the node without an enabled administrator");
  }
  return Status::Ok();
}
}  // namespace

Result<Member> Registry::CreateMember(const Actor& actor, const bj::object& body) {
  json::ObjectReader reader(body);
  Member m;
  m.organisation = reader.RequiredString("organisation", 64);
  m.name = reader.RequiredString("name", 200);
  m.roles = reader.RequiredStringArray("roles", 10, 64);
  m.type = reader.OptionalString("type", 16).value_or("person");
  ValidateRoles(reader, m.roles);
  if (reader.ok() && !IsOneOf(m.type, kMemberTypes)) {
    reader.Fail("type", "invalid-value", "'type' must be 'person' or 'tool'");
  }
  AIIP_RETURN_IF_ERROR(reader.Finish());
  AIIP_RETURN_IF_ERROR(CheckManages(actor, m.organisation));
  AIIP_RETURN_IF_ERROR(CheckAdminGrant(actor, m.roles));
  m.id = NewId("mbr", clock_, random_);
  m.created_at = m.updated_at = Now();
  return WriteValue<Member>(store_, [&](Tx& tx) -> Result<Member> {
    auto org = LoadOrganisation(tx, m.organisation);
    if (!org) {
      return Err(InvalidArgument("invalid-value", "no organisation '" + m.organisation + "'", "/organisation"));
    }
    AIIP_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO members (id, organisation, name, type, roles, disabled, created_at, updated_at, version) "
        "VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)",
        {m.id, m.organisation, m.name, m.type, SerializeStringArray(m.roles), m.created_at, m.updated_at,
         m.version}));
    AIIP_RETURN_IF_ERROR(Audit(tx, actor, "member.create", m.id, ToJson(m)));
    return m;
  });
}

Result<Member> Registry::GetMember(const Actor& actor, std::string_view id) {
  AIIP_ASSIGN_OR_RETURN(Member m, ReadValue<Member>(store_, [&](Tx& tx) { return LoadMember(tx, id); }));
  if (!actor.HasRole("admin") && actor.organisation != m.organisation) {
    return Err(NotFound("no member '" + std::string(id) + "'"));
  }
  return m;
}

Result<Page<Member>> Registry::ListMembers(const Actor& actor, std::optional<std::string> organisation,
                                           const PageRequest& page) {
  if (!actor.HasRole("admin")) {
    if (organisation && *organisation != actor.organisation) {
      return Err(PermissionDenied("members of other organisations are visible to administrators only"));
    }
    organisation = actor.organisation;
  }
  return ReadValue<Page<Member>>(store_, [&](Tx& tx) -> Result<Page<Member>> {
    std::string sql = std::string("SELECT ") + kMemberColumns + " FROM members WHERE id > ?";
    std::vector<Value> params{page.after.value_or("")};
    if (organisation) {
      sql += " AND organisation = ?";
      params.emplace_back(*organisation);
    }
    sql += " ORDER BY id LIMIT ?";
    params.emplace_back(static_cast<int64_t>(page.limit + 1));
    AIIP_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
    return PageOf<Member>(rows, page.limit, MemberFromRow);
  });
}

Result<Member> Registry::UpdateMember(const Actor& actor, std::string_view id, const bj::object& body) {
  ForgetAuthentications();
  auto updated = WriteValue<Member>(store_, [&](Tx& tx) -> Result<Member> {
    AIIP_ASSIGN_OR_RETURN(Member m, LoadMember(tx, id));
    if (!actor.HasRole("admin") && actor.organisation != m.organisation) {
      return Err(NotFound("no member '" + std::string(id) + "'"));
    }
    AIIP_RETURN_IF_ERROR(CheckManages(actor, m.organisation));
    json::ObjectReader reader(body);
    auto name = reader.OptionalString("name", 200);
    auto roles = reader.OptionalStringArray("roles", 10, 64);
    auto disabled = reader.OptionalBool("disabled");
    if (roles) ValidateRoles(reader, *roles);
    if (reader.ok() && name && name->empty()) reader.Fail("name", "out-of-range", "'name' must not be empty");
    AIIP_RETURN_IF_ERROR(CheckVersion(reader, m.version));
    AIIP_RETURN_IF_ERROR(reader.Finish());
    if (roles) {
      AIIP_RETURN_IF_ERROR(CheckAdminGrant(actor, *roles));
      bool had_admin = std::find(m.roles.begin(), m.roles.end(), "admin") != m.roles.end();
      bool keeps_admin = std::find(roles->begin(), roles->end(), "admin") != roles->end();
      if (had_admin && !keeps_admin && !actor.HasRole("admin")) {
        return Err(PermissionDenied("only an administrator may remove the 'admin' role"));
      }
      m.roles = *roles;
    }
    if (name) m.name = *name;
    if (disabled) m.disabled = *disabled;
    AIIP_RETURN_IF_ERROR(CheckAdminRemains(tx, m));
    m.version += 1;
    m.updated_at = Now();
    AIIP_RETURN_IF_ERROR(tx.Exec(
        "UPDATE members SET name = ?, roles = ?, disabled = ?, updated_at = ?, version = ? WHERE id = ?",
        {m.name, SerializeStringArray(m.roles), int64_t{m.disabled ? 1 : 0}, m.updated_at, m.version, m.id}));
    AIIP_RETURN_IF_ERROR(Audit(tx, actor, "member.update", m.id, ToJson(m)));
    return m;
  });
  ForgetAuthentications();
  return updated;
}

// ---- Tokens ----

Result<IssuedToken> Registry::CreateToken(const Actor& actor, const bj::object& body) {
  json::ObjectReader reader(body);
  IssuedToken issued;
  Token& t = issued.token;
  t.member = reader.RequiredString("member", 64);
  t.label = reader.OptionalString("label", 100);
  auto expires = reader.OptionalString("expires_at", 64);
  if (reader.ok() && expires) {
    auto parsed = ParseRfc3339(*expires);
    if (!parsed) {
      reader.Fail(parsed.error().WithFieldPrefix(reader.PointerOf("expires_at")));
    } else if (*parsed <= clock_.Now()) {
      reader.Fail("expires_at", "out-of-range", "'expires_at' must be in the future");
    } else {
      t.expires_at = FormatRfc3339(*parsed);
    }
  }
  AIIP_RETURN_IF_ERROR(reader.Finish());
  std::array<uint8_t, 32> secret{};
  random_.Fill(secret);
  issued.secret = "aiip_" + Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(secret.data()), secret.size()));
  t.id = NewId("tok", clock_, random_);
  t.created_at = Now();
  return WriteValue<IssuedToken>(store_, [&](Tx& tx) -> Result<IssuedToken> {
    auto member = LoadMember(tx, t.member);
    if (!member) return Err(InvalidArgument("invalid-value", "no member '" + t.member + "'", "/member"));
    if (member->id != actor.member) {
      if (!actor.HasRole("admin") && actor.organisation != member->organisation) {
        return Err(InvalidArgument("invalid-value", "no member '" + t.member + "'", "/member"));
      }
      AIIP_RETURN_IF_ERROR(CheckManages(actor, member->organisation));
    }
    if (member->disabled) return Err(FailedPrecondition("member-disabled", "member " + t.member + " is disabled"));
    AIIP_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO tokens (id, member, hash, label, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        {t.id, t.member, store::Blob{HashTokenSecret(issued.secret)}, store::OptionalText(t.label), t.created_at,
         store::OptionalText(t.expires_at), Null{}}));
    AIIP_RETURN_IF_ERROR(Audit(tx, actor, "token.create", t.id, ToJson(t)));
    return issued;
  });
}

Result<Page<Token>> Registry::ListTokens(const Actor& actor, std::optional<std::string> member,
                                         const PageRequest& page) {
  return ReadValue<Page<Token>>(store_, [&](Tx& tx) -> Result<Page<Token>> {
    std::string sql = "SELECT t.id, t.member, t.label, t.created_at, t.expires_at, t.revoked_at FROM tokens t "
                      "JOIN members m ON m.id = t.member WHERE t.id > ?";
    std::vector<Value> params{page.after.value_or("")};
    if (member) {
      sql += " AND t.member = ?";
      params.emplace_back(*member);
    }
    if (!actor.HasRole("admin")) {
      if (actor.HasRole("org-admin")) {
        sql += " AND m.organisation = ?";
        params.emplace_back(actor.organisation);
      } else {
        sql += " AND t.member = ?";
        params.emplace_back(actor.member);
      }
    }
    sql += " ORDER BY t.id LIMIT ?";
    params.emplace_back(static_cast<int64_t>(page.limit + 1));
    AIIP_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
    return PageOf<Token>(rows, page.limit, TokenFromRow);
  });
}

Result<Token> Registry::RevokeToken(const Actor& actor, std::string_view id) {
  // Forgotten after the commit too: a lookup racing with the revocation may have cached
  // the token again from the state before it.
  ForgetAuthentications();
  auto revoked = WriteValue<Token>(store_, [&](Tx& tx) -> Result<Token> {
    AIIP_ASSIGN_OR_RETURN(Token t, LoadToken(tx, id));
    if (t.member != actor.member) {
      AIIP_ASSIGN_OR_RETURN(Member owner, LoadMember(tx, t.member));
      if (!actor.HasRole("admin") && actor.organisation != owner.organisation) {
        return Err(NotFound("no token '" + std::string(id) + "'"));
      }
      AIIP_RETURN_IF_ERROR(CheckManages(actor, owner.organisation));
    }
    if (t.revoked_at) return t;  // revoking twice is harmless and changes nothing
    t.revoked_at = Now();
    AIIP_RETURN_IF_ERROR(tx.Exec("UPDATE tokens SET revoked_at = ? WHERE id = ?", {*t.revoked_at, t.id}));
    AIIP_RETURN_IF_ERROR(Audit(tx, actor, "token.revoke", t.id, ToJson(t)));
    return t;
  });
  ForgetAuthentications();
  return revoked;
}

Result<Actor> Registry::Authenticate(std::string_view secret) {
  if (!secret.starts_with("aiip_") || secret.size() > 128) {
    return Err(Unauthenticated("the bearer token is not an AIIP token"));
  }
  std::string hash = HashTokenSecret(secret);
  SystemTime now_time = clock_.Now();
  std::string now = FormatRfc3339(now_time);
  {
    std::shared_lock lock(auth_mu_);
    auto it = auth_cache_.find(hash);
    if (it != auth_cache_.end() && now_time - it->second.cached_at < kAuthCacheTtl &&
        !(it->second.expires_at && *it->second.expires_at <= now)) {
      return it->second.actor;
    }
  }
  std::optional<std::string> expires_at;
  AIIP_ASSIGN_OR_RETURN(Actor actor, ReadValue<Actor>(store_, [&](Tx& tx) -> Result<Actor> {
    AIIP_ASSIGN_OR_RETURN(auto row,
                          QueryOne(tx,
                                   "SELECT t.id, t.expires_at, t.revoked_at, m.id, m.organisation, m.roles, m.disabled, "
                                   "o.state, o.kind FROM tokens t JOIN members m ON m.id = t.member "
                                   "JOIN organisations o ON o.id = m.organisation WHERE t.hash = ?",
                                   {store::Blob{hash}}));
    if (!row) return Err(Unauthenticated("the bearer token is not valid"));
    expires_at = row->OptionalText(1);
    if (expires_at && *expires_at <= now) return Err(Unauthenticated("the bearer token has expired"));
    if (!row->IsNull(2)) return Err(Unauthenticated("the bearer token has been revoked"));
    if (row->Int(6) != 0) return Err(Unauthenticated("the member holding this token is disabled"));
    Actor a;
    a.token = row->Text(0);
    a.member = row->Text(3);
    a.organisation = row->Text(4);
    for (auto& r : ParseStringArray(row->Text(5))) a.roles.insert(std::move(r));
    a.state = row->OptionalText(7);
    a.organisation_kind = row->Text(8);
    return a;
  }));
  std::unique_lock lock(auth_mu_);
  if (auth_cache_.size() >= kAuthCacheLimit) auth_cache_.clear();
  auth_cache_[hash] = CachedActor{actor, expires_at, now_time};
  return actor;
}

void Registry::ForgetAuthentications() {
  std::unique_lock lock(auth_mu_);
  auth_cache_.clear();
}

// ---- Bootstrap and demonstration data ----

Result<bool> Registry::Bootstrap(const std::filesystem::path& token_file) {
  AIIP_ASSIGN_OR_RETURN(bool has_admin, ReadValue<bool>(store_, [&](Tx& tx) -> Result<bool> {
    AIIP_ASSIGN_OR_RETURN(auto row, QueryOne(tx, "SELECT id FROM members WHERE disabled = 0 AND roles LIKE ? LIMIT 1",
                                             {std::string("%\"admin\"%")}));
    return row.has_value();
  }));
  if (has_admin) return false;

  std::array<uint8_t, 32> secret_bytes{};
  random_.Fill(secret_bytes);
  std::string secret =
      "aiip_" + Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(secret_bytes.data()), secret_bytes.size()));
  // The file is written before the commit: a crash in between leaves a token that does not
  // work yet, and the next start bootstraps again; the reverse order could lock everyone out.
  AIIP_RETURN_IF_ERROR(WritePrivateFile(token_file, secret + "\n"));
  Actor system = Actor::System();
  Status st = store_.Write([&](Tx& tx) -> Status {
    std::string now = Now();
    AIIP_ASSIGN_OR_RETURN(auto existing, QueryOne(tx, std::string("SELECT ") + kOrgColumns +
                                                          " FROM organisations WHERE scope = ? AND name = ?",
                                                  {std::string(kAgencyScope), std::string("AIIP Secretariat")}));
    Organisation org;
    if (existing) {
      org = OrgFromRow(*existing);
    } else {
      org = {NewId("org", clock_, random_), "AIIP Secretariat", "agency", std::nullopt, now, now, 1};
      AIIP_RETURN_IF_ERROR(tx.Exec(
          "INSERT INTO organisations (id, name, kind, state, scope, created_at, updated_at, version) "
          "VALUES (?, ?, ?, NULL, ?, ?, ?, 1)",
          {org.id, org.name, org.kind, std::string(kAgencyScope), now, now}));
      AIIP_RETURN_IF_ERROR(Audit(tx, system, "organisation.create", org.id, ToJson(org)));
    }
    Member admin{NewId("mbr", clock_, random_), org.id, "Node administrator", "person", {"admin"}, false, now, now, 1};
    AIIP_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO members (id, organisation, name, type, roles, disabled, created_at, updated_at, version) "
        "VALUES (?, ?, ?, ?, ?, 0, ?, ?, 1)",
        {admin.id, admin.organisation, admin.name, admin.type, SerializeStringArray(admin.roles), now, now}));
    AIIP_RETURN_IF_ERROR(Audit(tx, system, "member.create", admin.id, ToJson(admin)));
    Token token{NewId("tok", clock_, random_), admin.id, std::string("bootstrap"), now, std::nullopt, std::nullopt};
    AIIP_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO tokens (id, member, hash, label, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, NULL, NULL)",
        {token.id, token.member, store::Blob{HashTokenSecret(secret)}, *token.label, now}));
    return Audit(tx, system, "token.create", token.id, ToJson(token));
  });
  if (!st.ok()) return Err(st);
  return true;
}

Result<int> Registry::LoadDemo(std::string_view json_text, std::string_view source) {
  auto doc = json::ParseObject(json_text);
  if (!doc) return Err(doc.error().WithFieldPrefix(std::string(source) + "#"));
  Actor system = Actor::System();
  return WriteValue<int>(store_, [&](Tx& tx) -> Result<int> {
    AIIP_ASSIGN_OR_RETURN(auto marker, QueryOne(tx, "SELECT value FROM node_meta WHERE name = 'demo-loaded'", {}));
    if (marker) return 0;
    int created = 0;
    const auto* orgs = doc->if_contains("organisations");
    if (orgs == nullptr || !orgs->is_array()) {
      return Err(InvalidArgument("missing-field", std::string(source) + " has no 'organisations' array",
                                 "/organisations"));
    }
    std::string now = Now();
    for (size_t i = 0; i < orgs->as_array().size(); ++i) {
      const auto& item = orgs->as_array()[i];
      std::string pointer = "/organisations/" + std::to_string(i);
      if (!item.is_object()) return Err(InvalidArgument("wrong-type", "expected an object", pointer));
      json::ObjectReader reader(item.as_object(), pointer);
      Organisation org{NewId("org", clock_, random_), reader.RequiredString("name", 200),
                       reader.RequiredString("kind", 64), reader.OptionalString("state", 2), now, now, 1};
      const auto* contacts = reader.OptionalArray("contacts");
      const auto* members = reader.OptionalArray("members");
      AIIP_RETURN_IF_ERROR(reader.Finish());
      if (!IsOneOf(org.kind, kOrganisationKinds)) {
        return Err(InvalidArgument("invalid-value", "unknown kind '" + org.kind + "'", pointer + "/kind"));
      }
      AIIP_RETURN_IF_ERROR(tx.Exec(
          "INSERT INTO organisations (id, name, kind, state, scope, created_at, updated_at, version) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, 1)",
          {org.id, org.name, org.kind, store::OptionalText(org.state), org.state.value_or(kAgencyScope), now, now}));
      AIIP_RETURN_IF_ERROR(Audit(tx, system, "organisation.create", org.id, ToJson(org)));
      ++created;
      for (size_t k = 0; contacts != nullptr && k < contacts->size(); ++k) {
        std::string cp = pointer + "/contacts/" + std::to_string(k);
        if (!(*contacts)[k].is_object()) return Err(InvalidArgument("wrong-type", "expected an object", cp));
        json::ObjectReader cr((*contacts)[k].as_object(), cp);
        Contact c;
        ReadContact(cr, reference_, c, false);
        AIIP_RETURN_IF_ERROR(cr.Finish());
        c.id = NewId("cnt", clock_, random_);
        c.organisation = org.id;
        c.created_at = c.updated_at = now;
        AIIP_RETURN_IF_ERROR(tx.Exec(
            "INSERT INTO contacts (id, organisation, name, phone, email, timezone, languages, escalation_order, "
            "created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            {c.id, c.organisation, c.name, c.phone, c.email, c.timezone, SerializeStringArray(c.languages),
             c.escalation_order, now, now}));
        AIIP_RETURN_IF_ERROR(Audit(tx, system, "contact.create", c.id, ToJson(c)));
        ++created;
      }
      for (size_t k = 0; members != nullptr && k < members->size(); ++k) {
        std::string mp = pointer + "/members/" + std::to_string(k);
        if (!(*members)[k].is_object()) return Err(InvalidArgument("wrong-type", "expected an object", mp));
        json::ObjectReader mr((*members)[k].as_object(), mp);
        Member m{NewId("mbr", clock_, random_), org.id, mr.RequiredString("name", 200),
                 mr.OptionalString("type", 16).value_or("person"), mr.RequiredStringArray("roles", 10, 64), false,
                 now, now, 1};
        ValidateRoles(mr, m.roles);
        AIIP_RETURN_IF_ERROR(mr.Finish());
        AIIP_RETURN_IF_ERROR(tx.Exec(
            "INSERT INTO members (id, organisation, name, type, roles, disabled, created_at, updated_at, version) "
            "VALUES (?, ?, ?, ?, ?, 0, ?, ?, 1)",
            {m.id, m.organisation, m.name, m.type, SerializeStringArray(m.roles), now, now}));
        AIIP_RETURN_IF_ERROR(Audit(tx, system, "member.create", m.id, ToJson(m)));
        ++created;
      }
    }
    AIIP_RETURN_IF_ERROR(tx.Exec("INSERT INTO node_meta (name, value) VALUES ('demo-loaded', ?)", {now}));
    return created;
  });
}

}  // namespace aiip::registry
