// AbuseDirectory: who to tell about abuse from an address or an autonomous system, built
// from RIPE-style RPSL dumps (the split files ripe.db.inetnum, ripe.db.inet6num,
// ripe.db.aut-num, ripe.db.organisation, ripe.db.role, ripe.db.irt; plain or gzip).
//
// Of each object only what abuse resolution needs is kept: for inetnum/inet6num/aut-num
// the range or number and the abuse-c, org, mnt-irt, admin-c and tech-c references; for
// organisation its abuse-c and abuse-mailbox; for role its nic-hdl and abuse-mailbox; for
// irt its abuse-mailbox and e-mail. References are resolved when a question is asked, so
// the files can be read in any order and an object may refer to one in another file.
//
// Resolution (doc/mitigation.md): for a resource object, in order
//   1. its abuse-c -> role abuse-mailbox;
//   2. its org -> organisation abuse-c -> role abuse-mailbox, else that organisation's own
//      abuse-mailbox (legacy objects);
//   3. its mnt-irt -> irt abuse-mailbox, else the irt's e-mail;
// and for an address or prefix the most specific inetnum/inet6num containing it is asked
// first, then each less specific one in turn (RIPE's abuse-c inheritance). When none of
// them answers, a role named as tech-c or admin-c of the most specific object (then of its
// parents) that carries an abuse-mailbox answers (pre-abuse-c objects). Every answer lists
// the object chain that produced it.
//
// Loading is not thread-safe; a built AbuseDirectory is immutable and its const methods
// may be called from any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/status.h"
#include "response/attribution/address.h"
#include "response/rpsl/rpsl.h"

namespace aiip::rpsl {

// Which rule gave the answer.
enum class AbuseVia : uint8_t {
  kAbuseC,           // the resource's abuse-c
  kOrgAbuseC,        // the abuse-c of the resource's organisation
  kOrgAbuseMailbox,  // the abuse-mailbox of the resource's organisation itself
  kIrt,              // the resource's mnt-irt
  kTechOrAdminRole,  // a tech-c/admin-c role with an abuse-mailbox
};

// "abuse-c", "org-abuse-c", "org-abuse-mailbox", "irt", "tech-admin-role".
std::string_view AbuseViaName(AbuseVia via);

struct AbuseAnswer {
  std::string mailbox;
  AbuseVia via = AbuseVia::kAbuseC;
  // The objects consulted, first the one asked about, e.g.
  // {"inetnum 193.0.0.0 - 193.0.7.255", "organisation ORG-X1-RIPE", "role AB1-RIPE"};
  // a less specific object that answered for a more specific one follows it.
  std::vector<std::string> chain;
  bool inherited = false;  // answered by a less specific inetnum/inet6num
};

// What a load saw. Issues keep the first `max_issues` in input order; `issue_count`
// counts all.
struct LoadReport {
  size_t lines = 0;
  size_t objects = 0;     // syntactically well-formed objects of every class
  size_t kept = 0;        // objects of the six classes used
  size_t malformed = 0;   // skipped: syntax or content errors (each is an issue)
  size_t duplicates = 0;  // a later object with the same key replaced an earlier one
  size_t issue_count = 0;
  std::vector<Issue> issues;
};

class AbuseDirectory {
 public:
  AbuseDirectory(AbuseDirectory&&) = default;
  AbuseDirectory& operator=(AbuseDirectory&&) = default;

  // The abuse contact of AS `asn` from its aut-num object, or nullopt if there is no
  // aut-num or none of rules 1-3 (then tech-c/admin-c) answers.
  std::optional<AbuseAnswer> ForAsn(uint32_t asn) const;
  // The abuse contact for the most specific inetnum/inet6num holding `address`.
  std::optional<AbuseAnswer> ForAddress(const attribution::IpAddress& address) const;
  // The abuse contact for the most specific inetnum/inet6num holding all of `prefix`.
  std::optional<AbuseAnswer> ForPrefix(const attribution::Prefix& prefix) const;

  size_t aut_nums() const { return asns_.size(); }
  size_t inetnums() const { return inetnum_count_; }
  size_t inet6nums() const { return inet6num_count_; }
  size_t roles() const { return roles_.size(); }
  size_t organisations() const { return orgs_.size(); }
  size_t irts() const { return irts_.size(); }

 private:
  friend class AbuseDirectoryBuilder;
  AbuseDirectory() = default;

  static constexpr uint32_t kNone = 0xffffffffu;

  struct Resource {
    attribution::Uint128 first = 0;
    attribution::Uint128 last = 0;
    uint32_t asn = 0;
    uint8_t kind = 0;  // 0 inetnum, 1 inet6num, 2 aut-num
    uint8_t inet6_length = 0;
    uint32_t abuse_c = kNone;  // interned handles (upper case)
    uint32_t org = kNone;
    uint32_t mnt_irt = kNone;
    uint32_t tech_c = kNone;
    uint32_t admin_c = kNone;
  };
  struct Org {
    uint32_t abuse_c = kNone;
    std::string abuse_mailbox;
  };
  // One prefix of an inetnum range (a range that is not one prefix is several).
  struct Piece {
    attribution::Uint128 bits;
    uint32_t resource;
  };
  struct Level {
    int length = 0;
    std::vector<Piece> pieces;  // sorted by bits
  };

  std::string Label(uint32_t resource) const;
  std::optional<AbuseAnswer> Direct(uint32_t resource) const;
  std::optional<AbuseAnswer> FromRole(uint32_t handle, AbuseVia via, std::string first) const;
  // The most specific piece holding [bits, length] at a length <= max_length, as
  // (resource, length); resource kNone when none.
  std::pair<uint32_t, int> Containing(attribution::Family family, attribution::Uint128 bits,
                                      int max_length) const;
  std::optional<AbuseAnswer> ForRange(attribution::Family family, attribution::Uint128 bits,
                                      int length) const;

  std::vector<std::string> handles_;  // interned handle -> display text
  std::vector<Resource> resources_;
  std::unordered_map<uint32_t, uint32_t> asns_;      // asn -> resource
  std::unordered_map<uint32_t, std::string> roles_;  // nic-hdl -> abuse-mailbox ("" none)
  std::unordered_map<uint32_t, Org> orgs_;
  std::unordered_map<uint32_t, std::string> irts_;  // irt -> mailbox
  std::vector<Level> v4_levels_;                    // by decreasing length
  std::vector<Level> v6_levels_;
  size_t inetnum_count_ = 0;
  size_t inet6num_count_ = 0;
};

class AbuseDirectoryBuilder {
 public:
  explicit AbuseDirectoryBuilder(size_t max_issues = 1000);

  // Reads one RPSL file (gzip-compressed or plain, told apart by content) line by line.
  // Malformed objects become issues naming path:line and are skipped. Returns NotFound if
  // the file cannot be opened, DataLoss if reading fails midway (objects read until then
  // are kept).
  Status AddFile(const std::string& path);
  // Reads `text` as if it were the file `source`. Never fails; problems become issues.
  void AddText(std::string_view source, std::string_view text);

  const LoadReport& report() const { return report_; }

  // Indexes everything read so far. The builder is left empty (its report too).
  AbuseDirectory Build();

 private:
  void OnObject(const Object& object, const std::string& source);
  void OnIssue(const Issue& issue);
  uint32_t Intern(std::string_view handle);
  std::unique_ptr<Reader> MakeReader(const std::string& source);

  size_t max_issues_;
  LoadReport report_;
  AbuseDirectory directory_;
  std::unordered_map<std::string, uint32_t> handle_ids_;
  // key -> resource index, so a duplicate object replaces the earlier one.
  std::unordered_map<std::string, uint32_t> resource_keys_;
};

}  // namespace aiip::rpsl
