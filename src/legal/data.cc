#include "legal/data.h"

#include <algorithm>
#include <boost/json.hpp>
#include <functional>
#include <set>
#include <string_view>
#include <utility>

#include "common/json.h"

namespace aiip::legal {

namespace {

namespace bj = boost::json;
using json::ObjectReader;

constexpr size_t kMaxText = 4096;

// Errors found while reading one file keep the first problem, with its pointer.
Status Invalid(std::string pointer, std::string detail) {
  return InvalidArgument("invalid-value", std::move(detail), std::move(pointer));
}

Status RequireObject(const bj::value& value, const std::string& pointer, const bj::object*& out) {
  if (!value.is_object()) {
    return InvalidArgument("wrong-type", "expected an object, got " + std::string(json::KindName(value)),
                           pointer);
  }
  out = &value.get_object();
  return Status::Ok();
}

// Runs `read` on each element of the array `key` (which must be present unless `optional`),
// passing the element's object and its pointer.
Status ForEach(ObjectReader& reader, std::string_view key, bool optional,
               const std::function<Status(const bj::object&, const std::string&)>& read) {
  const bj::array* array = reader.OptionalArray(key);
  if (!reader.ok()) return reader.Finish();
  if (array == nullptr) {
    if (optional) return Status::Ok();
    return InvalidArgument("missing-field", "'" + std::string(key) + "' is required", reader.PointerOf(key));
  }
  for (size_t i = 0; i < array->size(); ++i) {
    const std::string pointer = reader.PointerOf(key) + "/" + std::to_string(i);
    const bj::object* object = nullptr;
    AIIP_RETURN_IF_ERROR(RequireObject((*array)[i], pointer, object));
    AIIP_RETURN_IF_ERROR(read(*object, pointer));
  }
  return Status::Ok();
}

Result<Source> ReadSource(const bj::object& object, const std::string& pointer) {
  ObjectReader r(object, pointer);
  Source source;
  source.title = r.RequiredString("title", kMaxText);
  source.url = r.OptionalString("url", kMaxText).value_or("");
  source.citation = r.OptionalString("citation", kMaxText).value_or("");
  source.accessed = r.RequiredString("accessed", 10);
  AIIP_RETURN_IF_ERROR(r.Finish());
  if (source.url.empty() && source.citation.empty()) {
    return Err(Invalid(pointer, "a source needs a 'url' or a 'citation'"));
  }
  if (!ParseDate(source.accessed)) return Err(Invalid(pointer + "/accessed", "not a YYYY-MM-DD date"));
  return source;
}

Result<Source> ReadSourceField(ObjectReader& r, std::string_view key) {
  const bj::object* object = r.OptionalObject(key);
  AIIP_RETURN_IF_ERROR(r.ok() ? Status::Ok() : r.Finish());
  if (object == nullptr) {
    return Err(InvalidArgument("missing-field",
                               "every row cites its source: '" + std::string(key) + "' is required",
                               r.PointerOf(key)));
  }
  return ReadSource(*object, r.PointerOf(key));
}

// A date field that may be null only when listed in `unknown` (the row's explained gaps).
Result<std::optional<Date>> ReadDate(ObjectReader& r, std::string_view key,
                                     const std::vector<std::string>& unknown, bool required_key = true) {
  if (!r.Has(key) && !required_key) return std::optional<Date>();
  if (!r.Has(key))
    return Err(InvalidArgument("missing-field", "'" + std::string(key) + "' is required", r.PointerOf(key)));
  if (r.IsNull(key)) {
    r.Raw(key);
    if (std::find(unknown.begin(), unknown.end(), key) == unknown.end()) {
      return Err(Invalid(r.PointerOf(key),
                         "null without an explanation: list '" + std::string(key) + "' in 'unknown'"));
    }
    return std::optional<Date>();
  }
  std::string text = r.RequiredString(key, 10);
  AIIP_RETURN_IF_ERROR(r.ok() ? Status::Ok() : r.Finish());
  auto date = ParseDate(text);
  if (!date) return Err(Invalid(r.PointerOf(key), "'" + text + "' is not a YYYY-MM-DD date"));
  return std::optional<Date>(*date);
}

bool IsStateCode(std::string_view code) {
  return code.size() == 2 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z';
}

Status CheckVocabulary(const std::string& value, std::initializer_list<std::string_view> allowed,
                       const std::string& pointer) {
  for (std::string_view a : allowed) {
    if (value == a) return Status::Ok();
  }
  std::string list;
  for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  return Invalid(pointer, "'" + value + "' is not one of: " + list);
}

const std::initializer_list<std::string_view> kGrounds = {"political-offence", "essential-interests",
                                                          "nationality",       "death-penalty",
                                                          "human-rights",      "national-security-exclusion"};
const std::initializer_list<std::string_view> kObligations = {
    "extradite-or-prosecute", "notify-affected-state", "consular-notification", "keep-preserved-data"};
const std::initializer_list<std::string_view> kBases = {
    "territory",         "nationality",         "stateless-residence", "harm-to-state-or-nationals",
    "coercion-of-state", "substantial-effects", "refused-extradition"};
const std::initializer_list<std::string_view> kReservationEffects = {"preservation-dual-criminality",
                                                                     "no-nationality-jurisdiction", "other"};
const std::initializer_list<std::string_view> kDeclarationKinds = {"extradition-authority", "mla-authority",
                                                                   "contact-24-7", "other"};
const std::initializer_list<std::string_view> kConditions = {
    "infringes-security-measures", "dishonest-intent", "protected-computer", "commercial-scale",
    "serious-hindrance",           "causes-damage",    "ulterior-intent",    "serious-circumstances"};

// --- conduct.json ---

Status ReadConducts(const bj::object& root, LegalData& data) {
  ObjectReader r(root);
  std::string schema = r.RequiredString("schema");
  if (r.ok() && schema != "aiip.legal.conduct/1") return Invalid("/schema", "expected aiip.legal.conduct/1");
  auto read3 = [&](const bj::object& o, const std::string& p) -> Status {
    ObjectReader c(o, p);
    Conduct conduct;
    conduct.code = c.RequiredString("code", 64);
    conduct.title = c.RequiredString("title", 256);
    conduct.description = c.RequiredString("description", kMaxText);
    auto read1 = [&](const bj::object& co, const std::string& cp) -> Status {
      ObjectReader cr(co, cp);
      ConductCoverage coverage;
      coverage.instrument = cr.RequiredString("instrument", 128);
      coverage.article = cr.RequiredString("article", 128);
      std::string full = cr.RequiredString("coverage", 16);
      AIIP_ASSIGN_OR_RETURN(coverage.source, ReadSourceField(cr, "source"));
      AIIP_RETURN_IF_ERROR(cr.Finish());
      AIIP_RETURN_IF_ERROR(CheckVocabulary(full, {"full", "partial"}, cp + "/coverage"));
      coverage.full = full == "full";
      conduct.covered_by.push_back(std::move(coverage));
      return Status::Ok();
    };
    AIIP_RETURN_IF_ERROR(ForEach(c, "covered_by", false, read1));
    auto read2 = [&](const bj::object& so, const std::string& sp) { return StatusOf(ReadSource(so, sp)); };
    AIIP_RETURN_IF_ERROR(ForEach(c, "recommended_by", true, read2));
    AIIP_RETURN_IF_ERROR(c.Finish());
    if (data.FindConduct(conduct.code) != nullptr) return Invalid(p + "/code", "duplicate conduct code");
    data.conducts.push_back(std::move(conduct));
    return Status::Ok();
  };
  AIIP_RETURN_IF_ERROR(ForEach(r, "conducts", false, read3));
  return r.Finish();
}

// --- instruments.json ---

Result<Provision> ReadProvision(const bj::object& o, const std::string& p) {
  ObjectReader r(o, p);
  Provision provision;
  std::string kind = r.RequiredString("kind", 64);
  auto parsed_kind = ParseRequestKind(kind);
  if (r.ok() && !parsed_kind) return Err(Invalid(p + "/kind", "unknown request kind '" + kind + "'"));
  if (parsed_kind) provision.kind = *parsed_kind;
  provision.article = r.RequiredString("article", 128);
  std::string dc = r.RequiredString("dual_criminality", 64);
  provision.dual_criminality_article = r.OptionalString("dual_criminality_article", 128).value_or("");
  std::string scope = r.RequiredString("scope", 32);
  provision.note = r.OptionalString("note", kMaxText).value_or("");
  AIIP_ASSIGN_OR_RETURN(provision.source, ReadSourceField(r, "source"));
  if (!r.Has("penalty_threshold")) {
    return Err(InvalidArgument("missing-field", "'penalty_threshold' is required (null when none)",
                               r.PointerOf("penalty_threshold")));
  }
  if (const bj::object* t = r.OptionalObject("penalty_threshold")) {
    ObjectReader tr(*t, r.PointerOf("penalty_threshold"));
    PenaltyThreshold threshold;
    threshold.months = static_cast<int>(tr.RequiredInt("months", 1, 1200));
    std::string comparison = tr.RequiredString("comparison", 16);
    AIIP_RETURN_IF_ERROR(tr.Finish());
    AIIP_RETURN_IF_ERROR(CheckVocabulary(comparison, {"at-least", "more-than"},
                                         r.PointerOf("penalty_threshold") + "/comparison"));
    threshold.strictly_more = comparison == "more-than";
    provision.penalty_threshold = threshold;
  }
  auto read4 = [&](const bj::object& go, const std::string& gp) -> Status {
    ObjectReader gr(go, gp);
    RefusalGroundRule ground;
    ground.ground = gr.RequiredString("ground", 64);
    ground.mandatory = gr.OptionalBool("mandatory").value_or(false);
    if (!gr.Has("mandatory"))
      return InvalidArgument("missing-field", "'mandatory' is required", gr.PointerOf("mandatory"));
    ground.article = gr.RequiredString("article", 128);
    ground.note = gr.OptionalString("note", kMaxText).value_or("");
    AIIP_ASSIGN_OR_RETURN(ground.source, ReadSourceField(gr, "source"));
    AIIP_RETURN_IF_ERROR(gr.Finish());
    AIIP_RETURN_IF_ERROR(CheckVocabulary(ground.ground, kGrounds, gp + "/ground"));
    provision.refusal_grounds.push_back(std::move(ground));
    return Status::Ok();
  };
  AIIP_RETURN_IF_ERROR(ForEach(r, "refusal_grounds", false, read4));
  auto read5 = [&](const bj::object& oo, const std::string& op) -> Status {
    ObjectReader orr(oo, op);
    ObligationRule obligation;
    obligation.obligation = orr.RequiredString("obligation", 64);
    obligation.article = orr.RequiredString("article", 128);
    obligation.note = orr.OptionalString("note", kMaxText).value_or("");
    AIIP_ASSIGN_OR_RETURN(obligation.source, ReadSourceField(orr, "source"));
    AIIP_RETURN_IF_ERROR(orr.Finish());
    AIIP_RETURN_IF_ERROR(CheckVocabulary(obligation.obligation, kObligations, op + "/obligation"));
    provision.obligations.push_back(std::move(obligation));
    return Status::Ok();
  };
  AIIP_RETURN_IF_ERROR(ForEach(r, "obligations", false, read5));
  auto read6 = [&](const bj::object& d, const std::string& dp) -> Status {
    ObjectReader dr(d, dp);
    DeadlineRule deadline;
    deadline.deadline = dr.RequiredString("deadline", 64);
    deadline.days = static_cast<int>(dr.RequiredInt("days", 1, 3650));
    deadline.from = dr.RequiredString("from", 32);
    deadline.article = dr.RequiredString("article", 128);
    AIIP_ASSIGN_OR_RETURN(deadline.source, ReadSourceField(dr, "source"));
    AIIP_RETURN_IF_ERROR(dr.Finish());
    AIIP_RETURN_IF_ERROR(CheckVocabulary(deadline.from, {"request-date"}, dp + "/from"));
    provision.deadlines.push_back(std::move(deadline));
    return Status::Ok();
  };
  AIIP_RETURN_IF_ERROR(ForEach(r, "deadlines", false, read6));
  AIIP_RETURN_IF_ERROR(r.Finish());
  AIIP_RETURN_IF_ERROR(CheckVocabulary(dc, {"not-required", "required", "requested-state-law", "unknown"},
                                       p + "/dual_criminality"));
  provision.dual_criminality = dc == "not-required"          ? DualCriminalityRule::kNotRequired
                               : dc == "required"            ? DualCriminalityRule::kRequired
                               : dc == "requested-state-law" ? DualCriminalityRule::kRequestedStateLaw
                                                             : DualCriminalityRule::kUnknown;
  AIIP_RETURN_IF_ERROR(CheckVocabulary(scope, {"covered-conducts", "any-offence"}, p + "/scope"));
  provision.covered_conducts_only = scope == "covered-conducts";
  return provision;
}

Result<JurisdictionRules> ReadJurisdiction(const bj::object& o, const std::string& p) {
  ObjectReader r(o, p);
  JurisdictionRules rules;
  rules.article = r.RequiredString("article", 128);
  rules.priority = r.RequiredString("priority", 32);
  rules.priority_article = r.RequiredString("priority_article", 128);
  if (const bj::object* s = r.OptionalObject("source"))
    AIIP_RETURN_IF_ERROR(StatusOf(ReadSource(*s, p + "/source")));
  auto read7 = [&](const bj::object& bo, const std::string& bp) -> Status {
    ObjectReader br(bo, bp);
    JurisdictionBasisRule basis;
    basis.basis = br.RequiredString("basis", 64);
    basis.mandatory = br.OptionalBool("mandatory").value_or(false);
    basis.reservable = br.OptionalBool("reservable").value_or(false);
    basis.article = br.RequiredString("article", 128);
    basis.condition = br.OptionalString("condition", kMaxText).value_or("");
    AIIP_RETURN_IF_ERROR(br.Finish());
    AIIP_RETURN_IF_ERROR(CheckVocabulary(basis.basis, kBases, bp + "/basis"));
    rules.bases.push_back(std::move(basis));
    return Status::Ok();
  };
  AIIP_RETURN_IF_ERROR(ForEach(r, "bases", false, read7));
  AIIP_RETURN_IF_ERROR(r.Finish());
  AIIP_RETURN_IF_ERROR(CheckVocabulary(rules.priority, {"consultation", "ordered"}, p + "/priority"));
  return rules;
}

Status ReadInstruments(const bj::object& root, LegalData& data) {
  ObjectReader r(root);
  std::string schema = r.RequiredString("schema");
  if (r.ok() && schema != "aiip.legal.instruments/1")
    return Invalid("/schema", "expected aiip.legal.instruments/1");
  auto read9 = [&](const bj::object& o, const std::string& p) -> Status {
    ObjectReader ir(o, p);
    Instrument in;
    in.id = ir.RequiredString("id", 128);
    in.title = ir.RequiredString("title", 512);
    in.reference = ir.RequiredString("reference", 256);
    in.kind = ir.RequiredString("kind", 32);
    in.status = ir.RequiredString("status", 32);
    in.notes = ir.OptionalString("notes", kMaxText).value_or("");
    std::vector<std::string> unknown = ir.OptionalStringArray("unknown").value_or(std::vector<std::string>{});
    AIIP_ASSIGN_OR_RETURN(in.opened, ReadDate(ir, "opened", unknown));
    AIIP_ASSIGN_OR_RETURN(in.entry_into_force, ReadDate(ir, "entry_into_force", unknown));
    in.states = ir.OptionalStringArray("states", 2, 2).value_or(std::vector<std::string>{});
    in.required_instruments =
        ir.OptionalStringArray("requires", 16, 128).value_or(std::vector<std::string>{});
    in.unknown_provisions = ir.OptionalStringArray("unknown_provisions").value_or(std::vector<std::string>{});
    AIIP_ASSIGN_OR_RETURN(in.source, ReadSourceField(ir, "source"));
    auto read8 = [&](const bj::object& po, const std::string& pp) -> Status {
      AIIP_ASSIGN_OR_RETURN(Provision provision, ReadProvision(po, pp));
      if (in.FindProvision(provision.kind) != nullptr)
        return Invalid(pp + "/kind", "a second provision for this kind");
      in.provisions.push_back(std::move(provision));
      return Status::Ok();
    };
    AIIP_RETURN_IF_ERROR(ForEach(ir, "provisions", false, read8));
    if (const bj::object* j = ir.OptionalObject("jurisdiction")) {
      AIIP_ASSIGN_OR_RETURN(in.jurisdiction, ReadJurisdiction(*j, ir.PointerOf("jurisdiction")));
    }
    if (const bj::object* d = ir.OptionalObject("dual_criminality_reservation")) {
      ObjectReader dr(*d, ir.PointerOf("dual_criminality_reservation"));
      DualCriminalityReservation reservation;
      reservation.effect = dr.RequiredString("effect", 64);
      reservation.article = dr.RequiredString("article", 128);
      reservation.exempt_articles = dr.RequiredStringArray("exempt_articles", 64, 64);
      AIIP_RETURN_IF_ERROR(dr.Finish());
      AIIP_RETURN_IF_ERROR(CheckVocabulary(reservation.effect, kReservationEffects,
                                           ir.PointerOf("dual_criminality_reservation") + "/effect"));
      in.dual_criminality_reservation = std::move(reservation);
    }
    if (const bj::object* x = ir.OptionalObject("excludes_state_agents")) {
      ObjectReader xr(*x, ir.PointerOf("excludes_state_agents"));
      in.excludes_state_agents_article = xr.RequiredString("article", 128);
      AIIP_RETURN_IF_ERROR(StatusOf(ReadSourceField(xr, "source")));
      AIIP_RETURN_IF_ERROR(xr.Finish());
    }
    AIIP_RETURN_IF_ERROR(ir.Finish());
    AIIP_RETURN_IF_ERROR(CheckVocabulary(in.kind, {"multilateral", "bilateral", "model"}, p + "/kind"));
    AIIP_RETURN_IF_ERROR(CheckVocabulary(in.status, {"in-force", "not-in-force", "model"}, p + "/status"));
    if ((in.kind == "bilateral") != in.id.starts_with("bilateral:")) {
      return Invalid(p + "/id", "bilateral treaties, and only they, have ids 'bilateral:XX-YY...'");
    }
    if (in.kind == "bilateral") {
      if (in.states.size() != 2 || !IsStateCode(in.states[0]) || !IsStateCode(in.states[1])) {
        return Invalid(p + "/states", "a bilateral treaty names its two States (ISO 3166-1 alpha-2)");
      }
    } else if (!in.states.empty()) {
      return Invalid(p + "/states",
                     "only bilateral treaties list 'states'; multilateral parties go to parties/");
    }
    if (data.FindInstrument(in.id) != nullptr) return Invalid(p + "/id", "duplicate instrument id");
    data.instruments.push_back(std::move(in));
    return Status::Ok();
  };
  AIIP_RETURN_IF_ERROR(ForEach(r, "instruments", false, read9));
  return r.Finish();
}

// --- parties/<instrument>.json ---

Result<Party> ReadParty(const bj::object& o, const std::string& p) {
  ObjectReader r(o, p);
  Party party;
  party.state = r.RequiredString("state", 2);
  party.unknown = r.OptionalStringArray("unknown").value_or(std::vector<std::string>{});
  AIIP_ASSIGN_OR_RETURN(party.signature, ReadDate(r, "signature", party.unknown));
  AIIP_ASSIGN_OR_RETURN(party.consent, ReadDate(r, "consent", party.unknown));
  AIIP_ASSIGN_OR_RETURN(party.entry_into_force, ReadDate(r, "entry_into_force", party.unknown));
  AIIP_ASSIGN_OR_RETURN(party.in_force_by, ReadDate(r, "in_force_by", party.unknown, false));
  if (const bj::value* kind = r.Raw("consent_kind"); kind != nullptr && !kind->is_null()) {
    party.consent_kind = r.RequiredString("consent_kind", 32);
  }
  party.notes = r.OptionalString("notes", kMaxText).value_or("");
  AIIP_ASSIGN_OR_RETURN(party.source, ReadSourceField(r, "source"));
  auto read10 = [&](const bj::object& ro, const std::string& rp) -> Status {
    ObjectReader rr(ro, rp);
    Reservation reservation;
    reservation.effect = rr.RequiredString("effect", 64);
    reservation.article = rr.RequiredString("article", 128);
    reservation.text = rr.RequiredString("text", kMaxText);
    AIIP_ASSIGN_OR_RETURN(reservation.source, ReadSourceField(rr, "source"));
    AIIP_RETURN_IF_ERROR(rr.Finish());
    AIIP_RETURN_IF_ERROR(CheckVocabulary(reservation.effect, kReservationEffects, rp + "/effect"));
    party.reservations.push_back(std::move(reservation));
    return Status::Ok();
  };
  AIIP_RETURN_IF_ERROR(ForEach(r, "reservations", false, read10));
  auto read11 = [&](const bj::object& d, const std::string& dp) -> Status {
    ObjectReader dr(d, dp);
    Declaration declaration;
    declaration.kind = dr.RequiredString("kind", 64);
    declaration.article = dr.RequiredString("article", 128);
    declaration.text = dr.RequiredString("text", kMaxText);
    AIIP_ASSIGN_OR_RETURN(declaration.source, ReadSourceField(dr, "source"));
    AIIP_RETURN_IF_ERROR(dr.Finish());
    AIIP_RETURN_IF_ERROR(CheckVocabulary(declaration.kind, kDeclarationKinds, dp + "/kind"));
    party.declarations.push_back(std::move(declaration));
    return Status::Ok();
  };
  AIIP_RETURN_IF_ERROR(ForEach(r, "declarations", false, read11));
  AIIP_RETURN_IF_ERROR(r.Finish());
  if (!IsStateCode(party.state)) return Err(Invalid(p + "/state", "not an ISO 3166-1 alpha-2 code"));
  for (const std::string& field : party.unknown) {
    if (field != "signature" && field != "consent" && field != "entry_into_force") {
      return Err(Invalid(p + "/unknown", "'" + field + "' is not a date field of a party"));
    }
  }
  if (party.consent && party.signature && *party.consent < *party.signature) {
    return Err(Invalid(p + "/consent", "consent precedes signature"));
  }
  if (party.entry_into_force && party.consent && *party.entry_into_force < *party.consent) {
    return Err(Invalid(p + "/entry_into_force", "entry into force precedes consent"));
  }
  return party;
}

Status ReadParties(const bj::object& root, LegalData& data) {
  ObjectReader r(root);
  std::string schema = r.RequiredString("schema");
  if (r.ok() && schema != "aiip.legal.parties/1") return Invalid("/schema", "expected aiip.legal.parties/1");
  std::string id = r.RequiredString("instrument", 128);
  AIIP_RETURN_IF_ERROR(r.ok() ? Status::Ok() : r.Finish());
  auto it = std::find_if(data.instruments.begin(), data.instruments.end(),
                         [&](const Instrument& i) { return i.id == id; });
  if (it == data.instruments.end()) return Invalid("/instrument", "unknown instrument '" + id + "'");
  if (it->kind == "bilateral")
    return Invalid("/instrument", "bilateral treaties name their States in instruments.json");
  Instrument& instrument = *it;
  if (!instrument.parties.empty()) return Invalid("/instrument", "a second parties file for '" + id + "'");
  auto read12 = [&](const bj::object& o, const std::string& p) -> Status {
    AIIP_ASSIGN_OR_RETURN(Party party, ReadParty(o, p));
    if (instrument.FindParty(party.state) != nullptr) return Invalid(p + "/state", "duplicate party");
    instrument.parties.push_back(std::move(party));
    return Status::Ok();
  };
  AIIP_RETURN_IF_ERROR(ForEach(r, "parties", false, read12));
  auto read13 = [&](const bj::object& o, const std::string& p) -> Status {
    ObjectReader nr(o, p);
    NotParty not_party;
    not_party.state = nr.RequiredString("state", 2);
    AIIP_ASSIGN_OR_RETURN(std::optional<Date> as_of, ReadDate(nr, "as_of", {}));
    AIIP_ASSIGN_OR_RETURN(not_party.source, ReadSourceField(nr, "source"));
    AIIP_RETURN_IF_ERROR(nr.Finish());
    if (!IsStateCode(not_party.state)) return Invalid(p + "/state", "not an ISO 3166-1 alpha-2 code");
    if (instrument.FindParty(not_party.state) != nullptr)
      return Invalid(p + "/state", "listed as a party too");
    not_party.as_of = *as_of;
    instrument.not_parties.push_back(std::move(not_party));
    return Status::Ok();
  };
  AIIP_RETURN_IF_ERROR(ForEach(r, "not_parties", false, read13));
  return r.Finish();
}

// --- states/<XX>.json ---

template <typename T>
Result<Fact<T>> ReadFact(ObjectReader& r, std::string_view key) {
  const bj::object* object = r.OptionalObject(key);
  AIIP_RETURN_IF_ERROR(r.ok() ? Status::Ok() : r.Finish());
  if (object == nullptr) {
    return Err(InvalidArgument(
        "missing-field", "'" + std::string(key) + "' is required (value null plus 'unknown' when not known)",
        r.PointerOf(key)));
  }
  const std::string p = r.PointerOf(key);
  ObjectReader fr(*object, p);
  Fact<T> fact;
  if (!fr.Has("value")) return Err(InvalidArgument("missing-field", "'value' is required", p + "/value"));
  if (!fr.IsNull("value")) {
    if constexpr (std::is_same_v<T, bool>) {
      fact.value = fr.OptionalBool("value");
    } else {
      fact.value = fr.RequiredString("value", 512);
    }
  } else {
    fr.Raw("value");
  }
  fact.unknown = fr.OptionalString("unknown", kMaxText).value_or("");
  fact.note = fr.OptionalString("note", kMaxText).value_or("");
  if (fr.Has("source") && !fr.IsNull("source")) {
    AIIP_ASSIGN_OR_RETURN(Source source, ReadSourceField(fr, "source"));
    fact.source = std::move(source);
  }
  AIIP_RETURN_IF_ERROR(fr.Finish());
  if (fact.value && !fact.source) return Err(Invalid(p, "a known fact cites its source"));
  if (fact.value && !fact.unknown.empty())
    return Err(Invalid(p + "/unknown", "'unknown' explains a null value only"));
  if (!fact.value && fact.unknown.empty())
    return Err(Invalid(p, "a null value needs an 'unknown' explanation"));
  return fact;
}

Status ReadState(const bj::object& root, const std::string& file_code, LegalData& data) {
  ObjectReader r(root);
  std::string schema = r.RequiredString("schema");
  if (r.ok() && schema != "aiip.legal.state/1") return Invalid("/schema", "expected aiip.legal.state/1");
  StateLaw law;
  law.state = r.RequiredString("state", 2);
  law.name = r.RequiredString("name", 256);
  std::string status = r.RequiredString("status", 32);
  law.notes = r.OptionalStringArray("notes", 64, kMaxText).value_or(std::vector<std::string>{});
  auto read14 = [&](const bj::object& o, const std::string& p) -> Status {
    ObjectReader orr(o, p);
    Offence offence;
    offence.citation = orr.RequiredString("citation", 512);
    offence.title = orr.RequiredString("title", kMaxText);
    offence.conducts = orr.RequiredStringArray("conducts", 32, 64);
    offence.conditions = orr.RequiredStringArray("conditions", 16, 64);
    std::vector<std::string> unknown =
        orr.OptionalStringArray("unknown").value_or(std::vector<std::string>{});
    offence.note = orr.OptionalString("note", kMaxText).value_or("");
    orr.OptionalString("verified_on", 10);
    if (!orr.Has("max_penalty_months")) {
      return InvalidArgument("missing-field", "'max_penalty_months' is required",
                             orr.PointerOf("max_penalty_months"));
    }
    if (orr.IsNull("max_penalty_months")) {
      orr.Raw("max_penalty_months");
      if (std::find(unknown.begin(), unknown.end(), "max_penalty_months") == unknown.end()) {
        return Invalid(orr.PointerOf("max_penalty_months"),
                       "null without an explanation: list it in 'unknown'");
      }
    } else {
      offence.max_penalty_months = static_cast<int>(orr.RequiredInt("max_penalty_months", 0, 1200));
    }
    AIIP_ASSIGN_OR_RETURN(std::optional<Date> from, ReadDate(orr, "in_force_from", {}));
    if (!orr.Has("in_force_until")) {
      return InvalidArgument("missing-field", "'in_force_until' is required (null when still in force)",
                             orr.PointerOf("in_force_until"));
    }
    if (orr.IsNull("in_force_until")) {
      orr.Raw("in_force_until");
    } else {
      AIIP_ASSIGN_OR_RETURN(offence.in_force_until, ReadDate(orr, "in_force_until", {}));
    }
    AIIP_ASSIGN_OR_RETURN(offence.source, ReadSourceField(orr, "source"));
    AIIP_RETURN_IF_ERROR(orr.Finish());
    offence.in_force_from = *from;
    if (offence.in_force_until && *offence.in_force_until < offence.in_force_from) {
      return Invalid(p + "/in_force_until", "ends before it starts");
    }
    for (size_t i = 0; i < offence.conducts.size(); ++i) {
      if (data.FindConduct(offence.conducts[i]) == nullptr) {
        return Invalid(p + "/conducts/" + std::to_string(i),
                       "unknown conduct code '" + offence.conducts[i] + "'");
      }
    }
    for (size_t i = 0; i < offence.conditions.size(); ++i) {
      AIIP_RETURN_IF_ERROR(
          CheckVocabulary(offence.conditions[i], kConditions, p + "/conditions/" + std::to_string(i)));
    }
    law.offences.push_back(std::move(offence));
    return Status::Ok();
  };
  AIIP_RETURN_IF_ERROR(ForEach(r, "offences", false, read14));
  auto read_coverage = [&](const bj::object& o, const std::string& p) -> Status {
    ObjectReader cr(o, p);
    Coverage coverage;
    coverage.conducts = cr.RequiredStringArray("conducts", 32, 64);
    coverage.note = cr.OptionalString("note", kMaxText).value_or("");
    if (!cr.Has("from")) {
      return InvalidArgument("missing-field", "'from' is required (null: complete at every date)",
                             cr.PointerOf("from"));
    }
    if (cr.IsNull("from")) {
      cr.Raw("from");
    } else {
      AIIP_ASSIGN_OR_RETURN(coverage.from, ReadDate(cr, "from", {}));
    }
    AIIP_ASSIGN_OR_RETURN(coverage.source, ReadSourceField(cr, "source"));
    AIIP_RETURN_IF_ERROR(cr.Finish());
    if (coverage.conducts.empty()) return Invalid(p + "/conducts", "names no conduct");
    for (size_t i = 0; i < coverage.conducts.size(); ++i) {
      if (data.FindConduct(coverage.conducts[i]) == nullptr) {
        return Invalid(p + "/conducts/" + std::to_string(i),
                       "unknown conduct code '" + coverage.conducts[i] + "'");
      }
    }
    law.coverage.push_back(std::move(coverage));
    return Status::Ok();
  };
  AIIP_RETURN_IF_ERROR(ForEach(r, "coverage", false, read_coverage));
  AIIP_ASSIGN_OR_RETURN(law.extradites_nationals, ReadFact<bool>(r, "extradites_nationals"));
  AIIP_ASSIGN_OR_RETURN(law.extradition_requires_treaty, ReadFact<bool>(r, "extradition_requires_treaty"));
  AIIP_ASSIGN_OR_RETURN(law.death_penalty, ReadFact<std::string>(r, "death_penalty"));
  AIIP_ASSIGN_OR_RETURN(law.central_authority, ReadFact<std::string>(r, "central_authority"));
  AIIP_ASSIGN_OR_RETURN(law.contact_24_7, ReadFact<std::string>(r, "contact_24_7"));
  AIIP_RETURN_IF_ERROR(r.Finish());
  if (law.state != file_code) return Invalid("/state", "'" + law.state + "' does not match the file name");
  AIIP_RETURN_IF_ERROR(CheckVocabulary(status, {"researched"}, "/status"));
  if (law.death_penalty.value) {
    AIIP_RETURN_IF_ERROR(CheckVocabulary(*law.death_penalty.value, {"abolished", "retained", "moratorium"},
                                         "/death_penalty/value"));
  }
  data.states.emplace(law.state, std::move(law));
  return Status::Ok();
}

// Cross-references that span files.
Status CheckReferences(const LegalData& data, const std::string& conduct_file) {
  for (size_t i = 0; i < data.conducts.size(); ++i) {
    for (size_t j = 0; j < data.conducts[i].covered_by.size(); ++j) {
      const std::string& id = data.conducts[i].covered_by[j].instrument;
      if (data.FindInstrument(id) == nullptr) {
        return Status(Code::kInvalidArgument, "invalid-value",
                      conduct_file + ": unknown instrument '" + id + "'",
                      "/conducts/" + std::to_string(i) + "/covered_by/" + std::to_string(j) + "/instrument");
      }
    }
  }
  for (size_t i = 0; i < data.instruments.size(); ++i) {
    for (const std::string& required : data.instruments[i].required_instruments) {
      if (data.FindInstrument(required) == nullptr) {
        return Status(Code::kInvalidArgument, "invalid-value",
                      "instruments.json: unknown required instrument '" + required + "'",
                      "/instruments/" + std::to_string(i) + "/requires");
      }
    }
  }
  return Status::Ok();
}

Status InFile(const std::string& name, Status status) {
  if (status.ok()) return status;
  return Status(status.code(), status.type(), name + ": " + status.detail(), status.field());
}

}  // namespace

Result<LegalData> ParseLegalData(const std::vector<DataFile>& files) {
  LegalData data;
  auto parse = [](const DataFile& file) -> Result<bj::object> {
    auto object = json::ParseObject(file.text);
    if (!object) return Err(InFile(file.name, object.error()));
    return std::move(*object);
  };
  // Order matters: conducts and instruments first, so later files can be checked against them.
  const DataFile* conduct = nullptr;
  const DataFile* instruments = nullptr;
  std::vector<const DataFile*> parties, states;
  for (const DataFile& file : files) {
    if (file.name == "conduct.json") {
      conduct = &file;
    } else if (file.name == "instruments.json") {
      instruments = &file;
    } else if (file.name.starts_with("parties/") && file.name.ends_with(".json")) {
      parties.push_back(&file);
    } else if (file.name.starts_with("states/") && file.name.ends_with(".json")) {
      states.push_back(&file);
    } else {
      return Err(InvalidArgument("unknown-file", file.name + ": not a legal data file"));
    }
  }
  if (conduct == nullptr) return Err(InvalidArgument("missing-file", "conduct.json is missing"));
  if (instruments == nullptr) return Err(InvalidArgument("missing-file", "instruments.json is missing"));
  AIIP_ASSIGN_OR_RETURN(bj::object conduct_root, parse(*conduct));
  AIIP_RETURN_IF_ERROR(InFile(conduct->name, ReadConducts(conduct_root, data)));
  AIIP_ASSIGN_OR_RETURN(bj::object instruments_root, parse(*instruments));
  AIIP_RETURN_IF_ERROR(InFile(instruments->name, ReadInstruments(instruments_root, data)));
  for (const DataFile* file : parties) {
    AIIP_ASSIGN_OR_RETURN(bj::object root, parse(*file));
    AIIP_RETURN_IF_ERROR(InFile(file->name, ReadParties(root, data)));
  }
  for (const DataFile* file : states) {
    AIIP_ASSIGN_OR_RETURN(bj::object root, parse(*file));
    const std::string code = file->name.substr(7, file->name.size() - 7 - 5);
    AIIP_RETURN_IF_ERROR(InFile(file->name, ReadState(root, code, data)));
  }
  AIIP_RETURN_IF_ERROR(CheckReferences(data, conduct->name));
  return data;
}

}  // namespace aiip::legal
