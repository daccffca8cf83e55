-- The legal cooperation network: requests between the 24/7 contacts and the central
-- authorities of two States (preservation, disclosure, mutual legal assistance,
-- extradition, spontaneous information, notification), each with its assessment, and
-- every transition of each. Portable dialect: see doc/storage.md. Rules:
-- doc/legal_network.md.

-- `request` is the engine's request (doc/legal.md, "Request") as sent; `assessment` the
-- engine's answer to it, taken when the request was created and again when it was sent.
-- `sender` and `recipient` are organisations (law-enforcement-247 or central-authority).
-- `data_categories`: space-separated subset of "subscriber traffic content".
-- Timers: `ack_due_at` is when the recipient must have acknowledged (NULL once it has, or
-- once every contact was tried); `contact` the recipient's contact last called, at
-- `escalation_level` (0 = the first in escalation order). `preservation_expires_at` (kind
-- preservation only) is when the preserved data may be released unless a linked follow-up
-- is pending; `preservation_extended_at` is when the node found one pending at that time.
CREATE TABLE legal_requests (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  requesting_state TEXT NOT NULL REFERENCES states(code),
  requested_state TEXT NOT NULL REFERENCES states(code),
  sender TEXT NOT NULL REFERENCES organisations(id),
  recipient TEXT NOT NULL REFERENCES organisations(id),
  request TEXT NOT NULL,
  assessment TEXT NOT NULL,
  outcome TEXT NOT NULL,
  state TEXT NOT NULL,
  urgent BIGINT NOT NULL,
  proportionality TEXT,
  judicial_authorisation TEXT,
  data_categories TEXT NOT NULL,
  conditions TEXT,
  linked_request TEXT REFERENCES legal_requests(id),
  ack_due_at TEXT,
  contact TEXT,
  escalation_level BIGINT NOT NULL,
  preservation_expires_at TEXT,
  preservation_extended_at TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  sent_at TEXT,
  updated_at TEXT NOT NULL,
  version BIGINT NOT NULL
);
CREATE INDEX legal_requests_sender ON legal_requests(sender, id);
CREATE INDEX legal_requests_recipient ON legal_requests(recipient, id);
CREATE INDEX legal_requests_linked ON legal_requests(linked_request);
CREATE INDEX legal_requests_ack_due ON legal_requests(ack_due_at);
CREATE INDEX legal_requests_preservation ON legal_requests(preservation_expires_at);

-- One row per transition, numbered 1, 2, ... per request. `actor_member` is "system" for the
-- node's timers. `grounds`: space-separated refusal grounds (doc/legal_network.md).
CREATE TABLE legal_transitions (
  request TEXT NOT NULL REFERENCES legal_requests(id),
  seq BIGINT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  actor_member TEXT NOT NULL,
  actor_organisation TEXT NOT NULL,
  reasons TEXT,
  grounds TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (request, seq)
);
