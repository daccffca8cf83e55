#include "legal/model.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

namespace aiip::legal {

namespace {

constexpr std::array<std::pair<RequestKind, std::string_view>, 10> kKindNames = {{
    {RequestKind::kPreservation, "preservation"},
    {RequestKind::kTrafficDisclosure, "traffic-disclosure"},
    {RequestKind::kMlaProduction, "mla-production"},
    {RequestKind::kMlaSearch, "mla-search"},
    {RequestKind::kMlaRealtime, "mla-realtime"},
    {RequestKind::kMlaInterception, "mla-interception"},
    {RequestKind::kExtradition, "extradition"},
    {RequestKind::kProvisionalArrest, "provisional-arrest"},
    {RequestKind::kSpontaneousInformation, "spontaneous-information"},
    {RequestKind::kNotification, "notification"},
}};

}  // namespace

std::optional<Date> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8};
  const size_t lengths[3] = {4, 2, 2};
  for (int i = 0; i < 3; ++i) {
    for (size_t j = 0; j < lengths[i]; ++j) {
      const char c = text[starts[i] + j];
      if (c < '0' || c > '9') return std::nullopt;
      parts[i] = parts[i] * 10 + (c - '0');
    }
  }
  const Date date{std::chrono::year(parts[0]), std::chrono::month(static_cast<unsigned>(parts[1])),
                  std::chrono::day(static_cast<unsigned>(parts[2]))};
  if (!date.ok()) return std::nullopt;
  return date;
}

std::string FormatDate(Date date) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buffer;
}

Date AddDays(Date date, int days) { return Date{std::chrono::sys_days(date) + std::chrono::days(days)}; }

std::string Cite(const Source& source) {
  std::string text = source.title;
  if (!source.citation.empty()) text += " (" + source.citation + ")";
  if (!source.url.empty()) text += " <" + source.url + ">";
  return text;
}

std::string_view RequestKindName(RequestKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<RequestKind> ParseRequestKind(std::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

bool IsSurrender(RequestKind kind) {
  return kind == RequestKind::kExtradition || kind == RequestKind::kProvisionalArrest;
}

std::string_view DualCriminalityRuleName(DualCriminalityRule rule) {
  switch (rule) {
    case DualCriminalityRule::kNotRequired:
      return "not-required";
    case DualCriminalityRule::kRequired:
      return "required";
    case DualCriminalityRule::kRequestedStateLaw:
      return "requested-state-law";
    case DualCriminalityRule::kUnknown:
      return "unknown";
  }
  return "unknown";
}

const Provision* Instrument::FindProvision(RequestKind request_kind) const {
  auto it = std::find_if(provisions.begin(), provisions.end(),
                         [&](const Provision& p) { return p.kind == request_kind; });
  return it == provisions.end() ? nullptr : &*it;
}

const Party* Instrument::FindParty(std::string_view state) const {
  auto it = std::find_if(parties.begin(), parties.end(), [&](const Party& p) { return p.state == state; });
  return it == parties.end() ? nullptr : &*it;
}

bool Offence::InForceOn(Date date) const {
  return in_force_from <= date && (!in_force_until || date <= *in_force_until);
}

const Conduct* LegalData::FindConduct(std::string_view code) const {
  auto it = std::find_if(conducts.begin(), conducts.end(), [&](const Conduct& c) { return c.code == code; });
  return it == conducts.end() ? nullptr : &*it;
}

const Instrument* LegalData::FindInstrument(std::string_view id) const {
  auto it =
      std::find_if(instruments.begin(), instruments.end(), [&](const Instrument& i) { return i.id == id; });
  return it == instruments.end() ? nullptr : &*it;
}

const StateLaw* LegalData::FindState(std::string_view code) const {
  auto it = states.find(code);
  return it == states.end() ? nullptr : &it->second;
}

const Coverage* StateLaw::CompleteFor(std::string_view conduct, Date date) const {
  for (const Coverage& c : coverage) {
    if ((!c.from || *c.from <= date) &&
        std::find(c.conducts.begin(), c.conducts.end(), conduct) != c.conducts.end()) {
      return &c;
    }
  }
  return nullptr;
}

}  // namespace aiip::legal
