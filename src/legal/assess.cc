#include "legal/assess.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

namespace aiip::legal {

namespace {

namespace bj = boost::json;

enum class Tri { kYes, kNo, kUnknown };

struct PartyAnswer {
  Tri answer = Tri::kUnknown;
  std::string reason;
};

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

Outcome Worse(Outcome a, Outcome b) { return static_cast<int>(a) >= static_cast<int>(b) ? a : b; }

// Whether `state` is bound by `instrument` on `date`.
PartyAnswer PartyOn(const LegalData& data, const Instrument& instrument, const std::string& state,
                    Date date) {
  const std::string on = " on " + FormatDate(date);
  if (instrument.status != "in-force") {
    return {Tri::kNo, instrument.id + " is not in force (" + instrument.status + ")"};
  }
  if (instrument.entry_into_force && date < *instrument.entry_into_force) {
    return {Tri::kNo,
            instrument.id + " entered into force only on " + FormatDate(*instrument.entry_into_force)};
  }
  for (const std::string& required : instrument.required_instruments) {
    const Instrument* other = data.FindInstrument(required);
    PartyAnswer answer = PartyOn(data, *other, state, date);
    if (answer.answer != Tri::kYes) return answer;
  }
  if (instrument.kind == "bilateral") {
    if (!Contains(instrument.states, state)) return {Tri::kNo, state + " is not a party to " + instrument.id};
    if (!instrument.entry_into_force) {
      return {Tri::kUnknown, "the entry-into-force date of " + instrument.id + " is unknown"};
    }
    return {Tri::kYes, instrument.id + " in force since " + FormatDate(*instrument.entry_into_force)};
  }
  if (const Party* party = instrument.FindParty(state)) {
    if (party->entry_into_force) {
      if (*party->entry_into_force <= date) {
        return {Tri::kYes,
                state + " bound by " + instrument.id + " since " + FormatDate(*party->entry_into_force)};
      }
      return {Tri::kNo, instrument.id + " enters into force for " + state + " only on " +
                            FormatDate(*party->entry_into_force)};
    }
    if (party->in_force_by && *party->in_force_by <= date) {
      return {Tri::kYes,
              state + " bound by " + instrument.id + " no later than " + FormatDate(*party->in_force_by)};
    }
    if (!party->consent && !Contains(party->unknown, "consent")) {
      return {Tri::kNo, state + " has signed but not ratified " + instrument.id};
    }
    if (party->consent && date < *party->consent) {
      return {Tri::kNo, state + " consented to " + instrument.id + " only on " + FormatDate(*party->consent)};
    }
    return {Tri::kUnknown, "whether " + state + " was bound by " + instrument.id + on + " (date unknown)"};
  }
  for (const NotParty& np : instrument.not_parties) {
    if (np.state == state && date <= np.as_of) {
      return {Tri::kNo, state + " was not a party to " + instrument.id + " as of " + FormatDate(np.as_of)};
    }
  }
  return {Tri::kUnknown, "whether " + state + " was a party to " + instrument.id + on};
}

const Reservation* FindReservation(const Instrument& instrument, const std::string& state,
                                   std::string_view effect) {
  const Party* party = instrument.FindParty(state);
  if (party == nullptr) return nullptr;
  for (const Reservation& r : party->reservations) {
    if (r.effect == effect) return &r;
  }
  return nullptr;
}

// The requested State's offences in force on `date` that cover `conduct`.
std::vector<const Offence*> CoveringOffences(const StateLaw& law, const std::string& conduct, Date date) {
  std::vector<const Offence*> out;
  for (const Offence& offence : law.offences) {
    if (offence.InForceOn(date) && Contains(offence.conducts, conduct)) out.push_back(&offence);
  }
  return out;
}

// Adds `citation` to a "; "-separated list unless it is already there.
void AppendCitation(std::string& list, const std::string& citation) {
  if (list == citation || list.starts_with(citation + "; ") || list.ends_with("; " + citation) ||
      list.find("; " + citation + "; ") != std::string::npos) {
    return;
  }
  if (!list.empty()) list += "; ";
  list += citation;
}

std::string Article(const Instrument& instrument, const std::string& article) {
  return instrument.title + " (" + instrument.reference + "), " + article;
}

struct BasisEvaluation {
  const Instrument* instrument = nullptr;
  const Provision* provision = nullptr;
  bool hypothetical = false;
  Outcome outcome = Outcome::kCanProceed;
  DualCriminalityItem dual_criminality;
  PenaltyItem penalty;
  std::vector<RefusalGroundItem> grounds;
  std::vector<ObligationItem> obligations;
  std::vector<DeadlineItem> deadlines;
  std::vector<MissingFact> missing;
  std::vector<std::string> explanation;
  bool nationality_refused = false;
  // A mandatory ground raised by the requested State's own law (nationality bar, abolished
  // death penalty): no other treaty would lift it.
  bool national_bar = false;
  // A surrender request meets a mandatory refusal ground: the person's extradition is refused.
  bool surrender_refused = false;
  // No conduct of the request is within the instrument's scope.
  bool out_of_scope = false;
};

class Assessor {
 public:
  Assessor(const Request& request, const LegalData& data)
      : request_(request),
        data_(data),
        requested_(data.FindState(request.requested_state)),
        requesting_(data.FindState(request.requesting_state)) {}

  Result<Assessment> Run();

 private:
  void EvaluateDualCriminality(BasisEvaluation& e);
  void EvaluatePenalty(BasisEvaluation& e);
  void EvaluateGrounds(BasisEvaluation& e);
  void EvaluateObligations(BasisEvaluation& e);
  void Jurisdiction(Assessment& out, const BasisEvaluation* chosen);
  void MergeObligations(Assessment& out, const std::vector<BasisEvaluation>& evaluations,
                        const BasisEvaluation* chosen);
  BasisEvaluation Evaluate(const Instrument* instrument, const Provision* provision, bool hypothetical);

  const Request& request_;
  const LegalData& data_;
  const StateLaw* requested_;
  const StateLaw* requesting_;
};

void Assessor::EvaluateDualCriminality(BasisEvaluation& e) {
  DualCriminalityItem& dc = e.dual_criminality;
  dc.conduct_date = FormatDate(request_.conduct.start);
  const Provision* p = e.provision;
  const std::string kind(RequestKindName(request_.kind));
  if (p == nullptr) {
    dc.reason = "no treaty basis: whether dual criminality is required depends on the requested State's law";
  } else {
    dc.citation = Article(*e.instrument,
                          p->dual_criminality_article.empty() ? p->article : p->dual_criminality_article) +
                  " — " + Cite(p->source);
    switch (p->dual_criminality) {
      case DualCriminalityRule::kRequired:
        dc.required = true;
        dc.reason = e.instrument->id + " requires dual criminality for " + kind;
        break;
      case DualCriminalityRule::kNotRequired: {
        dc.required = false;
        dc.reason = e.instrument->id + " does not require dual criminality for " + kind;
        const auto& dcr = e.instrument->dual_criminality_reservation;
        if (request_.kind == RequestKind::kPreservation && dcr) {
          if (const Reservation* r = FindReservation(*e.instrument, request_.requested_state, dcr->effect)) {
            std::vector<std::string> not_exempt;
            for (const std::string& type : request_.conduct.types) {
              const Conduct* conduct = data_.FindConduct(type);
              bool exempt = std::any_of(conduct->covered_by.begin(), conduct->covered_by.end(),
                                        [&](const ConductCoverage& c) {
                                          return c.instrument == e.instrument->id && c.full &&
                                                 Contains(dcr->exempt_articles, c.article);
                                        });
              if (!exempt) not_exempt.push_back(type);
            }
            dc.citation = Article(*e.instrument, r->article) + " — " + Cite(r->source);
            if (not_exempt.empty()) {
              dc.reason = request_.requested_state + " made a reservation under " + r->article +
                          ", but it does not reach conduct covered by " + e.instrument->id +
                          " offences; dual criminality is not required";
            } else {
              dc.required = true;
              std::string list;
              for (const auto& t : not_exempt) list += (list.empty() ? "" : ", ") + t;
              dc.reason = request_.requested_state + " reserved the right under " + r->article +
                          " to require dual criminality for preservation of conduct outside the Convention's "
                          "offences (" +
                          list + ")";
            }
          }
        }
        break;
      }
      case DualCriminalityRule::kRequestedStateLaw:
        dc.reason = "under " + e.instrument->id +
                    " the requested State's law decides whether dual criminality is required for " + kind +
                    "; where it is, it is judged on the conduct, not on the offence's name";
        break;
      case DualCriminalityRule::kUnknown:
        dc.reason = "the dual-criminality rule of " + e.instrument->id + " for " + kind + " is unknown";
        e.missing.push_back({"dual-criminality rule of " + e.instrument->id + " for " + kind, dc.reason});
        break;
    }
  }

  // Is the conduct criminal in the requested State on the date of the conduct?
  if (requested_ == nullptr) {
    dc.reason += "; the national law of " + request_.requested_state + " is not in the reference data";
    e.missing.push_back({"national law of " + request_.requested_state,
                         "no states/" + request_.requested_state + ".json: not yet researched"});
  } else {
    const Date when = request_.conduct.start;
    std::vector<std::string> conditional;
    std::vector<MissingFact> conditional_missing;
    for (const std::string& type : request_.conduct.types) {
      std::vector<const Offence*> offences = CoveringOffences(*requested_, type, when);
      const Offence* best = nullptr;
      for (const Offence* o : offences) {
        bool conditions_met =
            std::all_of(o->conditions.begin(), o->conditions.end(),
                        [&](const std::string& c) { return Contains(request_.conduct.conditions_met, c); });
        if (conditions_met &&
            (best == nullptr || o->max_penalty_months.value_or(-1) > best->max_penalty_months.value_or(-1))) {
          best = o;
        }
      }
      if (best != nullptr) {
        dc.covered.push_back({type, best->citation, best->max_penalty_months, Cite(best->source)});
      } else if (!offences.empty()) {
        for (const Offence* o : offences) {
          for (const std::string& c : o->conditions) {
            if (!Contains(request_.conduct.conditions_met, c)) {
              conditional.push_back(type);
              conditional_missing.push_back(
                  {"whether the facts establish '" + c + "' (" + o->citation + ")",
                   o->citation + " covers " + type +
                       " only under that condition; list it in conduct.conditions_met"});
            }
          }
        }
      } else if (const Coverage* complete = requested_->CompleteFor(type, when); complete == nullptr) {
        // The data lists no offence, but does not claim its list is complete: unknown.
        conditional.push_back(type);
        conditional_missing.push_back(
            {"whether " + type + " was criminal in " + request_.requested_state + " on " + FormatDate(when),
             "the reference data lists no offence of " + request_.requested_state + " covering " + type +
                 " on that date and does not claim its list is complete for it"});
        dc.reason += "; the data lists no offence of " + request_.requested_state + " covering " + type +
                     " on " + FormatDate(when) + ", but that law is not fully researched";
      } else {
        dc.not_covered.push_back(type);
        AppendCitation(dc.citation, Cite(complete->source));
        std::string later;
        for (const Offence& o : requested_->offences) {
          if (Contains(o.conducts, type) && when < o.in_force_from) {
            later = "; " + o.citation + " covers it only from " + FormatDate(o.in_force_from) +
                    " and criminal law does not apply retroactively";
            AppendCitation(dc.citation, Cite(o.source));
            break;
          }
        }
        dc.reason += "; no offence of " + request_.requested_state + " in force on " + FormatDate(when) +
                     " covers " + type + later;
      }
    }
    if (!dc.not_covered.empty()) {
      dc.satisfied = false;
    } else if (!conditional.empty()) {
      dc.reason += "; coverage depends on facts the request or the data do not establish";
      // Only a basis that may require dual criminality makes the conditions matter.
      if (dc.required != std::optional<bool>(false)) {
        e.missing.insert(e.missing.end(), conditional_missing.begin(), conditional_missing.end());
      }
    } else {
      dc.satisfied = true;
      std::string list;
      for (const auto& c : dc.covered) list += (list.empty() ? "" : ", ") + c.conduct + " by " + c.offence;
      dc.reason += "; the conduct is criminal in " + request_.requested_state + " on " + FormatDate(when) +
                   " (" + list + ")";
    }
  }

  if (dc.required == std::optional<bool>(true) && dc.satisfied == std::optional<bool>(false)) {
    e.outcome = Worse(e.outcome, Outcome::kCannotProceed);
    e.explanation.push_back("Dual criminality is required and not satisfied: " + dc.reason + ".");
  } else if (dc.required == std::optional<bool>(true) && !dc.satisfied) {
    e.outcome = Worse(e.outcome, Outcome::kNeedsReview);
  } else if (!dc.required && dc.satisfied == std::optional<bool>(false) && p != nullptr &&
             p->dual_criminality == DualCriminalityRule::kRequestedStateLaw) {
    e.outcome = Worse(e.outcome, Outcome::kNeedsReview);
    e.missing.push_back(
        {"whether " + request_.requested_state + " requires dual criminality for " + kind,
         "the conduct is not criminal there and " + e.instrument->id + " leaves the question to its law"});
  }
}

void Assessor::EvaluatePenalty(BasisEvaluation& e) {
  PenaltyItem& pt = e.penalty;
  const Provision* p = e.provision;
  if (p == nullptr || !p->penalty_threshold) {
    pt.reason = p == nullptr ? "no treaty basis defines a penalty threshold"
                             : (e.instrument->id + " sets no penalty threshold for " +
                                std::string(RequestKindName(request_.kind)));
    if (p != nullptr) pt.citation = Article(*e.instrument, p->article) + " — " + Cite(p->source);
    return;
  }
  pt.threshold_months = p->penalty_threshold->months;
  pt.strictly_more = p->penalty_threshold->strictly_more;
  pt.citation =
      Article(*e.instrument, p->dual_criminality_article.empty() ? p->article : p->dual_criminality_article) +
      " — " + Cite(p->source);
  for (const CoveredConduct& c : e.dual_criminality.covered) {
    if (c.max_penalty_months)
      pt.requested_max_months = std::max(pt.requested_max_months.value_or(0), *c.max_penalty_months);
  }
  for (const RequestingOffence& o : request_.requesting_offences) {
    if (o.max_penalty_months)
      pt.requesting_max_months = std::max(pt.requesting_max_months.value_or(0), *o.max_penalty_months);
  }
  if (!pt.requesting_max_months && requesting_ != nullptr) {
    for (const std::string& type : request_.conduct.types) {
      for (const Offence* o : CoveringOffences(*requesting_, type, request_.conduct.start)) {
        if (o->max_penalty_months)
          pt.requesting_max_months = std::max(pt.requesting_max_months.value_or(0), *o->max_penalty_months);
      }
    }
  }
  auto meets = [&](int months) {
    return pt.strictly_more ? months > p->penalty_threshold->months : months >= p->penalty_threshold->months;
  };
  const std::string rule = std::string(pt.strictly_more ? "more than " : "at least ") +
                           std::to_string(p->penalty_threshold->months) + " months in both States";
  if (e.dual_criminality.satisfied == std::optional<bool>(false)) {
    pt.met = false;
    pt.reason = "the threshold (" + rule + ") cannot be met: the conduct is not criminal in " +
                request_.requested_state;
  } else if (!pt.requested_max_months || !pt.requesting_max_months) {
    pt.reason = "threshold " + rule + "; the maximum penalty in " +
                (!pt.requested_max_months ? request_.requested_state : request_.requesting_state) +
                " is unknown";
    e.missing.push_back(
        {"maximum penalty for the conduct in " +
             (!pt.requested_max_months ? request_.requested_state : request_.requesting_state),
         "needed for the penalty threshold of " + e.instrument->id});
    e.outcome = Worse(e.outcome, Outcome::kNeedsReview);
  } else {
    pt.met = meets(*pt.requested_max_months) && meets(*pt.requesting_max_months);
    pt.reason = "threshold " + rule + ": " + request_.requested_state + " " +
                std::to_string(*pt.requested_max_months) + " months, " + request_.requesting_state + " " +
                std::to_string(*pt.requesting_max_months) + " months";
    if (!*pt.met) {
      e.outcome = Worse(e.outcome, Outcome::kCannotProceed);
      e.explanation.push_back("The penalty threshold is not met: " + pt.reason + ".");
    }
  }
}

void Assessor::EvaluateGrounds(BasisEvaluation& e) {
  const Provision* p = e.provision;
  const bool surrender = IsSurrender(request_.kind);
  std::set<std::string> seen;
  auto add = [&](RefusalGroundItem item) {
    if (item.raised) {
      e.outcome = Worse(e.outcome, item.mandatory ? Outcome::kCannotProceed : Outcome::kNeedsReview);
      if (item.mandatory && surrender) e.surrender_refused = true;
      e.explanation.push_back(std::string(item.mandatory ? "Mandatory" : "Optional") + " refusal ground " +
                              item.ground + " applies: " + item.reason + ".");
    }
    seen.insert(item.ground);
    e.grounds.push_back(std::move(item));
  };
  auto nationality = [&](const std::string& citation) {
    RefusalGroundItem item{"nationality", false, false, "", citation};
    if (!Contains(request_.person.nationalities, request_.requested_state)) {
      item.reason = "the person is not a national of " + request_.requested_state;
    } else if (requested_ == nullptr || !requested_->extradites_nationals.value) {
      item.reason = "the person is a national of " + request_.requested_state +
                    ", whose rule on extraditing nationals is unknown";
      e.missing.push_back(
          {"whether " + request_.requested_state + " extradites its own nationals",
           requested_ == nullptr ? "national law not researched" : requested_->extradites_nationals.unknown});
      e.outcome = Worse(e.outcome, Outcome::kNeedsReview);
    } else if (!*requested_->extradites_nationals.value) {
      item.raised = true;
      item.mandatory = true;
      item.reason = request_.requested_state + " does not extradite its nationals and the person is one";
      if (requested_->extradites_nationals.source)
        item.citation += "; " + Cite(*requested_->extradites_nationals.source);
      e.nationality_refused = true;
      e.national_bar = true;
    } else {
      item.reason = request_.requested_state + " extradites its own nationals";
      if (requested_->extradites_nationals.source)
        item.citation = Cite(*requested_->extradites_nationals.source);
    }
    add(std::move(item));
  };
  auto death_penalty = [&](const std::string& citation) {
    RefusalGroundItem item{"death-penalty", false, false, "", citation};
    if (request_.death_penalty_possible != std::optional<bool>(true)) {
      item.reason = request_.death_penalty_possible
                        ? "the death penalty is not possible for the conduct"
                        : "the request does not say whether the death penalty is possible";
    } else if (Contains(request_.assurances, "death-penalty")) {
      item.reason = "assurances that the death penalty will not be imposed or carried out were given";
    } else if (requested_ == nullptr || !requested_->death_penalty.value) {
      item.reason = "the death penalty is possible and the requested State's position is unknown";
      e.missing.push_back({"death-penalty status of " + request_.requested_state,
                           "needed to judge the death-penalty ground"});
      e.outcome = Worse(e.outcome, Outcome::kNeedsReview);
    } else if (*requested_->death_penalty.value == "abolished") {
      item.raised = true;
      item.mandatory = true;
      item.reason = "the death penalty is possible, " + request_.requested_state +
                    " has abolished it and no assurances were given";
      e.national_bar = true;
      if (requested_->death_penalty.source) item.citation += "; " + Cite(*requested_->death_penalty.source);
    } else {
      item.reason = request_.requested_state + " has not abolished the death penalty (" +
                    *requested_->death_penalty.value + ")";
    }
    add(std::move(item));
  };
  if (p != nullptr) {
    for (const RefusalGroundRule& rule : p->refusal_grounds) {
      const std::string citation = Article(*e.instrument, rule.article) + " — " + Cite(rule.source);
      if (rule.ground == "nationality") {
        if (surrender) nationality(citation);
        continue;
      }
      if (rule.ground == "death-penalty") {
        if (surrender) death_penalty(citation);
        continue;
      }
      RefusalGroundItem item{rule.ground, rule.mandatory, false, "", citation};
      if (rule.ground == "political-offence") {
        item.raised = request_.conduct.political == std::optional<bool>(true);
        item.reason = item.raised ? "the requesting State's description makes the offence political"
                      : request_.conduct.political
                          ? "the offence is not political"
                          : "the request does not say whether the offence is political";
      } else if (rule.ground == "national-security-exclusion") {
        item.raised = request_.conduct.by_state_agent == std::optional<bool>(true);
        item.reason = item.raised ? "the conduct is attributed to State agents"
                                  : "the conduct is not attributed to State agents";
      } else if (rule.ground == "human-rights") {
        item.reason = Contains(request_.assurances, "fair-trial")
                          ? "fair-trial assurances were given; the requested State still reviews them"
                          : "the requested State reviews human-rights and fair-trial guarantees";
      } else {
        item.reason =
            "discretionary: the requested State may refuse if execution would prejudice its sovereignty, "
            "security, ordre public or other essential interests";
      }
      if (!rule.note.empty()) item.reason += " (" + rule.note + ")";
      add(std::move(item));
    }
  }
  // National law applies to surrender whatever the basis says.
  if (surrender && !seen.contains("nationality") && requested_ != nullptr) {
    nationality(requested_->extradites_nationals.source ? Cite(*requested_->extradites_nationals.source)
                                                        : "national law of " + request_.requested_state);
  }
  if (surrender && !seen.contains("death-penalty") && requested_ != nullptr) {
    death_penalty(requested_->death_penalty.source ? Cite(*requested_->death_penalty.source)
                                                   : "national law of " + request_.requested_state);
  }
  if (e.instrument != nullptr && e.instrument->excludes_state_agents_article &&
      request_.conduct.by_state_agent == std::optional<bool>(true)) {
    add({"national-security-exclusion", true, true,
         e.instrument->id + " excludes conduct of State agents from its scope",
         Article(*e.instrument, *e.instrument->excludes_state_agents_article)});
  }
}

void Assessor::EvaluateObligations(BasisEvaluation& e) {
  const Provision* p = e.provision;
  if (p == nullptr) return;
  for (const ObligationRule& rule : p->obligations) {
    const std::string citation = Article(*e.instrument, rule.article) + " — " + Cite(rule.source);
    if (rule.obligation == "extradite-or-prosecute") {
      if (!e.nationality_refused) continue;
      e.obligations.push_back(
          {rule.obligation, request_.requested_state, "",
           "extradition is refused on nationality, so " + request_.requested_state +
               " must submit the case to its authorities for prosecution and report the outcome",
           citation});
    } else if (rule.obligation == "consular-notification") {
      for (const std::string& nationality : request_.person.nationalities) {
        if (nationality == request_.requested_state) continue;
        e.obligations.push_back(
            {rule.obligation, request_.requested_state, nationality,
             "if the person is detained, inform them without delay of the right to have the consulate of " +
                 nationality + " notified",
             citation});
      }
    } else if (rule.obligation == "keep-preserved-data") {
      e.obligations.push_back(
          {rule.obligation, request_.requested_state, "",
           "keep the data preserved" + (rule.note.empty() ? std::string() : ": " + rule.note), citation});
    } else if (rule.obligation == "notify-affected-state") {
      std::set<std::string> affected(request_.conduct.committed_in.begin(),
                                     request_.conduct.committed_in.end());
      affected.insert(request_.conduct.effects_in.begin(), request_.conduct.effects_in.end());
      for (const std::string& state : affected) {
        if (state == request_.requesting_state || state == request_.requested_state) continue;
        e.obligations.push_back({rule.obligation, request_.requesting_state, state,
                                 "the activity affects " + state +
                                     ": make it known to its central authority as soon as practicable",
                                 citation});
      }
    }
  }
  for (const DeadlineRule& rule : p->deadlines) {
    e.deadlines.push_back({rule.deadline, FormatDate(AddDays(request_.date, rule.days)), rule.days,
                           "at least " + std::to_string(rule.days) +
                               " days from the request, longer while a follow-up request is pending",
                           Article(*e.instrument, rule.article) + " — " + Cite(rule.source)});
  }
}

BasisEvaluation Assessor::Evaluate(const Instrument* instrument, const Provision* provision,
                                   bool hypothetical) {
  BasisEvaluation e;
  e.instrument = instrument;
  e.provision = provision;
  e.hypothetical = hypothetical;
  if (provision != nullptr && provision->covered_conducts_only) {
    std::vector<std::string> outside;
    for (const std::string& type : request_.conduct.types) {
      const Conduct* conduct = data_.FindConduct(type);
      bool in_scope = std::any_of(conduct->covered_by.begin(), conduct->covered_by.end(),
                                  [&](const ConductCoverage& c) { return c.instrument == instrument->id; });
      if (!in_scope) outside.push_back(type);
    }
    if (!outside.empty()) {
      std::string list;
      for (const auto& t : outside) list += (list.empty() ? "" : ", ") + t;
      e.out_of_scope = outside.size() == request_.conduct.types.size();
      e.outcome = e.out_of_scope ? Outcome::kCannotProceed : Outcome::kNeedsReview;
      e.explanation.push_back(instrument->id + " " + provision->article +
                              " covers only the conduct of the instrument; outside it: " + list + ".");
    }
  }
  EvaluateDualCriminality(e);
  EvaluatePenalty(e);
  EvaluateGrounds(e);
  EvaluateObligations(e);
  if (instrument != nullptr) {
    for (const std::string& gap : instrument->unknown_provisions) {
      e.missing.push_back({gap + " of " + instrument->id, "not available in the sources consulted"});
    }
  }
  if (!e.missing.empty()) e.outcome = Worse(e.outcome, Outcome::kNeedsReview);
  return e;
}

// Jurisdiction claims exist under every instrument that connects the States, not only under
// the basis the request follows: each instrument obliges or permits its parties to establish
// jurisdiction on its own bases (Budapest Art 22, Stanford Draft Art 5). A State's claim is the
// union of its bases; it is mandatory if any instrument makes one of them mandatory. Mandatory
// claims come first; then, if an instrument defines an order of priority (Stanford Draft Art 5),
// that order; else the States consult (Budapest Art 22(5)).
void Assessor::Jurisdiction(Assessment& out, const BasisEvaluation* chosen) {
  struct Rules {
    const Instrument* instrument;
    bool hypothetical;
  };
  std::vector<Rules> rules_of;
  std::string why;
  if (chosen != nullptr && chosen->instrument != nullptr && chosen->instrument->jurisdiction) {
    rules_of.push_back({chosen->instrument, chosen->hypothetical});
  }
  for (const LegalBasisItem& basis : out.legal_bases) {
    const Instrument* i = data_.FindInstrument(basis.instrument);
    if (!i->jurisdiction ||
        std::any_of(rules_of.begin(), rules_of.end(), [&](const Rules& r) { return r.instrument == i; })) {
      continue;
    }
    rules_of.push_back({i, basis.hypothetical});
  }
  if (rules_of.empty()) {
    for (const Instrument& i : data_.instruments) {
      if (i.kind == "model" && i.jurisdiction) {
        rules_of.push_back({&i, true});
        why = " (no legal basis defines jurisdiction; the rules of the model instrument " + i.id +
              " are shown for analysis)";
        break;
      }
    }
  }
  if (rules_of.empty()) return;
  const Instrument* ordering = nullptr;
  for (const Rules& r : rules_of) {
    if (r.instrument->jurisdiction->priority == "ordered") {
      ordering = r.instrument;
      break;
    }
  }
  std::set<std::string> candidates(request_.conduct.committed_in.begin(),
                                   request_.conduct.committed_in.end());
  candidates.insert(request_.conduct.effects_in.begin(), request_.conduct.effects_in.end());
  candidates.insert(request_.person.nationalities.begin(), request_.person.nationalities.end());
  for (const auto& s :
       {request_.conduct.against_state, request_.conduct.coerced_state, request_.person.located_in}) {
    if (s) candidates.insert(*s);
  }
  candidates.insert(request_.requesting_state);
  candidates.insert(request_.requested_state);
  struct Ranked {
    JurisdictionItem item;
    size_t order;  // index of the first basis in the ordering instrument's list
  };
  std::vector<Ranked> ranked;
  const bool nationality_refused = chosen != nullptr && chosen->nationality_refused;
  const bool surrender_refused = chosen != nullptr && chosen->surrender_refused;
  for (const std::string& state : candidates) {
    const size_t unordered = ordering != nullptr ? ordering->jurisdiction->bases.size() : 0;
    Ranked r{{state, {}, false, 0, "", ""}, unordered};
    std::string reasons;
    std::vector<std::string> under;
    for (const Rules& of : rules_of) {
      const JurisdictionRules& rules = *of.instrument->jurisdiction;
      bool claims = false;
      for (size_t i = 0; i < rules.bases.size(); ++i) {
        const JurisdictionBasisRule& rule = rules.bases[i];
        bool applies = false;
        if (rule.basis == "territory") {
          applies = Contains(request_.conduct.committed_in, state);
        } else if (rule.basis == "nationality") {
          applies = Contains(request_.person.nationalities, state);
          if (applies && rule.reservable) {
            if (const Reservation* res =
                    FindReservation(*of.instrument, state, "no-nationality-jurisdiction")) {
              reasons += state + " reserved " + of.instrument->id + " " + res->article +
                         " (no nationality jurisdiction); ";
              applies = false;
            }
          }
        } else if (rule.basis == "stateless-residence") {
          // Only where the person's extradition from that State is refused (Stanford Draft Art 5).
          applies = request_.person.nationalities.empty() && request_.person.located_in == state &&
                    surrender_refused && state == request_.requested_state;
        } else if (rule.basis == "harm-to-state-or-nationals") {
          applies = request_.conduct.against_state == state;
        } else if (rule.basis == "coercion-of-state") {
          applies = request_.conduct.coerced_state == state;
        } else if (rule.basis == "substantial-effects") {
          applies = Contains(request_.conduct.effects_in, state);
        } else if (rule.basis == "refused-extradition") {
          applies = nationality_refused && state == request_.requested_state;
        }
        if (!applies) continue;
        claims = true;
        if (!Contains(r.item.bases, rule.basis)) r.item.bases.push_back(rule.basis);
        r.item.mandatory = r.item.mandatory || rule.mandatory;
        if (of.instrument == ordering) r.order = std::min(r.order, i);
        AppendCitation(r.item.citation, Article(*of.instrument, rule.article));
      }
      if (claims) under.push_back(of.instrument->id + (of.hypothetical ? " (hypothetical)" : ""));
    }
    if (r.item.bases.empty()) continue;
    std::string list;
    for (const auto& u : under) list += (list.empty() ? "" : ", ") + u;
    r.item.reason =
        reasons + (r.item.mandatory ? "mandatory" : "optional") + " jurisdiction under " + list + why;
    ranked.push_back(std::move(r));
  }
  std::stable_sort(ranked.begin(), ranked.end(), [&](const Ranked& a, const Ranked& b) {
    if (a.item.mandatory != b.item.mandatory) return a.item.mandatory;
    if (a.order != b.order) return a.order < b.order;
    return a.item.state < b.item.state;
  });
  std::string priority_rule;
  if (ordering != nullptr) {
    priority_rule = "; mandatory claims first, then in the order of " + ordering->id + " " +
                    ordering->jurisdiction->priority_article;
  } else {
    const JurisdictionRules& rules = *rules_of.front().instrument->jurisdiction;
    priority_rule = "; mandatory claims first, then the States consult (" + rules_of.front().instrument->id +
                    " " + rules.priority_article + ")";
  }
  int priority = 0;
  for (Ranked& r : ranked) {
    r.item.priority = ++priority;
    r.item.reason += priority_rule;
    out.jurisdiction.push_back(std::move(r.item));
  }
}

// Obligations and deadlines bind under every instrument that connects the States (treaties
// apply cumulatively), so those of the other bases join the chosen one's — except where the
// conduct lies wholly outside an instrument's scope. The same obligation under two instruments
// is listed once with both citations; of two deadlines of the same name the later one holds,
// since each instrument's minimum must be respected.
void Assessor::MergeObligations(Assessment& out, const std::vector<BasisEvaluation>& evaluations,
                                const BasisEvaluation* chosen) {
  out.obligations = chosen->obligations;
  out.deadlines = chosen->deadlines;
  for (const BasisEvaluation& e : evaluations) {
    if (&e == chosen || e.out_of_scope) continue;
    const std::string under = " (under " + e.instrument->id + (e.hypothetical ? ", hypothetical" : "") + ")";
    for (const ObligationItem& o : e.obligations) {
      auto same = std::find_if(out.obligations.begin(), out.obligations.end(), [&](const ObligationItem& x) {
        return x.obligation == o.obligation && x.state == o.state && x.concerning == o.concerning;
      });
      if (same != out.obligations.end()) {
        same->citation += "; " + o.citation;
      } else {
        ObligationItem added = o;
        added.reason += under;
        out.obligations.push_back(std::move(added));
      }
    }
    for (const DeadlineItem& d : e.deadlines) {
      auto same = std::find_if(out.deadlines.begin(), out.deadlines.end(),
                               [&](const DeadlineItem& x) { return x.deadline == d.deadline; });
      if (same == out.deadlines.end()) {
        DeadlineItem added = d;
        added.reason += under;
        out.deadlines.push_back(std::move(added));
      } else if (d.days > same->days) {
        const std::string citation = same->citation;
        *same = d;
        same->reason += under;
        same->citation += "; " + citation;
      } else {
        same->citation += "; " + d.citation;
      }
    }
  }
}

Result<Assessment> Assessor::Run() {
  for (size_t i = 0; i < request_.conduct.types.size(); ++i) {
    if (data_.FindConduct(request_.conduct.types[i]) == nullptr) {
      return Err(InvalidArgument("invalid-value", "unknown conduct code '" + request_.conduct.types[i] + "'",
                                 "/conduct/types/" + std::to_string(i)));
    }
  }
  for (size_t i = 0; i < request_.assume_parties.size(); ++i) {
    if (data_.FindInstrument(request_.assume_parties[i]) == nullptr) {
      return Err(InvalidArgument("invalid-value", "unknown instrument '" + request_.assume_parties[i] + "'",
                                 "/assume_parties/" + std::to_string(i)));
    }
  }
  Assessment out;
  out.kind = RequestKindName(request_.kind);
  out.requesting_state = request_.requesting_state;
  out.requested_state = request_.requested_state;
  out.date = FormatDate(request_.date);
  const std::string pair = request_.requesting_state + " and " + request_.requested_state;

  std::vector<BasisEvaluation> evaluations;
  std::vector<MissingFact> basis_gaps;
  for (const Instrument& instrument : data_.instruments) {
    const Provision* provision = instrument.FindProvision(request_.kind);
    if (provision == nullptr) continue;
    const bool assumed = Contains(request_.assume_parties, instrument.id);
    LegalBasisItem item{instrument.id,
                        instrument.title,
                        provision->article,
                        assumed,
                        "",
                        Article(instrument, provision->article) + " — " + Cite(provision->source)};
    if (assumed) {
      item.reason =
          "assumed for what-if analysis: both States treated as parties (" + instrument.status + ")";
    } else {
      PartyAnswer a = PartyOn(data_, instrument, request_.requesting_state, request_.date);
      PartyAnswer b = PartyOn(data_, instrument, request_.requested_state, request_.date);
      if (a.answer == Tri::kNo || b.answer == Tri::kNo) continue;
      if (a.answer == Tri::kUnknown || b.answer == Tri::kUnknown) {
        basis_gaps.push_back({(a.answer == Tri::kUnknown ? a.reason : b.reason),
                              "needed to know whether " + instrument.id + " connects " + pair});
        continue;
      }
      item.reason = a.reason == b.reason ? a.reason : a.reason + "; " + b.reason;
    }
    out.legal_bases.push_back(item);
    evaluations.push_back(Evaluate(&instrument, provision, assumed));
  }

  const BasisEvaluation* chosen = nullptr;
  BasisEvaluation none;
  if (evaluations.empty()) {
    none = Evaluate(nullptr, nullptr, false);
    out.explanation.push_back("No treaty connects " + pair + " for " + out.kind + " on " + out.date +
                              ": cooperation only through letters rogatory or on reciprocity.");
    Outcome outcome = Outcome::kNeedsReview;
    if (IsSurrender(request_.kind)) {
      if (requested_ != nullptr &&
          requested_->extradition_requires_treaty.value == std::optional<bool>(true)) {
        outcome = Outcome::kCannotProceed;
        out.explanation.push_back(request_.requested_state + " extradites only under a treaty.");
        if (requested_->extradition_requires_treaty.source) {
          none.dual_criminality.citation = Cite(*requested_->extradition_requires_treaty.source);
        }
      } else if (requested_ == nullptr || !requested_->extradition_requires_treaty.value) {
        none.missing.push_back({"whether " + request_.requested_state + " extradites without a treaty",
                                "there is no treaty basis"});
      }
    }
    none.outcome = Worse(none.outcome, outcome);
    chosen = &none;
  } else {
    for (const BasisEvaluation& e : evaluations) {
      if (chosen == nullptr || static_cast<int>(e.outcome) < static_cast<int>(chosen->outcome) ||
          (e.outcome == chosen->outcome && chosen->hypothetical && !e.hypothetical)) {
        chosen = &e;
      }
    }
    for (const LegalBasisItem& b : out.legal_bases) {
      out.explanation.push_back("Legal basis: " + b.instrument + " " + b.article +
                                (b.hypothetical ? " (hypothetical)" : "") + " — " + b.reason + ".");
    }
    out.explanation.push_back("The assessment follows " + chosen->instrument->id +
                              ", the most favourable basis.");
  }
  out.dual_criminality = chosen->dual_criminality;
  out.penalty_threshold = chosen->penalty;
  out.refusal_grounds = chosen->grounds;
  MergeObligations(out, evaluations, chosen);
  out.missing_facts = chosen->missing;
  out.outcome = chosen->outcome;
  // Bilateral treaties are recorded pair by pair: a pair with none in force in the data may
  // still have one (an older treaty, an unrecorded one), which might change a negative answer.
  const bool bilateral_recorded =
      std::any_of(data_.instruments.begin(), data_.instruments.end(), [&](const Instrument& i) {
        return i.kind == "bilateral" && Contains(i.states, request_.requesting_state) &&
               Contains(i.states, request_.requested_state) &&
               (!i.entry_into_force || *i.entry_into_force <= request_.date);
      });
  if (!bilateral_recorded && !chosen->national_bar) {
    basis_gaps.push_back({"whether a bilateral treaty not in the reference data connects " + pair,
                          "no bilateral treaty of this pair in force on the request date is recorded "
                          "(data/legal/instruments.json)"});
  }
  // A basis whose parties are unknown might change a negative answer.
  if (!basis_gaps.empty() && out.outcome != Outcome::kCanProceed) {
    out.missing_facts.insert(out.missing_facts.end(), basis_gaps.begin(), basis_gaps.end());
    out.outcome = Outcome::kNeedsReview;
  }
  out.explanation.push_back("Dual criminality: " +
                            std::string(out.dual_criminality.required
                                            ? (*out.dual_criminality.required ? "required" : "not required")
                                            : "depends on the requested State's law") +
                            "; " + out.dual_criminality.reason + ".");
  out.explanation.insert(out.explanation.end(), chosen->explanation.begin(), chosen->explanation.end());
  Jurisdiction(out, chosen);
  for (const ObligationItem& o : out.obligations)
    out.explanation.push_back("Obligation " + o.obligation + " (" + o.state + "): " + o.reason + ".");
  for (const DeadlineItem& d : out.deadlines)
    out.explanation.push_back("Deadline " + d.deadline + ": " + d.date + ".");
  for (const MissingFact& m : out.missing_facts) out.explanation.push_back("Missing fact: " + m.fact + ".");
  out.explanation.push_back("Outcome: " + std::string(OutcomeName(out.outcome)) + ".");
  return out;
}

bj::value OptionalJson(const std::optional<bool>& v) { return v ? bj::value(*v) : bj::value(nullptr); }
bj::value OptionalJson(const std::optional<int>& v) { return v ? bj::value(*v) : bj::value(nullptr); }

bj::array Strings(const std::vector<std::string>& list) {
  bj::array out;
  for (const auto& s : list) out.emplace_back(s);
  return out;
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kCanProceed:
      return "can-proceed";
    case Outcome::kNeedsReview:
      return "needs-review";
    case Outcome::kCannotProceed:
      return "cannot-proceed";
  }
  return "needs-review";
}

Result<Assessment> Assess(const Request& request, const LegalData& data) {
  return Assessor(request, data).Run();
}

bj::object AssessmentToJson(const Assessment& a) {
  bj::object out;
  out["outcome"] = OutcomeName(a.outcome);
  out["kind"] = a.kind;
  out["requesting_state"] = a.requesting_state;
  out["requested_state"] = a.requested_state;
  out["date"] = a.date;
  bj::array bases;
  for (const auto& b : a.legal_bases) {
    bases.push_back(bj::object{{"instrument", b.instrument},
                               {"title", b.title},
                               {"article", b.article},
                               {"hypothetical", b.hypothetical},
                               {"reason", b.reason},
                               {"citation", b.citation}});
  }
  out["legal_bases"] = std::move(bases);
  bj::array covered;
  for (const auto& c : a.dual_criminality.covered) {
    covered.push_back(bj::object{{"conduct", c.conduct},
                                 {"offence", c.offence},
                                 {"max_penalty_months", OptionalJson(c.max_penalty_months)},
                                 {"citation", c.citation}});
  }
  out["dual_criminality"] = bj::object{{"required", OptionalJson(a.dual_criminality.required)},
                                       {"satisfied", OptionalJson(a.dual_criminality.satisfied)},
                                       {"conduct_date", a.dual_criminality.conduct_date},
                                       {"covered", std::move(covered)},
                                       {"not_covered", Strings(a.dual_criminality.not_covered)},
                                       {"reason", a.dual_criminality.reason},
                                       {"citation", a.dual_criminality.citation}};
  const PenaltyItem& p = a.penalty_threshold;
  out["penalty_threshold"] = bj::object{{"months", OptionalJson(p.threshold_months)},
                                        {"comparison", p.strictly_more ? "more-than" : "at-least"},
                                        {"requested_max_months", OptionalJson(p.requested_max_months)},
                                        {"requesting_max_months", OptionalJson(p.requesting_max_months)},
                                        {"met", OptionalJson(p.met)},
                                        {"reason", p.reason},
                                        {"citation", p.citation}};
  bj::array grounds;
  for (const auto& g : a.refusal_grounds) {
    grounds.push_back(bj::object{{"ground", g.ground},
                                 {"mandatory", g.mandatory},
                                 {"raised", g.raised},
                                 {"reason", g.reason},
                                 {"citation", g.citation}});
  }
  out["refusal_grounds"] = std::move(grounds);
  bj::array jurisdiction;
  for (const auto& j : a.jurisdiction) {
    jurisdiction.push_back(bj::object{{"state", j.state},
                                      {"bases", Strings(j.bases)},
                                      {"mandatory", j.mandatory},
                                      {"priority", j.priority},
                                      {"reason", j.reason},
                                      {"citation", j.citation}});
  }
  out["jurisdiction"] = std::move(jurisdiction);
  bj::array obligations;
  for (const auto& o : a.obligations) {
    obligations.push_back(
        bj::object{{"obligation", o.obligation},
                   {"state", o.state},
                   {"concerning", o.concerning.empty() ? bj::value(nullptr) : bj::value(o.concerning)},
                   {"reason", o.reason},
                   {"citation", o.citation}});
  }
  out["obligations"] = std::move(obligations);
  bj::array deadlines;
  for (const auto& d : a.deadlines) {
    deadlines.push_back(bj::object{{"deadline", d.deadline},
                                   {"date", d.date},
                                   {"days", d.days},
                                   {"reason", d.reason},
                                   {"citation", d.citation}});
  }
  out["deadlines"] = std::move(deadlines);
  bj::array missing;
  for (const auto& m : a.missing_facts) missing.push_back(bj::object{{"fact", m.fact}, {"reason", m.reason}});
  out["missing_facts"] = std::move(missing);
  out["explanation"] = Strings(a.explanation);
  return out;
}

// --- Havens ---

Result<Havens> ComputeHavens(const LegalData& data, const std::optional<std::string>& conduct, Date date,
                             const std::vector<std::string>& states) {
  if (conduct && data.FindConduct(*conduct) == nullptr) {
    return Err(InvalidArgument("invalid-value", "unknown conduct code '" + *conduct + "'", "/conduct"));
  }
  Havens h;
  h.date = FormatDate(date);
  // The lowest extradition threshold among multilateral instruments in force is the bar
  // below which conduct stays out of reach of extradition.
  for (const Instrument& i : data.instruments) {
    const Provision* p = i.FindProvision(RequestKind::kExtradition);
    if (i.kind != "multilateral" || i.status != "in-force" || p == nullptr || !p->penalty_threshold) continue;
    if (h.threshold_months == 0 || p->penalty_threshold->months < h.threshold_months) {
      h.threshold_months = p->penalty_threshold->months;
      h.threshold_citation = Article(i, p->article) + " — " + Cite(p->source);
    }
  }
  std::set<std::string> all;
  if (states.empty()) {
    for (const auto& [code, law] : data.states) all.insert(code);
    for (const Instrument& i : data.instruments) {
      for (const Party& p : i.parties) all.insert(p.state);
      for (const NotParty& p : i.not_parties) all.insert(p.state);
      all.insert(i.states.begin(), i.states.end());
    }
  } else {
    all.insert(states.begin(), states.end());
  }
  for (const std::string& s : all) (data.FindState(s) != nullptr ? h.states : h.not_researched).push_back(s);
  for (const Conduct& c : data.conducts) {
    if (conduct && c.code != *conduct) continue;
    HavenConduct hc{c.code, {}, {}, {}, {}};
    for (const std::string& s : h.states) {
      const StateLaw& law = *data.FindState(s);
      std::vector<const Offence*> offences = CoveringOffences(law, c.code, date);
      if (offences.empty()) {
        (law.CompleteFor(c.code, date) != nullptr ? hc.not_criminal : hc.not_researched).push_back(s);
        continue;
      }
      std::optional<int> best;
      bool any_unknown = false;
      for (const Offence* o : offences) {
        if (o->max_penalty_months)
          best = std::max(best.value_or(0), *o->max_penalty_months);
        else
          any_unknown = true;
      }
      if (best && *best >= h.threshold_months) continue;
      (any_unknown ? hc.unknown : hc.below_threshold).push_back(s);
    }
    h.conducts.push_back(std::move(hc));
  }
  auto has_basis = [&](const std::string& a, const std::string& b, std::initializer_list<RequestKind> kinds) {
    std::optional<bool> result = false;
    for (const Instrument& i : data.instruments) {
      bool provides = std::any_of(kinds.begin(), kinds.end(),
                                  [&](RequestKind k) { return i.FindProvision(k) != nullptr; });
      if (!provides) continue;
      PartyAnswer pa = PartyOn(data, i, a, date);
      PartyAnswer pb = PartyOn(data, i, b, date);
      if (pa.answer == Tri::kYes && pb.answer == Tri::kYes) return std::optional<bool>(true);
      if (pa.answer != Tri::kNo && pb.answer != Tri::kNo) result.reset();
    }
    return result;
  };
  std::vector<std::string> list(all.begin(), all.end());
  for (size_t i = 0; i < list.size(); ++i) {
    for (size_t j = i + 1; j < list.size(); ++j) {
      HavenPair pair{list[i], list[j], {}, {}, {}};
      pair.preservation = has_basis(list[i], list[j], {RequestKind::kPreservation});
      pair.assistance = has_basis(list[i], list[j], {RequestKind::kMlaProduction, RequestKind::kMlaSearch});
      pair.extradition = has_basis(list[i], list[j], {RequestKind::kExtradition});
      h.pairs.push_back(std::move(pair));
    }
  }
  return h;
}

bj::object HavensToJson(const Havens& h) {
  bj::object out;
  out["date"] = h.date;
  out["threshold_months"] = h.threshold_months;
  out["threshold_citation"] = h.threshold_citation;
  out["states"] = Strings(h.states);
  out["not_researched"] = Strings(h.not_researched);
  bj::array conducts;
  for (const auto& c : h.conducts) {
    conducts.push_back(bj::object{{"conduct", c.conduct},
                                  {"not_criminal", Strings(c.not_criminal)},
                                  {"below_threshold", Strings(c.below_threshold)},
                                  {"unknown", Strings(c.unknown)},
                                  {"not_researched", Strings(c.not_researched)}});
  }
  out["conducts"] = std::move(conducts);
  bj::array pairs;
  for (const auto& p : h.pairs) {
    pairs.push_back(bj::object{{"a", p.a},
                               {"b", p.b},
                               {"preservation", OptionalJson(p.preservation)},
                               {"assistance", OptionalJson(p.assistance)},
                               {"extradition", OptionalJson(p.extradition)}});
  }
  out["pairs"] = std::move(pairs);
  return out;
}

}  // namespace aiip::legal
