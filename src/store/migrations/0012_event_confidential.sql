-- Confidential events: only their recipient organisation reads their data. Administrators
-- reading every organisation's events (?all=true on /api/v1/events and /api/v1/stream) see
-- such an event without it — e.g. the warning about an incident report kept national, which
-- the Agency itself may not read (doc/notify.md, doc/sharing.md). Portable dialect: see
-- doc/storage.md.
ALTER TABLE events ADD COLUMN confidential BIGINT NOT NULL DEFAULT 0;
