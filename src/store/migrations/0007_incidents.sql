-- The incident clearinghouse: reports as submitted and as sanitised, the redaction log,
-- their distribution attributes, the interned indicators correlation rebuilds its index
-- from, sharing groups and incident subscriptions. Portable dialect: see doc/storage.md.
-- Rules: doc/incidents_node.md.

-- One row per report. `original` (the canonical native JSON as submitted), `submitted`
-- (the exact bytes received, a native report or a STIX bundle) and `redaction_log` are
-- shown only to the reporting organisation; everyone the access rules admit sees
-- `sanitised`. `recipients` and `sharing_groups` are space-separated ids. The columns
-- sector .. hours_to_detect are what the statistics read (from the sanitised report:
-- `loss_band` is a band, never an amount; `region` the incident's country, else the
-- owner's State). `month` is first_seen as YYYY-MM.
CREATE TABLE incident_reports (
  id TEXT PRIMARY KEY,
  organisation TEXT NOT NULL REFERENCES organisations(id),
  owner_state TEXT NOT NULL,
  submitted_by TEXT NOT NULL,
  format TEXT NOT NULL,
  submitted TEXT NOT NULL,
  original TEXT NOT NULL,
  sanitised TEXT NOT NULL,
  redaction_log TEXT NOT NULL,
  rules TEXT NOT NULL,
  tlp TEXT NOT NULL,
  recipients TEXT NOT NULL,
  sharing_groups TEXT NOT NULL,
  national_only BIGINT NOT NULL,
  sector TEXT NOT NULL,
  region TEXT NOT NULL,
  attack_type TEXT NOT NULL,
  month TEXT NOT NULL,
  loss_band TEXT,
  loss_currency TEXT,
  hours_to_detect DOUBLE PRECISION,
  created_at TEXT NOT NULL,
  version BIGINT NOT NULL
);
CREATE INDEX incident_reports_organisation ON incident_reports(organisation, id);

-- Indicator values of sanitised reports, interned once: `id` is the hex SHA-256 of
-- "<type>\n<canonical value>" (values may be longer than an index entry allows).
CREATE TABLE incident_values (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  value TEXT NOT NULL
);

-- Which report holds which value: what the in-memory correlation index is rebuilt from.
CREATE TABLE incident_report_values (
  report TEXT NOT NULL REFERENCES incident_reports(id),
  value_id TEXT NOT NULL REFERENCES incident_values(id),
  PRIMARY KEY (report, value_id)
);
CREATE INDEX incident_report_values_value ON incident_report_values(value_id);

-- Named sets of organisations a report may be restricted to. `id` is the name reports use
-- (1-64 of a-z 0-9 _ -); the owner organisation manages the members.
CREATE TABLE sharing_groups (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  owner TEXT NOT NULL REFERENCES organisations(id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version BIGINT NOT NULL
);

CREATE TABLE sharing_group_members (
  sharing_group TEXT NOT NULL REFERENCES sharing_groups(id),
  organisation TEXT NOT NULL REFERENCES organisations(id),
  added_at TEXT NOT NULL,
  PRIMARY KEY (sharing_group, organisation)
);
CREATE INDEX sharing_group_members_organisation ON sharing_group_members(organisation);

-- Early-warning subscriptions. Each criterion is a JSON array of strings; an empty array
-- matches anything. `channels`: space-separated subset of "stream webhook".
CREATE TABLE incident_subscriptions (
  id TEXT PRIMARY KEY,
  organisation TEXT NOT NULL REFERENCES organisations(id),
  sectors TEXT NOT NULL,
  regions TEXT NOT NULL,
  attack_types TEXT NOT NULL,
  products TEXT NOT NULL,
  indicator_types TEXT NOT NULL,
  channels TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX incident_subscriptions_organisation ON incident_subscriptions(organisation);
