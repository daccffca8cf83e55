// Registry: the participants of an AIIP node — States, organisations, their 24/7 contacts,
// members with roles and API tokens — and the rules for changing them.
//
// Every mutating operation is one Store::Write: the change and its audit entry are stored
// together or not at all. Inputs arrive as JSON objects and are validated here (the API
// layer only parses and routes), so errors name the offending field. Object-level
// permissions (an org-admin manages only its own organisation) are checked here; route-level
// roles are checked by the API. All methods are thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <shared_mutex>
#include <unordered_map>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "registry/model.h"
#include "registry/vocabulary.h"
#include "store/store.h"

namespace aiip::registry {

// The authenticated caller. `member` and `organisation` are empty for the node itself
// (bootstrap, demo data, reference data imports), which acts as "system".
struct Actor {
  std::string member;
  std::string organisation;
  std::optional<std::string> state;  // the organisation's State, if any
  std::string organisation_kind;
  std::set<std::string, std::less<>> roles;
  std::string token;  // id of the token used

  bool HasRole(std::string_view role) const { return roles.contains(role); }
  bool IsSystem() const { return member.empty(); }
  static Actor System();
};

// One audit record, appended in the same transaction as the change it describes.
struct AuditEvent {
  std::string member;        // "system" for the node itself
  std::string organisation;  // "" for the node itself
  std::string action;        // e.g. "organisation.create"
  std::string object;        // id of the changed object
  std::string object_json;   // canonical JSON of the object after the change (hashed)
};
using AuditAppend = std::function<Status(store::Tx&, const AuditEvent&)>;

struct PageRequest {
  size_t limit = 100;               // 1..500
  std::optional<std::string> after;  // exclusive lower bound on the sort key (the id)
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_after;  // set when more items may follow
};

struct PartyFilter {
  std::optional<std::string> state;  // ISO code
  std::optional<std::string> kind;   // "state" or an organisation kind
};

struct IssuedToken {
  Token token;
  std::string secret;  // "aiip_…", shown once
};

class Registry {
 public:
  // `store` must outlive the registry and have the registry schema applied. `audit` is
  // called inside each write transaction.
  Registry(store::Store& store, const ReferenceData& reference, AuditAppend audit, const Clock& clock,
           Random& random);

  // Imports the ISO 3166-1 States of the reference data that are not stored yet, with one
  // audit entry if any were added. Idempotent.
  [[nodiscard]] Status ImportStates();

  // If no enabled member holds the `admin` role, creates the Agency organisation "AIIP
  // Secretariat" (if missing), an administrator member and a token, and writes the token to
  // `token_file` (mode 0600, atomically, before the commit). Returns true if it bootstrapped.
  Result<bool> Bootstrap(const std::filesystem::path& token_file);

  // Parties: States and organisations, sorted by id. Unknown kind or state → invalid-value.
  Result<Page<boost::json::object>> ListParties(const PartyFilter& filter, const PageRequest& page);
  Result<boost::json::object> GetParty(std::string_view id);

  Result<Organisation> CreateOrganisation(const Actor& actor, const boost::json::object& body);
  Result<Organisation> GetOrganisation(std::string_view id);
  Result<Page<Organisation>> ListOrganisations(const PartyFilter& filter, const PageRequest& page);
  // Body: {name?, version?}. A stale `version` → kConflict.
  Result<Organisation> UpdateOrganisation(const Actor& actor, std::string_view id,
                                          const boost::json::object& body);
  // Refused with kConflict while members or contacts remain; its client relations go with it.
  Status DeleteOrganisation(const Actor& actor, std::string_view id);

  Result<Contact> CreateContact(const Actor& actor, std::string_view organisation,
                                const boost::json::object& body);
  Result<std::vector<Contact>> ListContacts(std::string_view organisation);
  Result<Contact> UpdateContact(const Actor& actor, std::string_view id, const boost::json::object& body);
  Status DeleteContact(const Actor& actor, std::string_view id);

  // Client relations (TLP 2.0: a TLP:AMBER report without sharing groups also reaches the
  // clients of the reporting organisation; doc/sharing.md). Body: {"client": organisation id}. Administrators
  // only: the Agency verifies a relation before it widens who reads AMBER reports. Errors: NotFound for
  // either organisation, InvalidArgument("/client") for the provider itself, Conflict if already recorded.
  Result<ClientRelation> AddClient(const Actor& actor, std::string_view provider,
                                   const boost::json::object& body);
  // The provider's clients, oldest first; its own managers and administrators only.
  Result<std::vector<ClientRelation>> ListClients(const Actor& actor, std::string_view provider);
  // NotFound if the relation is not recorded.
  Status RemoveClient(const Actor& actor, std::string_view provider, std::string_view client);

  Result<Member> CreateMember(const Actor& actor, const boost::json::object& body);
  Result<Member> GetMember(const Actor& actor, std::string_view id);
  Result<Page<Member>> ListMembers(const Actor& actor, std::optional<std::string> organisation,
                                   const PageRequest& page);
  Result<Member> UpdateMember(const Actor& actor, std::string_view id, const boost::json::object& body);

  // Body: {member, label?, expires_at?}. A member may create tokens for itself; admins for
  // anyone; org-admins for members of their organisation.
  Result<IssuedToken> CreateToken(const Actor& actor, const boost::json::object& body);
  Result<Page<Token>> ListTokens(const Actor& actor, std::optional<std::string> member,
                                 const PageRequest& page);
  Result<Token> RevokeToken(const Actor& actor, std::string_view id);

  // Resolves a bearer token. kUnauthenticated (with a reason that does not reveal whether
  // the token exists) for unknown, expired or revoked tokens and disabled members.
  // Successful lookups are cached for kAuthCacheTtl: every change on this node that can
  // withdraw access (token revocation, member update) empties the cache at once; a change
  // made by another node sharing the database takes effect here within the TTL.
  Result<Actor> Authenticate(std::string_view secret);

  static constexpr std::chrono::milliseconds kAuthCacheTtl{2000};

  // Loads organisations, contacts and members from demonstration data (the JSON format of
  // data/demo/README.md; `source` names it in errors) in one transaction, once: a marker in
  // node_meta makes later calls no-ops. Returns the number of objects created.
  Result<int> LoadDemo(std::string_view json_text, std::string_view source);

 private:
  Status Audit(store::Tx& tx, const Actor& actor, std::string action, const std::string& object,
               const boost::json::object& json);
  Status CheckManages(const Actor& actor, std::string_view organisation) const;
  std::string Now() const;

  struct CachedActor {
    Actor actor;
    std::optional<std::string> expires_at;  // the token's own expiry
    SystemTime cached_at;
  };
  void ForgetAuthentications();

  store::Store& store_;
  const ReferenceData& reference_;
  // Token hash -> actor. Bounded: emptied when it reaches kAuthCacheLimit entries.
  static constexpr size_t kAuthCacheLimit = 100'000;
  std::shared_mutex auth_mu_;
  std::unordered_map<std::string, CachedActor> auth_cache_;
  AuditAppend audit_;
  const Clock& clock_;
  Random& random_;
};

// SHA-256 of a token secret, as stored.
std::string HashTokenSecret(std::string_view secret);

}  // namespace aiip::registry
