#include "incidents/access/access.h"

#include <algorithm>

namespace aiip::incidents::access {
namespace {

bool Contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

bool InAnyGroup(const ReportAccess& report, std::string_view organisation, const Directory& directory) {
  return std::any_of(report.sharing_groups.begin(), report.sharing_groups.end(),
                     [&](const std::string& group) { return directory.InGroup(group, organisation); });
}

// A recipient organisation in the sense of TLP:AMBER(+STRICT): named, or a member of one of the
// report's sharing groups.
bool IsRecipientOrganisation(const ReportAccess& report, std::string_view organisation,
                             const Directory& directory) {
  return Contains(report.recipient_organisations, organisation) ||
         InAnyGroup(report, organisation, directory);
}

Decision Allow(Rule rule) { return {true, rule}; }
Decision Deny(Rule rule) { return {false, rule}; }

Status CheckIds(const std::vector<std::string>& ids, std::string_view field) {
  std::set<std::string_view> seen;
  for (size_t i = 0; i < ids.size(); ++i) {
    std::string pointer = std::string(field) + "/" + std::to_string(i);
    if (ids[i].empty()) return InvalidArgument("invalid-value", "must not be empty", pointer);
    if (!seen.insert(ids[i]).second) {
      return InvalidArgument("invalid-value", "duplicate entry '" + ids[i] + "'", pointer);
    }
  }
  return Status::Ok();
}

}  // namespace

std::string_view TlpName(Tlp tlp) {
  switch (tlp) {
    case Tlp::kClear:
      return "CLEAR";
    case Tlp::kGreen:
      return "GREEN";
    case Tlp::kAmber:
      return "AMBER";
    case Tlp::kAmberStrict:
      return "AMBER+STRICT";
    case Tlp::kRed:
      return "RED";
  }
  return "RED";
}

Result<Tlp> ParseTlp(std::string_view text) {
  std::string_view label = text;
  if (label.starts_with("TLP:")) label.remove_prefix(4);
  for (Tlp tlp : {Tlp::kClear, Tlp::kGreen, Tlp::kAmber, Tlp::kAmberStrict, Tlp::kRed}) {
    if (label == TlpName(tlp)) return tlp;
  }
  return Err(InvalidArgument("invalid-value",
                             "TLP label must be one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED (TLP 2.0)"));
}

void MapDirectory::AddToGroup(std::string group, std::string organisation) {
  groups_[std::move(group)].insert(std::move(organisation));
}

void MapDirectory::RemoveFromGroup(std::string_view group, std::string_view organisation) {
  auto it = groups_.find(group);
  if (it == groups_.end()) return;
  auto member = it->second.find(organisation);
  if (member != it->second.end()) it->second.erase(member);
}

void MapDirectory::AddClient(std::string provider, std::string client) {
  providers_[std::move(client)].insert(std::move(provider));
}

void MapDirectory::RemoveClient(std::string_view provider, std::string_view client) {
  auto it = providers_.find(client);
  if (it == providers_.end()) return;
  auto p = it->second.find(provider);
  if (p != it->second.end()) it->second.erase(p);
}

bool MapDirectory::InGroup(std::string_view group, std::string_view organisation) const {
  auto it = groups_.find(group);
  return it != groups_.end() && it->second.contains(organisation);
}

std::vector<std::string> MapDirectory::ProvidersOf(std::string_view organisation) const {
  auto it = providers_.find(organisation);
  if (it == providers_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::string_view RuleName(Rule rule) {
  switch (rule) {
    case Rule::kOwner:
      return "owner";
    case Rule::kNationalOnly:
      return "national-only";
    case Rule::kNamedPerson:
      return "named-person";
    case Rule::kNotInSharingGroup:
      return "not-in-sharing-group";
    case Rule::kRedDesignatedContact:
      return "red-designated-contact";
    case Rule::kRedNotNamed:
      return "red-not-named";
    case Rule::kRecipientOrganisation:
      return "recipient-organisation";
    case Rule::kAgency:
      return "agency";
    case Rule::kClientOfRecipient:
      return "client-of-recipient";
    case Rule::kNotRecipient:
      return "not-recipient";
    case Rule::kCommunity:
      return "community";
    case Rule::kNotInCommunity:
      return "not-in-community";
    case Rule::kPublic:
      return "public";
  }
  return "red-not-named";
}

Decision Decide(const ReportAccess& report, const Reader& reader, const Directory& directory) {
  const bool registered = !reader.organisation.empty();
  if (registered && reader.organisation == report.owner_organisation) return Allow(Rule::kOwner);

  // The State's right prevails over everything the reporter or the Agency could grant.
  if (report.national_only && (reader.state.empty() || reader.state != report.owner_state)) {
    return Deny(Rule::kNationalOnly);
  }

  if (!reader.member.empty() && Contains(report.recipient_persons, reader.member)) {
    return Allow(Rule::kNamedPerson);
  }

  if (!report.sharing_groups.empty() && !reader.agency &&
      !(registered && IsRecipientOrganisation(report, reader.organisation, directory))) {
    return Deny(Rule::kNotInSharingGroup);
  }

  switch (report.tlp) {
    case Tlp::kRed:
      if (registered && reader.designated_contact &&
          Contains(report.recipient_organisations, reader.organisation)) {
        return Allow(Rule::kRedDesignatedContact);
      }
      return Deny(Rule::kRedNotNamed);

    case Tlp::kAmberStrict:
    case Tlp::kAmber:
      if (registered && IsRecipientOrganisation(report, reader.organisation, directory)) {
        return Allow(Rule::kRecipientOrganisation);
      }
      if (reader.agency) return Allow(Rule::kAgency);
      if (report.tlp == Tlp::kAmber && registered) {
        for (const std::string& provider : directory.ProvidersOf(reader.organisation)) {
          if (provider == report.owner_organisation || IsRecipientOrganisation(report, provider, directory)) {
            return Allow(Rule::kClientOfRecipient);
          }
        }
      }
      return Deny(Rule::kNotRecipient);

    case Tlp::kGreen:
      if (registered) return Allow(Rule::kCommunity);
      if (reader.agency) return Allow(Rule::kAgency);
      return Deny(Rule::kNotInCommunity);

    case Tlp::kClear:
      return Allow(Rule::kPublic);
  }
  return Deny(Rule::kRedNotNamed);
}

bool CanRead(const ReportAccess& report, const Reader& reader, const Directory& directory) {
  return Decide(report, reader, directory).allowed;
}

Status ValidateReportAccess(const ReportAccess& report,
                            const std::set<std::string, std::less<>>* known_groups) {
  if (report.owner_organisation.empty()) {
    return InvalidArgument("missing-field", "the owner organisation is required", "/owner_organisation");
  }
  const std::string& state = report.owner_state;
  if (state.size() != 2 ||
      !std::all_of(state.begin(), state.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return InvalidArgument("invalid-value", "the owner State must be an ISO 3166-1 alpha-2 code",
                           "/owner_state");
  }
  AIIP_RETURN_IF_ERROR(CheckIds(report.recipient_organisations, "/recipient_organisations"));
  AIIP_RETURN_IF_ERROR(CheckIds(report.recipient_persons, "/recipient_persons"));
  AIIP_RETURN_IF_ERROR(CheckIds(report.sharing_groups, "/sharing_groups"));
  if (known_groups != nullptr) {
    for (size_t i = 0; i < report.sharing_groups.size(); ++i) {
      if (!known_groups->contains(report.sharing_groups[i])) {
        return InvalidArgument("unknown-group", "no sharing group named '" + report.sharing_groups[i] + "'",
                               "/sharing_groups/" + std::to_string(i));
      }
    }
  }
  if (report.tlp == Tlp::kRed && report.recipient_organisations.empty() && report.recipient_persons.empty()) {
    return InvalidArgument("missing-field",
                           "a TLP:RED report names its recipients (TLP 2.0: individual recipients only)",
                           "/recipient_organisations");
  }
  return Status::Ok();
}

}  // namespace aiip::incidents::access
