// The registry's objects as stored and as shown through the API. `ToJson` gives the one
// canonical JSON form of each object: the API returns it and its SHA-256 is what the audit
// log records, so it never contains secrets.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "registry/vocabulary.h"

namespace aiip::registry {

// The party id of a State: "state_" + ISO 3166-1 alpha-2 code.
std::string StatePartyId(std::string_view code);

struct Organisation {
  std::string id;                    // "org_…"
  std::string name;
  std::string kind;                  // one of kOrganisationKinds
  std::optional<std::string> state;  // ISO 3166-1 alpha-2; absent = an Agency body
  std::string created_at, updated_at;
  int64_t version = 1;
};

struct Contact {
  std::string id;  // "cnt_…"
  std::string organisation;
  std::string name;
  std::string phone;  // E.164, answered 24/7
  std::string email;
  std::string timezone;  // IANA
  std::vector<std::string> languages;
  int64_t escalation_order = 1;  // 1 is called first
  std::string created_at, updated_at;
  int64_t version = 1;
};

// `client` receives cybersecurity services from `provider` (TLP 2.0's "clients").
struct ClientRelation {
  std::string provider;
  std::string client;
  std::string created_at;
};

struct Member {
  std::string id;  // "mbr_…"
  std::string organisation;
  std::string name;
  std::string type;  // person | tool
  std::vector<std::string> roles;
  bool disabled = false;
  std::string created_at, updated_at;
  int64_t version = 1;
};

struct Token {
  std::string id;  // "tok_…"
  std::string member;
  std::optional<std::string> label;
  std::string created_at;
  std::optional<std::string> expires_at;
  std::optional<std::string> revoked_at;
};

boost::json::object ToJson(const StateRecord& state);
boost::json::object ToJson(const Organisation& organisation);
boost::json::object ToJson(const Contact& contact);
boost::json::object ToJson(const ClientRelation& relation);
boost::json::object ToJson(const Member& member);
boost::json::object ToJson(const Token& token);

}  // namespace aiip::registry
