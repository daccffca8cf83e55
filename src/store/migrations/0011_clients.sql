-- Client relations: `client` receives cybersecurity services from `provider` — the
-- "clients" of TLP 2.0 ("people or entities that receive cybersecurity services from an
-- organization"). A TLP:AMBER report without sharing groups also reaches the clients of
-- the reporting organisation (doc/sharing.md). Only the node's administrators record a relation (the
-- Agency verifies it), because it widens who reads AMBER reports. Portable dialect: see
-- doc/storage.md.
CREATE TABLE organisation_clients (
  provider TEXT NOT NULL REFERENCES organisations(id),
  client TEXT NOT NULL REFERENCES organisations(id),
  created_at TEXT NOT NULL,
  PRIMARY KEY (provider, client)
);
CREATE INDEX organisation_clients_by_client ON organisation_clients (client);
