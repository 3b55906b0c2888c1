/** One step of the Postgres schema: applied once, in version order, in the migration's transaction. */
export interface PostgresMigration {
  version: number;
  sql: string;
}

/**
 * The schema history of the Postgres store. Never edit a released step: add the next one. Queue
 * totals live on the device row, which every enqueue and delete locks first (FOR UPDATE): that
 * serializes one recipient's enqueues across instances, so its seqs grow in commit order, and it
 * keeps the queueCap guard exact without counting the queue.
 */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE devices (
  id bytea PRIMARY KEY,
  public_key bytea NOT NULL,
  user_id text NOT NULL,
  state text NOT NULL CHECK (state IN ('registered', 'active', 'suspended', 'revoked')),
  info text NOT NULL,
  capabilities integer NOT NULL,
  registered_at_ms bigint NOT NULL,
  updated_at_ms bigint NOT NULL,
  queued_frames bigint NOT NULL DEFAULT 0,
  queued_bytes bigint NOT NULL DEFAULT 0
);
CREATE INDEX devices_by_user ON devices (user_id, registered_at_ms, id);
CREATE SEQUENCE entry_seq AS bigint;
CREATE TABLE entries (
  seq bigint PRIMARY KEY,
  recipient bytea NOT NULL REFERENCES devices (id),
  kind text NOT NULL CHECK (kind IN ('message', 'receipt')),
  message_id bytea NOT NULL,
  sender bytea NOT NULL,
  frame bytea NOT NULL,
  enqueued_at_ms bigint NOT NULL,
  expires_at_ms bigint NOT NULL
);
-- E2E ciphertext does not compress (MESSAGING.md): keep TOAST from trying.
ALTER TABLE entries ALTER COLUMN frame SET STORAGE EXTERNAL;
CREATE INDEX entries_by_recipient ON entries (recipient, seq);
CREATE INDEX entries_by_expiry ON entries (expires_at_ms, seq);
CREATE TABLE seen (
  message_id bytea PRIMARY KEY,
  sender bytea NOT NULL,
  recipient bytea NOT NULL,
  at_ms bigint NOT NULL,
  seq bigint
);
CREATE INDEX seen_by_time ON seen (at_ms);
CREATE TABLE contacts (
  device bytea NOT NULL,
  peer bytea NOT NULL,
  last_at_ms bigint NOT NULL,
  PRIMARY KEY (device, peer)
);
CREATE INDEX contacts_by_time ON contacts (last_at_ms);
CREATE TABLE presence (
  device bytea PRIMARY KEY REFERENCES devices (id),
  status integer NOT NULL,
  frame bytea NOT NULL,
  at_ms bigint NOT NULL
);
CREATE TABLE instances (
  name text PRIMARY KEY,
  started_at_ms bigint NOT NULL,
  heartbeat_at_ms bigint NOT NULL
);
-- A released lease keeps its row (instance NULL) so the next epoch is still previous + 1.
CREATE TABLE leases (
  device bytea PRIMARY KEY,
  instance text,
  epoch bigint NOT NULL,
  taken_at_ms bigint NOT NULL
);
CREATE INDEX leases_by_instance ON leases (instance) WHERE instance IS NOT NULL;
CREATE TABLE auth_lockout (
  key text PRIMARY KEY,
  failures_ms bigint[] NOT NULL,
  locked_until_ms bigint NOT NULL,
  stale_at_ms bigint NOT NULL
);
CREATE INDEX auth_lockout_by_staleness ON auth_lockout (stale_at_ms);
`,
  },
];

/** The newest Postgres schema version this binary knows. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.at(-1)?.version ?? 0;
