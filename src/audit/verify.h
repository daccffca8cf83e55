// Offline verification of a stored audit log, as run by `aiip audit verify`: reads every
// entry and every signed tree head from the Store (streamed in chunks, in one read
// transaction, O(log n) memory) and checks, independently of the AuditLog that wrote
// them and trusting nothing but the node's public key, that
//
//   * entries are stored under indices 0, 1, 2, ... without gaps;
//   * each entry decodes, and the index inside it equals the index it is stored under;
//   * each stored leaf hash equals SHA-256(0x00 || entry);
//   * each tree head is signed by the key, and its root is the RFC 9162 root of the
//     stored leaf hashes up to its size;
//   * the newest head covers exactly the stored entries (an entry beyond it was never
//     signed: a forgery), and audit_state counts them.
//
// The report names the first bad index: every entry before it is proven to be what the
// node signed. A change to an entry alone is pinned to that entry (its bytes no longer
// match its leaf hash). A change to an entry together with its leaf hash can only be
// located by the first head whose root no longer matches, so the report names the first
// index that head signed beyond the previous good head — the change is within that range,
// which is one group-commit batch. doc/audit_log_format.md says what this can and cannot
// detect.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "crypto/ed25519.h"
#include "store/store.h"

namespace aiip::audit {

struct VerifyReport {
  bool ok = false;
  uint64_t size = 0;           // entries stored contiguously from index 0
  uint64_t heads = 0;          // tree heads whose signature and root verified
  uint64_t verified_size = 0;  // size of the newest of those heads
  // Set when !ok and the damage has a position; entries [0, first_bad_index) are good.
  std::optional<uint64_t> first_bad_index;
  std::string reason;  // what failed, or a one-line summary when ok
};

// Verifies the audit log stored in `store` against the node's public `key`. Returns the
// report, whether the log is intact or not; an error Status only if the database could not
// be read. Thread-safe (one read transaction; may run while the node keeps writing, and
// then verifies the snapshot it read).
Result<VerifyReport> VerifyStoredLog(store::Store& store, const crypto::Ed25519PublicKey& key);

}  // namespace aiip::audit
