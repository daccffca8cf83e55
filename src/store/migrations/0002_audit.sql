-- Audit log: the append-only Merkle log of every mutating API call, written in the same
-- transaction as the change it records. Formats and hashing: doc/audit_log_format.md.
-- Portable dialect: see doc/storage.md.

-- One row per entry. `entry` is the binary entry encoding (which repeats idx, so a
-- verifier notices rows that were swapped), `leaf_hash` is SHA-256(0x00 || entry). Rows
-- are only ever inserted, with idx = 0, 1, 2, ... and no gaps.
CREATE TABLE audit_entries (
  idx BIGINT PRIMARY KEY,
  entry BLOB NOT NULL,
  leaf_hash BLOB NOT NULL
);

-- The number of entries, as a single row (id = 1). Every append increments it first, in
-- the appending transaction: the row lock this takes hands out indices one writer at a
-- time, also across several nodes sharing one PostgreSQL database.
CREATE TABLE audit_state (
  id BIGINT PRIMARY KEY,
  size BIGINT NOT NULL
);
INSERT INTO audit_state (id, size) VALUES (1, 0);

-- One signed tree head per committed batch of entries: the RFC 9162 root over the first
-- `size` entries, the signing time (RFC 3339, milliseconds, UTC) and the node key's
-- Ed25519 signature over them.
CREATE TABLE audit_heads (
  size BIGINT PRIMARY KEY,
  root BLOB NOT NULL,
  signed_at TEXT NOT NULL,
  signature BLOB NOT NULL
);
