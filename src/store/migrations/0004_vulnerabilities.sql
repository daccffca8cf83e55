-- The vulnerability clearinghouse: advisory documents as ingested, the inventories
-- organisations register, their subscriptions, and what each inventory has been alerted
-- about. Portable dialect: see doc/storage.md. Rules: doc/vulnerabilities.md.

-- One row per source document, keyed like the in-memory database: (format, id). `body` is
-- the exact text ingested (its SHA-256 is `sha256`), so a restart rebuilds the merged
-- database from it; `published_sha512` is the CSAF digest file's text when one came with it.
CREATE TABLE advisory_documents (
  format TEXT NOT NULL,
  id TEXT NOT NULL,
  modified TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  digest_check TEXT NOT NULL,
  source_name TEXT NOT NULL,
  body TEXT NOT NULL,
  published_sha512 TEXT,
  ingested_at TEXT NOT NULL,
  ingested_by TEXT NOT NULL,
  PRIMARY KEY (format, id)
);

-- `body` is the inventory as registered (CycloneDX / SPDX JSON, or a purl/CPE list).
CREATE TABLE inventories (
  id TEXT PRIMARY KEY,
  organisation TEXT NOT NULL REFERENCES organisations(id),
  name TEXT NOT NULL,
  format TEXT NOT NULL,
  cpe_matching BIGINT NOT NULL,
  body TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  component_count BIGINT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version BIGINT NOT NULL
);
CREATE INDEX inventories_organisation ON inventories(organisation);

-- `inventory` NULL = every inventory of the organisation. `min_severity`: none, low,
-- medium, high or critical. `channels`: space-separated subset of "stream webhook".
CREATE TABLE vulnerability_subscriptions (
  id TEXT PRIMARY KEY,
  organisation TEXT NOT NULL REFERENCES organisations(id),
  inventory TEXT REFERENCES inventories(id),
  min_severity TEXT NOT NULL,
  channels TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX vulnerability_subscriptions_organisation ON vulnerability_subscriptions(organisation);

-- The findings each inventory was last told about (or registered with), one row per
-- (component, vulnerability): the "before" side when the next advisory changes them.
-- `finding` is the finding's JSON (doc/vulnerabilities.md).
CREATE TABLE inventory_findings (
  inventory TEXT NOT NULL REFERENCES inventories(id),
  component BIGINT NOT NULL,
  vulnerability TEXT NOT NULL,
  finding TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (inventory, component, vulnerability)
);
