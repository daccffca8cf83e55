-- Halting attacks in progress: the ASNs operators run, abuse contacts from RPSL dumps,
-- attack cases with their sources (aggregated), the mitigation requests sent to each
-- responder with their DOTS status history, and escalations. Portable dialect: see
-- doc/storage.md. Rules: doc/response.md.

-- An operator's claim to an AS. Only a claim verified by the Agency (verified_at set)
-- routes mitigation requests; at most one organisation holds a verified claim per ASN
-- (checked by the service under its write lock).
CREATE TABLE operator_asns (
  asn BIGINT NOT NULL,
  organisation TEXT NOT NULL REFERENCES organisations(id),
  registered_by TEXT NOT NULL,
  registered_at TEXT NOT NULL,
  verified_by TEXT,
  verified_at TEXT,
  PRIMARY KEY (asn, organisation)
);
CREATE INDEX operator_asns_organisation ON operator_asns(organisation);

-- One RPSL text as imported: `body` is the text deflated with zlib (RFC 1950), so a
-- restart rebuilds the abuse directory from it in import order.
CREATE TABLE abuse_imports (
  id TEXT PRIMARY KEY,
  source_name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes BIGINT NOT NULL,
  body BLOB NOT NULL,
  report TEXT NOT NULL,
  imported_by TEXT NOT NULL,
  imported_at TEXT NOT NULL
);

-- The abuse contact of every aut-num, inetnum and inet6num of an import, resolved when it
-- was imported (later imports may resolve the same key differently). `object` is the
-- RPSL key ("AS3333", "193.0.0.0 - 193.0.7.255", "2001:67c:2e8::/48"); `chain` is the
-- JSON array of the objects consulted.
CREATE TABLE abuse_contacts (
  import_id TEXT NOT NULL REFERENCES abuse_imports(id),
  kind TEXT NOT NULL,
  object TEXT NOT NULL,
  asn BIGINT,
  mailbox TEXT NOT NULL,
  via TEXT NOT NULL,
  chain TEXT NOT NULL,
  PRIMARY KEY (import_id, kind, object)
);
CREATE INDEX abuse_contacts_asn ON abuse_contacts(asn);

-- An attack on a victim organisation. `target_ports` is a JSON array of
-- {"lower-port", "upper-port"}; `countries` the per-country table (JSON) as of the last
-- source batch; `capture` the capture summary (JSON) when the first batch was a pcap.
CREATE TABLE attack_cases (
  id TEXT PRIMARY KEY,
  victim TEXT NOT NULL REFERENCES organisations(id),
  opened_by TEXT NOT NULL,
  target_prefix TEXT NOT NULL,
  target_ports TEXT NOT NULL,
  target_protocol BIGINT,
  window_from TEXT NOT NULL,
  window_to TEXT NOT NULL,
  attack_time TEXT NOT NULL,
  lifetime BIGINT NOT NULL,
  dataset_id TEXT NOT NULL,
  status TEXT NOT NULL,
  sources BIGINT NOT NULL,
  duplicates BIGINT NOT NULL,
  unattributed BIGINT NOT NULL,
  countries TEXT NOT NULL,
  capture TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version BIGINT NOT NULL
);
CREATE INDEX attack_cases_victim ON attack_cases(victim);

-- The sources of a case, one row per uploaded batch: not one row per address. `sources`
-- is the batch's distinct addresses in the packed form of doc/response.md (sorted, IPv4
-- as varint deltas, IPv6 as 16 bytes each) deflated with zlib.
CREATE TABLE attack_source_batches (
  case_id TEXT NOT NULL REFERENCES attack_cases(id),
  seq BIGINT NOT NULL,
  input TEXT NOT NULL,
  addresses BIGINT NOT NULL,
  rejected_lines BIGINT NOT NULL,
  sources BLOB NOT NULL,
  received_at TEXT NOT NULL,
  received_by TEXT NOT NULL,
  PRIMARY KEY (case_id, seq)
);

-- Organisations told about a case: the 24/7 law-enforcement contact of each country
-- with sources.
CREATE TABLE attack_notices (
  case_id TEXT NOT NULL REFERENCES attack_cases(id),
  organisation TEXT NOT NULL REFERENCES organisations(id),
  country TEXT NOT NULL,
  notified_at TEXT NOT NULL,
  PRIMARY KEY (case_id, organisation, country)
);

-- One DOTS mitigation request per responder of a case. `scope` is the RFC 9132
-- mitigation-scope JSON sent (its source-prefix list is the aggregation); `groups` the
-- JSON array of (AS, country, sources) it covers; `chain` the JSON escalation chain fixed
-- when it was created; `escalated` the highest chain index notified so far. `state`,
-- `status` and the counters mirror the replay of mitigation_events (the truth).
CREATE TABLE mitigation_requests (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES attack_cases(id),
  mid BIGINT NOT NULL,
  responder TEXT NOT NULL REFERENCES organisations(id),
  rung TEXT NOT NULL,
  scope TEXT NOT NULL,
  groups_json TEXT NOT NULL,
  asns BIGINT NOT NULL,
  sources BIGINT NOT NULL,
  prefixes BIGINT NOT NULL,
  over_coverage TEXT NOT NULL,
  abuse TEXT NOT NULL,
  chain TEXT NOT NULL,
  escalated BIGINT NOT NULL,
  state TEXT NOT NULL,
  status BIGINT,
  bytes_dropped BIGINT NOT NULL,
  pkts_dropped BIGINT NOT NULL,
  attack_status BIGINT,
  sent_at TEXT NOT NULL,
  acknowledged_at TEXT,
  acknowledged_by TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version BIGINT NOT NULL
);
CREATE UNIQUE INDEX mitigation_requests_case_responder ON mitigation_requests(case_id, responder);
CREATE INDEX mitigation_requests_responder ON mitigation_requests(responder);
CREATE INDEX mitigation_requests_state ON mitigation_requests(state);

-- Everything that happened to a request, in order: "send", "ack", "status" (DOTS status
-- 1..8 with the drop counters), "efficacy" (attack-status 1..2), "withdraw", "scope"
-- (new sources changed the source-prefix list).
CREATE TABLE mitigation_events (
  request_id TEXT NOT NULL REFERENCES mitigation_requests(id),
  seq BIGINT NOT NULL,
  kind TEXT NOT NULL,
  event_at TEXT NOT NULL,
  actor_member TEXT NOT NULL,
  actor_organisation TEXT NOT NULL,
  status BIGINT,
  bytes_dropped BIGINT,
  pkts_dropped BIGINT,
  bps_dropped BIGINT,
  pps_dropped BIGINT,
  attack_status BIGINT,
  note TEXT,
  PRIMARY KEY (request_id, seq)
);

-- Each rung of the escalation chain notified because the request was not acknowledged
-- in time.
CREATE TABLE mitigation_escalations (
  request_id TEXT NOT NULL REFERENCES mitigation_requests(id),
  chain_index BIGINT NOT NULL,
  organisation TEXT NOT NULL REFERENCES organisations(id),
  contact TEXT,
  due_at TEXT NOT NULL,
  escalated_at TEXT NOT NULL,
  PRIMARY KEY (request_id, chain_index)
);
