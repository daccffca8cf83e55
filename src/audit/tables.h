// Reading the audit tables (src/store/migrations/0002_audit.sql) defensively. Internal to
// the audit module. Store rows assert on a column of the wrong type, which is right for
// code reading its own schema but not for a verifier reading a database that someone may
// have edited by hand (SQLite stores any type in any column): these helpers return
// nullopt / kDataLoss instead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/entry.h"
#include "common/status.h"
#include "store/value.h"

namespace aiip::audit::internal {

// Column `i` as an integer / as BLOB bytes, or nullopt / nullptr if it has another type.
std::optional<int64_t> IntColumn(const store::Row& row, size_t i);
const std::string* BlobColumn(const store::Row& row, size_t i);
// Column `i` as a 32-byte digest, or nullopt.
std::optional<crypto::Sha256Digest> DigestColumn(const store::Row& row, size_t i);

// The columns of audit_heads, in the order HeadFromRow reads them.
inline constexpr std::string_view kHeadColumns = "size, root, signed_at, signature";

// Parses an audit_heads row selected as kHeadColumns. kDataLoss("malformed-tree-head") if
// a column has the wrong type or size or the timestamp does not parse.
Result<SignedTreeHead> HeadFromRow(const store::Row& row);

// The parameters that insert `sth` into audit_heads (kHeadColumns order).
std::vector<store::Value> HeadParams(const SignedTreeHead& sth);

}  // namespace aiip::audit::internal
