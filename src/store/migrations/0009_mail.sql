-- E-mail delivery of events through the node's SMTP relay: the addresses an organisation
-- registers, and one delivery record per (event, address). Rules: doc/notify.md "E-mail".
-- Portable dialect: see doc/storage.md.

-- `address` is an RFC 5321 mailbox (addr-spec, ASCII), validated by notify::ValidateMailAddress.
-- `kinds` is a space-separated list of event kinds, or '*' for all (as for webhooks).
CREATE TABLE mail_recipients (
  id TEXT PRIMARY KEY,
  organisation TEXT NOT NULL REFERENCES organisations(id),
  address TEXT NOT NULL,
  kinds TEXT NOT NULL,
  created_at TEXT NOT NULL,
  disabled BIGINT NOT NULL
);
CREATE INDEX mail_recipients_organisation ON mail_recipients(organisation);

-- state: 'pending' (to be attempted at next_attempt_at), 'delivered' (the relay accepted the
-- message at delivered_at) or 'failed' (a permanent 5xx reply, the end of the retry window,
-- or the recipient disabled). last_reply is the last SMTP reply code the relay gave. Every
-- attempt carries the same Message-ID, <event_seq.recipient@domain of smtp_from>.
CREATE TABLE mail_deliveries (
  event_seq BIGINT NOT NULL REFERENCES events(seq),
  recipient TEXT NOT NULL REFERENCES mail_recipients(id),
  state TEXT NOT NULL,
  attempts BIGINT NOT NULL,
  next_attempt_at TEXT NOT NULL,
  last_attempt_at TEXT,
  last_reply BIGINT,
  last_error TEXT,
  delivered_at TEXT,
  PRIMARY KEY (event_seq, recipient)
);
CREATE INDEX mail_deliveries_due ON mail_deliveries(state, next_attempt_at);
CREATE INDEX mail_deliveries_recipient ON mail_deliveries(recipient, event_seq);
