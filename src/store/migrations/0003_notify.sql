-- Notification: the durable event log that server-sent event streams replay, the webhooks
-- organisations register, and one delivery record per (event, webhook). Formats and
-- delivery rules: doc/notify.md. Portable dialect: see doc/storage.md.

-- Events in commit order. `seq` is taken from event_state in the appending transaction
-- (like audit_state), so on every node sharing the database a larger seq was committed
-- later and readers that follow seq never skip an event. `recipient` is the organisation
-- the event is addressed to; '*' is every authenticated caller. `data` is the event's JSON.
-- `stream` is 1 when the event is pushed to server-sent event streams (it is always in the
-- recipient's inbox, GET /api/v1/events).
CREATE TABLE events (
  seq BIGINT PRIMARY KEY,
  created_at TEXT NOT NULL,
  recipient TEXT NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  data TEXT NOT NULL,
  stream BIGINT NOT NULL
);
CREATE INDEX events_recipient_seq ON events(recipient, seq);

CREATE TABLE event_state (
  id BIGINT PRIMARY KEY,
  last_seq BIGINT NOT NULL
);
INSERT INTO event_state (id, last_seq) VALUES (1, 0);

-- `kinds` is a space-separated list of event kinds, or '*' for all. The secret is needed
-- to sign each delivery, so it is stored as given (it only authenticates the node to the
-- receiver; it grants nothing on the node).
CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,
  organisation TEXT NOT NULL REFERENCES organisations(id),
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  kinds TEXT NOT NULL,
  created_at TEXT NOT NULL,
  disabled BIGINT NOT NULL
);
CREATE INDEX webhooks_organisation ON webhooks(organisation);

-- state: 'pending' (to be attempted at next_attempt_at), 'delivered' (the receiver answered
-- 2xx at delivered_at) or 'failed' (given up at the end of the retry window).
CREATE TABLE deliveries (
  event_seq BIGINT NOT NULL REFERENCES events(seq),
  webhook TEXT NOT NULL REFERENCES webhooks(id),
  state TEXT NOT NULL,
  attempts BIGINT NOT NULL,
  next_attempt_at TEXT NOT NULL,
  last_attempt_at TEXT,
  last_status BIGINT,
  last_error TEXT,
  delivered_at TEXT,
  PRIMARY KEY (event_seq, webhook)
);
CREATE INDEX deliveries_due ON deliveries(state, next_attempt_at);
CREATE INDEX deliveries_webhook ON deliveries(webhook, event_seq);
