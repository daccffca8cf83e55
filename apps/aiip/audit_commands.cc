// aiip audit ...: reads the node's audit log and checks it. Every check is done here, on
// the operator's machine, with the Merkle and signature code of src/audit and src/crypto;
// the node is trusted for nothing but availability. The tree head is accepted only with a
// valid Ed25519 signature, and every root a proof mentions is tied back to that signed
// head (directly, or through a consistency proof when the proof is for an older size).

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <sstream>

#include "aiip/commands.h"
#include "audit/entry.h"
#include "audit/merkle.h"
#include "audit/verify.h"
#include "common/encoding.h"
#include "common/time.h"
#include "crypto/ed25519.h"
#include "crypto/sha256.h"
#include "store/store.h"

namespace aiip::cli {

namespace {

namespace bj = boost::json;
using crypto::Sha256Digest;

const std::string kAudit = "/api/v1/audit";
// The node answers at most this many entries per request.
constexpr uint64_t kEntriesPerPage = 1000;

const std::vector<Column> kEntryColumns = {{"INDEX", "index"},   {"TIME", "time"},
                                           {"ACTION", "action"}, {"OBJECT", "object"},
                                           {"MEMBER", "member"}, {"ORGANISATION", "organisation"}};

// --- Reading the node's answers. Malformed answers are the node's fault: exit 1. ---

Result<const bj::object*> AsObject(const bj::value& value, std::string_view what) {
  if (!value.is_object()) return Err(InvalidResponse(std::string(what) + " is not a JSON object"));
  return &value.get_object();
}

Result<const bj::value*> FieldOf(const bj::object& object, std::string_view key, std::string_view what) {
  const bj::value* value = object.if_contains(key);
  if (value == nullptr) return Err(InvalidResponse(std::string(what) + " has no field " + std::string(key)));
  return value;
}

Result<uint64_t> UintOf(const bj::object& object, std::string_view key, std::string_view what) {
  AIIP_ASSIGN_OR_RETURN(const bj::value* value, FieldOf(object, key, what));
  if (value->is_uint64()) return value->get_uint64();
  if (value->is_int64() && value->get_int64() >= 0) return static_cast<uint64_t>(value->get_int64());
  return Err(
      InvalidResponse(std::string(what) + " field " + std::string(key) + " is not a non-negative integer"));
}

Result<std::string_view> StringOf(const bj::object& object, std::string_view key, std::string_view what) {
  AIIP_ASSIGN_OR_RETURN(const bj::value* value, FieldOf(object, key, what));
  if (!value->is_string())
    return Err(InvalidResponse(std::string(what) + " field " + std::string(key) + " is not a string"));
  return std::string_view(value->get_string());
}

Result<Sha256Digest> HashOf(const bj::object& object, std::string_view key, std::string_view what) {
  AIIP_ASSIGN_OR_RETURN(std::string_view hex, StringOf(object, key, what));
  std::optional<Sha256Digest> digest = crypto::DigestFromHex(hex);
  if (!digest)
    return Err(InvalidResponse(std::string(what) + " field " + std::string(key) + " is not a hex SHA-256"));
  return *digest;
}

Result<std::vector<Sha256Digest>> HashesOf(const bj::object& object, std::string_view key,
                                           std::string_view what) {
  AIIP_ASSIGN_OR_RETURN(const bj::value* value, FieldOf(object, key, what));
  if (!value->is_array())
    return Err(InvalidResponse(std::string(what) + " field " + std::string(key) + " is not an array"));
  std::vector<Sha256Digest> hashes;
  for (const auto& item : value->get_array()) {
    std::optional<Sha256Digest> digest =
        item.is_string() ? crypto::DigestFromHex(item.get_string()) : std::nullopt;
    if (!digest)
      return Err(InvalidResponse(std::string(what) + " field " + std::string(key) + " holds a non-hash"));
    hashes.push_back(*digest);
  }
  return hashes;
}

Result<std::string> Base64Of(const bj::object& object, std::string_view key, std::string_view what) {
  AIIP_ASSIGN_OR_RETURN(std::string_view text, StringOf(object, key, what));
  std::optional<std::string> bytes = Base64Decode(text);
  if (!bytes)
    return Err(InvalidResponse(std::string(what) + " field " + std::string(key) + " is not base64"));
  return *bytes;
}

Status Failed(std::string type, std::string detail) {
  return Status(Code::kDataLoss, std::move(type), std::move(detail));
}

// --- The signed tree head. ---

struct VerifiedHead {
  audit::TreeHead head;
  bj::value json;  // as the node sent it
};

// Reads a public key file: PEM "PUBLIC KEY", or the base64 of the 32 raw bytes as
// /api/v1/audit/key serves it.
Result<crypto::Ed25519PublicKey> ReadKeyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return Err(UsageError("cannot read key file " + path));
  std::string content = text.str();
  if (content.find("-----BEGIN") != std::string::npos) {
    auto key = crypto::Ed25519PublicKey::FromPem(content);
    if (!key) return Err(UsageError("key file " + path + ": " + key.error().detail()));
    return *key;
  }
  std::erase_if(content, [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; });
  if (std::optional<std::string> raw = Base64Decode(content)) {
    if (auto key = crypto::Ed25519PublicKey::FromRaw(*raw)) return *key;
  }
  return Err(UsageError("key file " + path + " holds neither a PEM public key nor base64 of 32 bytes"));
}

// Fetches the node key (or uses the pinned one, which the node's must then equal) and the
// tree head, and checks the head's signature.
Result<VerifiedHead> FetchVerifiedHead(Session& session, const std::optional<std::string>& key_file) {
  AIIP_ASSIGN_OR_RETURN(bj::value key_json, session.Call(Method::kGet, kAudit + "/key"));
  AIIP_ASSIGN_OR_RETURN(const bj::object* key_object, AsObject(key_json, "the audit key"));
  AIIP_ASSIGN_OR_RETURN(std::string_view algorithm, StringOf(*key_object, "algorithm", "the audit key"));
  if (algorithm != "Ed25519")
    return Err(InvalidResponse("the audit key uses unknown algorithm " + std::string(algorithm)));
  AIIP_ASSIGN_OR_RETURN(std::string raw_key, Base64Of(*key_object, "public_key", "the audit key"));
  auto served_key = crypto::Ed25519PublicKey::FromRaw(raw_key);
  if (!served_key) return Err(InvalidResponse("the audit key is not an Ed25519 public key"));
  crypto::Ed25519PublicKey key = *served_key;
  if (key_file) {
    AIIP_ASSIGN_OR_RETURN(key, ReadKeyFile(*key_file));
    if (!(key == *served_key)) {
      return Err(Failed("unexpected-node-key", "the node's audit key is not the one in " + *key_file));
    }
  }

  VerifiedHead verified;
  AIIP_ASSIGN_OR_RETURN(verified.json, session.Call(Method::kGet, kAudit + "/head"));
  AIIP_ASSIGN_OR_RETURN(const bj::object* head, AsObject(verified.json, "the tree head"));
  audit::SignedTreeHead sth;
  AIIP_ASSIGN_OR_RETURN(sth.head.size, UintOf(*head, "size", "the tree head"));
  AIIP_ASSIGN_OR_RETURN(sth.head.root, HashOf(*head, "root_hash", "the tree head"));
  AIIP_ASSIGN_OR_RETURN(std::string_view timestamp, StringOf(*head, "timestamp", "the tree head"));
  auto time = ParseRfc3339(timestamp);
  if (!time) return Err(InvalidResponse("the tree head timestamp is not RFC 3339"));
  sth.head.timestamp = *time;
  AIIP_ASSIGN_OR_RETURN(std::string signature, Base64Of(*head, "signature", "the tree head"));
  if (signature.size() != sth.signature.size()) {
    return Err(Failed("invalid-tree-head-signature", "the tree head signature is not 64 bytes"));
  }
  std::copy(signature.begin(), signature.end(), sth.signature.begin());
  if (!audit::VerifyTreeHeadSignature(sth, key)) {
    return Err(Failed("invalid-tree-head-signature", "the tree head (size " + std::to_string(sth.head.size) +
                                                         ") is not signed by the node key"));
  }
  verified.head = sth.head;
  return verified;
}

// Checks that the tree of `size` leaves with root `root` is a prefix of the signed head,
// fetching a consistency proof when it is older.
Status AnchorToHead(Session& session, uint64_t size, const Sha256Digest& root, const VerifiedHead& head) {
  if (size == head.head.size) {
    if (root != head.head.root)
      return Failed("root-mismatch", "the root of size " + std::to_string(size) + " is not the signed root");
    return Status::Ok();
  }
  AIIP_ASSIGN_OR_RETURN(bj::value answer, session.Call(Method::kGet, kAudit + "/proof/consistency",
                                                       {{"first", std::to_string(size)},
                                                        {"second", std::to_string(head.head.size)}}));
  AIIP_ASSIGN_OR_RETURN(const bj::object* proof, AsObject(answer, "the consistency proof"));
  AIIP_ASSIGN_OR_RETURN(std::vector<Sha256Digest> path, HashesOf(*proof, "proof", "the consistency proof"));
  return audit::VerifyConsistency(size, head.head.size, root, head.head.root, path);
}

// --- Entries. ---

// Fetches entries [start, end) in pages the node accepts.
Result<bj::array> FetchEntries(Session& session, uint64_t start, uint64_t end) {
  bj::array entries;
  for (uint64_t from = start; from < end;) {
    const uint64_t to = std::min(end, from + kEntriesPerPage);
    AIIP_ASSIGN_OR_RETURN(bj::value answer,
                          session.Call(Method::kGet, kAudit + "/entries",
                                       {{"start", std::to_string(from)}, {"end", std::to_string(to)}}));
    AIIP_ASSIGN_OR_RETURN(const bj::object* object, AsObject(answer, "the entries page"));
    AIIP_ASSIGN_OR_RETURN(const bj::value* page, FieldOf(*object, "entries", "the entries page"));
    if (!page->is_array()) return Err(InvalidResponse("the entries page field entries is not an array"));
    if (page->get_array().empty()) break;  // the log ends before `end`
    for (const auto& entry : page->get_array()) entries.push_back(entry);
    from += page->get_array().size();
  }
  return entries;
}

// Checks one listed entry against its encoding and returns its leaf hash, or the reason
// it is bad (as a kDataLoss status).
Result<Sha256Digest> CheckEntry(const bj::value& listed, uint64_t index) {
  const std::string what = "entry " + std::to_string(index);
  AIIP_ASSIGN_OR_RETURN(const bj::object* object, AsObject(listed, what));
  auto listed_index = UintOf(*object, "index", what);
  if (!listed_index || *listed_index != index)
    return Err(Failed("entry-out-of-order", "listed at the wrong position"));
  auto bytes = Base64Of(*object, "entry", what);
  if (!bytes) return Err(Failed("malformed-audit-entry", bytes.error().detail()));
  auto entry = audit::DecodeEntry(*bytes);
  if (!entry) return Err(Failed("malformed-audit-entry", entry.error().detail()));
  if (entry->index != index)
    return Err(Failed("entry-out-of-order", "its encoding says index " + std::to_string(entry->index)));
  const Sha256Digest leaf = audit::HashLeaf(*bytes);
  // The listed fields are what people read; they must say what the hashed bytes say.
  auto mismatch = [&](std::string_view key, std::string_view expected) {
    const bj::value* value = object->if_contains(key);
    return value != nullptr && !(value->is_string() && value->get_string() == expected);
  };
  const audit::EntryFields& f = entry->fields;
  for (auto [key, expected] : {std::pair<std::string_view, std::string>{"leaf_hash", crypto::DigestHex(leaf)},
                               {"member", f.member_id},
                               {"organisation", f.organisation_id},
                               {"action", f.action},
                               {"object", f.object_id},
                               {"object_hash", crypto::DigestHex(f.object_hash)}}) {
    if (mismatch(key, expected))
      return Err(Failed("entry-mismatch", "its " + std::string(key) + " differs from its encoding"));
  }
  if (const bj::value* time = object->if_contains("time")) {
    const bool same = time->is_string() && ParseRfc3339(time->get_string()) == entry->time;
    if (!same) return Err(Failed("entry-mismatch", "its time differs from its encoding"));
  }
  return leaf;
}

// --- Commands. ---

struct AuditOptions {
  std::optional<std::string> key_file;
  void AddKeyOption(CLI::App* command) {
    AddOptional(command, "--key", key_file,
                "Node public key to trust (PEM, or base64 of 32 bytes) instead of the one the node serves")
        ->check(CLI::ExistingFile);
  }
};

Status Entries(Session& session, uint64_t start, uint64_t end) {
  if (end < start) return UsageError("--end must not be below --start");
  AIIP_ASSIGN_OR_RETURN(bj::array entries, FetchEntries(session, start, end));
  if (session.json()) {
    PrintJson(session.out(), bj::object{{"entries", std::move(entries)}});
  } else {
    PrintTable(session.out(), kEntryColumns, entries);
  }
  return Status::Ok();
}

Status Proof(Session& session, uint64_t index, std::optional<uint64_t> requested_size,
             const AuditOptions& options) {
  AIIP_ASSIGN_OR_RETURN(VerifiedHead head, FetchVerifiedHead(session, options.key_file));
  // Proving against exactly the signed size (unless told otherwise) means the proof's root
  // must be the signed root itself.
  const uint64_t size = requested_size.value_or(head.head.size);
  if (size > head.head.size) {
    return UsageError("--size " + std::to_string(size) + " exceeds the signed log size " +
                      std::to_string(head.head.size));
  }
  if (index >= size) {
    return UsageError("--index " + std::to_string(index) + " is not below the log size " +
                      std::to_string(size));
  }
  AIIP_ASSIGN_OR_RETURN(bj::value proof_json,
                        session.Call(Method::kGet, kAudit + "/proof/inclusion",
                                     {{"index", std::to_string(index)}, {"size", std::to_string(size)}}));
  AIIP_ASSIGN_OR_RETURN(const bj::object* proof, AsObject(proof_json, "the inclusion proof"));
  AIIP_ASSIGN_OR_RETURN(uint64_t proof_index, UintOf(*proof, "index", "the inclusion proof"));
  AIIP_ASSIGN_OR_RETURN(uint64_t proof_size, UintOf(*proof, "size", "the inclusion proof"));
  if (proof_index != index || proof_size != size) {
    return Failed("invalid-inclusion-proof", "the node answered a proof for another index or size");
  }
  AIIP_ASSIGN_OR_RETURN(Sha256Digest leaf, HashOf(*proof, "leaf_hash", "the inclusion proof"));
  AIIP_ASSIGN_OR_RETURN(std::vector<Sha256Digest> path,
                        HashesOf(*proof, "audit_path", "the inclusion proof"));
  AIIP_ASSIGN_OR_RETURN(Sha256Digest root, HashOf(*proof, "root_hash", "the inclusion proof"));

  // The proof covers a leaf hash; the entry's own bytes must produce it.
  AIIP_ASSIGN_OR_RETURN(bj::array entries, FetchEntries(session, index, index + 1));
  if (entries.size() != 1)
    return Failed("missing-audit-entry", "the node did not return entry " + std::to_string(index));
  auto entry_leaf = CheckEntry(entries[0], index);
  if (!entry_leaf)
    return Failed(entry_leaf.error().type(),
                  "entry " + std::to_string(index) + ": " + entry_leaf.error().detail());
  if (*entry_leaf != leaf)
    return Failed("invalid-inclusion-proof",
                  "the proof is for another leaf than entry " + std::to_string(index));

  AIIP_RETURN_IF_ERROR(audit::VerifyInclusion(leaf, index, size, path, root));
  AIIP_RETURN_IF_ERROR(AnchorToHead(session, size, root, head));

  return session.ShowObject(
      bj::object{{"verified", true}, {"entry", entries[0]}, {"proof", proof_json}, {"head", head.json}});
}

Status Consistency(Session& session, uint64_t first, uint64_t second, const AuditOptions& options) {
  if (first > second) return UsageError("--first must not exceed --second");
  AIIP_ASSIGN_OR_RETURN(VerifiedHead head, FetchVerifiedHead(session, options.key_file));
  if (second > head.head.size) {
    return UsageError("--second " + std::to_string(second) + " exceeds the signed log size " +
                      std::to_string(head.head.size));
  }
  AIIP_ASSIGN_OR_RETURN(bj::value proof_json,
                        session.Call(Method::kGet, kAudit + "/proof/consistency",
                                     {{"first", std::to_string(first)}, {"second", std::to_string(second)}}));
  AIIP_ASSIGN_OR_RETURN(const bj::object* proof, AsObject(proof_json, "the consistency proof"));
  AIIP_ASSIGN_OR_RETURN(uint64_t proof_first, UintOf(*proof, "first", "the consistency proof"));
  AIIP_ASSIGN_OR_RETURN(uint64_t proof_second, UintOf(*proof, "second", "the consistency proof"));
  if (proof_first != first || proof_second != second) {
    return Failed("invalid-consistency-proof", "the node answered a proof for other sizes");
  }
  AIIP_ASSIGN_OR_RETURN(Sha256Digest first_root, HashOf(*proof, "first_root", "the consistency proof"));
  AIIP_ASSIGN_OR_RETURN(Sha256Digest second_root, HashOf(*proof, "second_root", "the consistency proof"));
  AIIP_ASSIGN_OR_RETURN(std::vector<Sha256Digest> path, HashesOf(*proof, "proof", "the consistency proof"));
  AIIP_RETURN_IF_ERROR(audit::VerifyConsistency(first, second, first_root, second_root, path));
  AIIP_RETURN_IF_ERROR(AnchorToHead(session, second, second_root, head));
  return session.ShowObject(bj::object{{"verified", true}, {"proof", proof_json}, {"head", head.json}});
}

// Outcome of checking a whole log: the fields of audit::VerifyReport that both the online
// and the offline check produce.
struct LogCheck {
  bool ok = true;
  uint64_t size = 0;
  std::optional<uint64_t> first_bad_index;
  std::string reason;  // what failed, or a one-line summary when ok
};

// Finds the first bad leaf when the recomputed root differs from the signed one although
// each entry is well-formed: prefixes up to the first bad leaf are consistent with the
// signed head, longer ones are not, so a binary search over prefix sizes with the node's
// consistency proofs finds it in O(log n) requests. A node that lies in those proofs can
// only move the reported index, never turn the failure into success.
Result<uint64_t> FirstInconsistentLeaf(Session& session, std::span<const Sha256Digest> leaves,
                                       const VerifiedHead& head) {
  uint64_t good = 0, bad = leaves.size();  // prefix `good` is consistent, prefix `bad` is not
  while (bad - good > 1) {
    const uint64_t mid = good + (bad - good) / 2;
    Status consistent = AnchorToHead(session, mid, audit::RootOfLeaves(leaves.first(mid)), head);
    if (consistent.ok()) {
      good = mid;
    } else if (consistent.code() == Code::kDataLoss) {
      bad = mid;
    } else {
      return Err(consistent);
    }
  }
  return bad - 1;
}

Result<LogCheck> VerifyOnline(Session& session, const AuditOptions& options) {
  AIIP_ASSIGN_OR_RETURN(VerifiedHead head, FetchVerifiedHead(session, options.key_file));
  LogCheck check;
  check.size = head.head.size;
  std::vector<Sha256Digest> leaves;
  leaves.reserve(head.head.size);
  for (uint64_t start = 0; start < head.head.size; start += kEntriesPerPage) {
    const uint64_t end = std::min(head.head.size, start + kEntriesPerPage);
    AIIP_ASSIGN_OR_RETURN(bj::array entries, FetchEntries(session, start, end));
    for (uint64_t index = start; index < end; ++index) {
      if (index - start >= entries.size()) {
        return LogCheck{false, check.size, index, "the node does not return this entry"};
      }
      auto leaf = CheckEntry(entries[index - start], index);
      if (!leaf) return LogCheck{false, check.size, index, leaf.error().detail()};
      leaves.push_back(*leaf);
    }
  }
  if (audit::RootOfLeaves(leaves) != head.head.root) {
    AIIP_ASSIGN_OR_RETURN(uint64_t index, FirstInconsistentLeaf(session, leaves, head));
    return LogCheck{false, check.size, index, "the entry is not the one the signed tree head commits to"};
  }
  check.reason = std::to_string(check.size) + " entries match the tree head signed at " +
                 FormatRfc3339(head.head.timestamp);
  return check;
}

// Opens the database of a node's data directory read-only in spirit: migrations are not
// applied, and a missing SQLite file is an error rather than a new empty log.
Result<std::unique_ptr<store::Store>> OpenDataDir(const std::filesystem::path& dir) {
  store::StoreOptions options;
  options.apply_migrations = false;
  options.reader_connections = 1;
  std::error_code ec;
  if (std::filesystem::exists(dir / "database.url", ec)) {
    std::ifstream in(dir / "database.url");
    std::getline(in, options.url);
    while (!options.url.empty() && std::isspace(static_cast<unsigned char>(options.url.back())))
      options.url.pop_back();
    if (!in && options.url.empty()) return Err(UsageError("cannot read " + (dir / "database.url").string()));
  } else if (std::filesystem::exists(dir / "aiip.db", ec)) {
    options.url = "sqlite:" + (dir / "aiip.db").string();
  } else {
    return Err(UsageError(dir.string() + " holds neither aiip.db nor database.url"));
  }
  auto store = store::Store::Open(options);
  // The database plays the part of the server here: not reaching it is exit 2 as well.
  if (!store) {
    return Err(Status(Code::kUnavailable, "unreachable",
                      "cannot open the database of " + dir.string() + ": " + store.error().detail()));
  }
  return std::move(*store);
}

Result<LogCheck> VerifyOffline(const std::string& data_dir) {
  const std::filesystem::path dir(data_dir);
  auto key = crypto::ReadPublicKeyFile(dir / "node.pub");
  if (!key) return Err(UsageError("cannot use " + (dir / "node.pub").string() + ": " + key.error().detail()));
  AIIP_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, OpenDataDir(dir));
  auto report = audit::VerifyStoredLog(*store, *key);
  store->Close();
  if (!report) {
    return Err(Status(Code::kUnavailable, "unreachable",
                      "cannot read the audit log of " + data_dir + ": " + report.error().detail()));
  }
  return LogCheck{report->ok, report->size, report->first_bad_index, report->reason};
}

Status ShowLogCheck(Session& session, const LogCheck& check) {
  if (session.json()) {
    bj::object result{{"ok", check.ok}, {"size", check.size}};
    result["first_bad_index"] =
        check.first_bad_index ? bj::value(*check.first_bad_index) : bj::value(nullptr);
    result["reason"] = check.reason;
    PrintJson(session.out(), result);
  } else if (check.ok) {
    session.out() << "ok: " << Printable(check.reason) << '\n';
  }
  if (check.ok) return Status::Ok();
  std::string where = check.first_bad_index ? " at index " + std::to_string(*check.first_bad_index) : "";
  return Failed("audit-log-invalid", "audit log verification failed" + where + ": " + check.reason);
}

}  // namespace

void AddAuditCommands(CLI::App& app, CommandTable& table) {
  CLI::App* audit = app.add_subcommand("audit", "The node's signed, append-only audit log");
  audit->require_subcommand(1);

  table.Add(audit->add_subcommand("head", "Show the latest signed tree head"),
            [](Session& session) -> Status {
              AIIP_ASSIGN_OR_RETURN(bj::value answer, session.Call(Method::kGet, kAudit + "/head"));
              return session.ShowObject(answer);
            });

  struct Range {
    uint64_t start = 0, end = 0;
  };
  auto range = std::make_shared<Range>();
  CLI::App* entries = audit->add_subcommand("entries", "List entries start <= index < end");
  entries->add_option("--start", range->start, "First index")->required();
  entries->add_option("--end", range->end, "Index after the last one")->required();
  table.Add(entries, [range](Session& session) { return Entries(session, range->start, range->end); });

  struct ProofOptions {
    uint64_t index = 0;
    std::optional<int64_t> size;
    AuditOptions audit;
  };
  auto proof = std::make_shared<ProofOptions>();
  CLI::App* proof_cmd = audit->add_subcommand(
      "proof", "Fetch an entry's inclusion proof and verify it against the signed head");
  proof_cmd->add_option("--index", proof->index, "Entry index")->required();
  AddOptional(proof_cmd, "--size", proof->size, "Tree size to prove against (default: the signed head's)")
      ->check(CLI::PositiveNumber);
  proof->audit.AddKeyOption(proof_cmd);
  table.Add(proof_cmd, [proof](Session& session) {
    std::optional<uint64_t> size;
    if (proof->size) size = static_cast<uint64_t>(*proof->size);
    return Proof(session, proof->index, size, proof->audit);
  });

  struct ConsistencyOptions {
    uint64_t first = 0, second = 0;
    AuditOptions audit;
  };
  auto consistency = std::make_shared<ConsistencyOptions>();
  CLI::App* consistency_cmd =
      audit->add_subcommand("consistency", "Fetch a consistency proof between two tree sizes and verify it");
  consistency_cmd->add_option("--first", consistency->first, "Older tree size")->required();
  consistency_cmd->add_option("--second", consistency->second, "Newer tree size")->required();
  consistency->audit.AddKeyOption(consistency_cmd);
  table.Add(consistency_cmd, [consistency](Session& session) {
    return Consistency(session, consistency->first, consistency->second, consistency->audit);
  });

  struct VerifyOptions {
    AuditOptions audit;
    std::optional<std::string> data_dir;
  };
  auto verify = std::make_shared<VerifyOptions>();
  CLI::App* verify_cmd = audit->add_subcommand(
      "verify",
      "Check the whole log: online (--server) from the node's entries and signed head, or offline "
      "(--data-dir) from a node's database and node.pub");
  verify->audit.AddKeyOption(verify_cmd);
  AddOptional(verify_cmd, "--data-dir", verify->data_dir,
              "Verify offline: the node's data directory (aiip.db or database.url, and node.pub)")
      ->check(CLI::ExistingDirectory)
      ->excludes("--key");
  table.Add(verify_cmd, [verify](Session& session) -> Status {
    if (!verify->data_dir) {
      AIIP_ASSIGN_OR_RETURN(LogCheck check, VerifyOnline(session, verify->audit));
      return ShowLogCheck(session, check);
    }
    if (session.server_flag_given()) return UsageError("give either --server or --data-dir, not both");
    AIIP_ASSIGN_OR_RETURN(LogCheck check, VerifyOffline(*verify->data_dir));
    return ShowLogCheck(session, check);
  });
}

}  // namespace aiip::cli
