/** One step of the schema: applied once, in version order, inside a transaction. */
export interface Migration {
  version: number;
  sql: string;
}

/**
 * The schema history. Never edit a released step: add the next one. Hot-path tables are appended
 * in commit order; the lookups a B-tree would serve with a page write per message are in memory,
 * rebuilt at open: QueueIndex (recipient -> seqs, from `entries`) and SeenIndex (message id -> row of
 * `seen`, whose `seq` links the entry sent with it).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE devices (
  id BLOB PRIMARY KEY,
  public_key BLOB NOT NULL,
  user_id TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('registered', 'active', 'suspended', 'revoked')),
  info TEXT NOT NULL,
  capabilities INTEGER NOT NULL,
  registered_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX devices_by_user ON devices (user_id, registered_at_ms, id);
CREATE TABLE entries (
  seq INTEGER PRIMARY KEY,
  recipient BLOB NOT NULL REFERENCES devices (id),
  kind TEXT NOT NULL CHECK (kind IN ('message', 'receipt')),
  message_id BLOB NOT NULL,
  sender BLOB NOT NULL,
  frame BLOB NOT NULL,
  frame_bytes INTEGER NOT NULL,
  enqueued_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL
);
CREATE INDEX entries_by_expiry ON entries (expires_at_ms);
CREATE TABLE seen (
  id INTEGER PRIMARY KEY,
  message_id BLOB NOT NULL,
  sender BLOB NOT NULL,
  recipient BLOB NOT NULL,
  at_ms INTEGER NOT NULL,
  seq INTEGER
);
CREATE INDEX seen_by_time ON seen (at_ms);
CREATE TABLE contacts (
  device BLOB NOT NULL,
  peer BLOB NOT NULL,
  last_at_ms INTEGER NOT NULL,
  PRIMARY KEY (device, peer)
) WITHOUT ROWID;
CREATE TABLE presence (
  device BLOB PRIMARY KEY REFERENCES devices (id),
  status INTEGER NOT NULL,
  frame BLOB NOT NULL,
  at_ms INTEGER NOT NULL
);
CREATE TABLE store_meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
`,
  },
  {
    version: 2,
    sql: `
-- storage.compression_enabled: a frame kept zstd-compressed (only where that saves >= 10 %) has 1.
ALTER TABLE entries ADD COLUMN frame_zstd INTEGER NOT NULL DEFAULT 0;
`,
  },
  {
    version: 3,
    sql: `
-- The cluster ports (store/cluster-ports.ts) on one node: session leases with epochs (a released
-- lease keeps its row, instance NULL, so epochs never repeat), instance heartbeats, §6.3 lockout.
CREATE TABLE leases (
  device BLOB PRIMARY KEY,
  instance TEXT,
  epoch INTEGER NOT NULL,
  taken_at_ms INTEGER NOT NULL
);
CREATE TABLE instances (
  name TEXT PRIMARY KEY,
  started_at_ms INTEGER NOT NULL,
  heartbeat_at_ms INTEGER NOT NULL
);
CREATE TABLE auth_lockout (
  key TEXT PRIMARY KEY,
  failures_ms TEXT NOT NULL,
  locked_until_ms INTEGER NOT NULL,
  stale_at_ms INTEGER NOT NULL
);
CREATE INDEX auth_lockout_by_staleness ON auth_lockout (stale_at_ms);
`,
  },
];

/** The newest schema version this binary knows. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
