-- Registry of participants: States (ISO 3166-1), organisations, their 24/7 contacts,
-- members with roles, and API tokens (stored only as SHA-256 hashes).
-- Portable dialect: see doc/storage.md.

CREATE TABLE states (
  code TEXT PRIMARY KEY,
  alpha3 TEXT NOT NULL,
  numeric_code TEXT NOT NULL,
  name TEXT NOT NULL,
  official_name TEXT
);

CREATE TABLE organisations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  state TEXT REFERENCES states(code),
  scope TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version BIGINT NOT NULL
);
CREATE UNIQUE INDEX organisations_scope_name ON organisations(scope, name);
CREATE INDEX organisations_state ON organisations(state);

CREATE TABLE contacts (
  id TEXT PRIMARY KEY,
  organisation TEXT NOT NULL REFERENCES organisations(id),
  name TEXT NOT NULL,
  phone TEXT NOT NULL,
  email TEXT NOT NULL,
  timezone TEXT NOT NULL,
  languages TEXT NOT NULL,
  escalation_order BIGINT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version BIGINT NOT NULL
);
CREATE UNIQUE INDEX contacts_organisation_order ON contacts(organisation, escalation_order);

CREATE TABLE members (
  id TEXT PRIMARY KEY,
  organisation TEXT NOT NULL REFERENCES organisations(id),
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  roles TEXT NOT NULL,
  disabled BIGINT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version BIGINT NOT NULL
);
CREATE INDEX members_organisation ON members(organisation);

CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  member TEXT NOT NULL REFERENCES members(id),
  hash BLOB NOT NULL,
  label TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT
);
CREATE UNIQUE INDEX tokens_hash ON tokens(hash);
CREATE INDEX tokens_member ON tokens(member);

CREATE TABLE node_meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
