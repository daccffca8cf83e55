-- The TAXII 2.1 server (doc/taxii.md): the STIX objects of sanitised incident reports as
-- collections serve them, the cursor key, and the status of each POST. Portable dialect:
-- see doc/storage.md.

-- Keys shared by every node on this database. 'cursor': the HMAC-SHA256 key (hex) that
-- authenticates `next` values, so that any node can continue a page another node served.
CREATE TABLE taxii_keys (
  id TEXT PRIMARY KEY,
  secret TEXT NOT NULL,
  created_at TEXT NOT NULL
);

-- One row ('objects'): the latest date_added given. A sync locks it first (UPDATE), so
-- syncs commit in date_added order across nodes and a page never skips a later commit.
CREATE TABLE taxii_sync (
  id TEXT PRIMARY KEY,
  last_date_added TEXT NOT NULL,
  syncs BIGINT NOT NULL
);
INSERT INTO taxii_sync (id, last_date_added, syncs) VALUES ('objects', '', 0);

-- The reports whose objects are published (report '' stands for the node's shared
-- definitions: its identity, its STIX extension and the TLP 2.0 marking definitions).
CREATE TABLE taxii_reports (
  report TEXT PRIMARY KEY,
  date_added TEXT NOT NULL
);

-- The STIX objects of each SANITISED report (never the original), as ReportToBundle wrote
-- them. `version` and `date_added` are TAXII timestamps with six fraction digits, so text
-- order is time order; (date_added, object_id, version) orders a collection.
CREATE TABLE taxii_objects (
  report TEXT NOT NULL,
  object_id TEXT NOT NULL,
  version TEXT NOT NULL,
  type TEXT NOT NULL,
  spec_version TEXT NOT NULL,
  date_added TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (report, object_id, version)
);
CREATE INDEX taxii_objects_added ON taxii_objects(date_added, object_id, version);
CREATE INDEX taxii_objects_object ON taxii_objects(object_id, version);

-- The status resource of each POST to a collection's objects: what was submitted and what
-- became of each object. Only the posting organisation reads it.
CREATE TABLE taxii_status (
  id TEXT PRIMARY KEY,
  organisation TEXT NOT NULL,
  collection TEXT NOT NULL,
  resource TEXT NOT NULL,
  created_at TEXT NOT NULL
);
