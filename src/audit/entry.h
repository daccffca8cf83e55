// Audit entries and signed tree heads: the two records of AIIP's audit log, and their
// exact byte formats (specified, with examples, in doc/audit_log_format.md).
//
// An entry says who (member, organisation) did what (action) to which object, when, and
// what the object looked like afterwards (the SHA-256 of its stored state). Its encoding
// is canonical — decoding accepts exactly the bytes encoding produces — so
// EncodeEntry(DecodeEntry(b)) == b and a client can recompute a leaf hash from decoded
// fields. Version 0x01, all integers big-endian:
//
//   u8   version = 0x01
//   u64  index                  position in the log; repeated here so that moving an
//                               entry to another position breaks its leaf hash
//   i64  time                   milliseconds since the Unix epoch, UTC
//   u16  length || UTF-8 bytes  member id
//   u16  length || UTF-8 bytes  organisation id
//   u16  length || UTF-8 bytes  action, e.g. "organisation.create"
//   u16  length || UTF-8 bytes  object id
//   32   bytes                  SHA-256 of the object
//
// A tree head commits to the whole log up to a size; the node key signs
//
//   "AIIP-STH-v1" 0x00 || u64 size || i64 timestamp (ms) || 32-byte root
//
// The prefix separates these signatures from anything else the key might ever sign.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "crypto/ed25519.h"
#include "crypto/sha256.h"

namespace aiip::audit {

inline constexpr uint8_t kEntryVersion = 0x01;
// Each string field holds at most this many bytes (its length prefix is a u16).
inline constexpr size_t kMaxEntryFieldSize = 0xffff;
inline constexpr std::string_view kTreeHeadSignaturePrefix{"AIIP-STH-v1\0", 12};

// What the caller of AuditLog::Append supplies; the log adds the index and the time.
struct EntryFields {
  std::string member_id;               // the acting member; empty when AIIP itself acted
  std::string organisation_id;         // the organisation the member acted for
  std::string action;                  // "<object kind>.<verb>", e.g. "organisation.create"
  std::string object_id;               // the object created, changed or deleted
  crypto::Sha256Digest object_hash{};  // SHA-256 of the object's state after the change

  friend bool operator==(const EntryFields&, const EntryFields&) = default;
};

struct Entry {
  uint64_t index = 0;
  SystemTime time;
  EntryFields fields;

  friend bool operator==(const Entry&, const Entry&) = default;
};

// Encodes `entry`. Returns InvalidArgument("invalid-audit-entry") naming the field if a
// string is longer than kMaxEntryFieldSize bytes or is not valid UTF-8.
Result<std::string> EncodeEntry(const Entry& entry);

// Decodes and validates an encoded entry: version, lengths, UTF-8, no trailing bytes.
// Returns DataLoss("malformed-audit-entry") saying what is wrong, since stored entries are
// only ever written by EncodeEntry.
Result<Entry> DecodeEntry(std::string_view bytes);

struct TreeHead {
  uint64_t size = 0;
  crypto::Sha256Digest root{};  // RFC 9162 MTH of the first `size` entries
  SystemTime timestamp;         // when the head was signed

  friend bool operator==(const TreeHead&, const TreeHead&) = default;
};

struct SignedTreeHead {
  TreeHead head;
  crypto::Ed25519Signature signature{};

  friend bool operator==(const SignedTreeHead&, const SignedTreeHead&) = default;
};

// The exact bytes signed for `head` (see the file comment).
std::string TreeHeadSignatureInput(const TreeHead& head);

// Signs `head` with the node key. Fails (kInternal) only if OpenSSL does. Thread-safe.
Result<SignedTreeHead> SignTreeHead(const TreeHead& head, const crypto::Ed25519PrivateKey& key);

// True only if `sth.signature` is `key`'s signature over `sth.head`. Thread-safe.
bool VerifyTreeHeadSignature(const SignedTreeHead& sth, const crypto::Ed25519PublicKey& key);

}  // namespace aiip::audit
