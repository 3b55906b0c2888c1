/**
 * The send pipeline's unit of work (postgres-send.ts) in one round trip: the same row lock, guards
 * in the relay's order (notSeen, deviceUsable, queueCap, diskQuota: the quota is judged by the
 * caller) and writes as the general path, as one statement in its own transaction.
 */
const SEND_FUNCTION = `
CREATE FUNCTION norc_send(
  p_recipient bytea, p_kind text, p_message_id bytea, p_sender bytea, p_frame bytea,
  p_enqueued_at_ms bigint, p_expires_at_ms bigint, p_seen_sender bytea, p_seen_at_ms bigint,
  p_max_frames bigint, p_max_bytes bigint, p_quota_full boolean,
  p_contact_a bytea, p_contact_b bytea, p_contact_at_ms bigint, p_resolution_ms bigint
) RETURNS TABLE (o_status text, o_seq bigint, o_frames bigint, o_bytes bigint,
  o_sender bytea, o_recipient bytea, o_at_ms bigint)
LANGUAGE plpgsql AS $$
DECLARE
  d record;
  s record;
  have_device boolean;
  new_seq bigint;
  stored bigint;
  lo bytea;
  hi bytea;
BEGIN
  SELECT state, queued_frames, queued_bytes INTO d FROM devices WHERE id = p_recipient FOR UPDATE;
  have_device := FOUND;
  SELECT seen.sender, seen.recipient, seen.at_ms INTO s FROM seen WHERE message_id = p_message_id;
  IF FOUND THEN
    RETURN QUERY SELECT 'duplicate'::text, NULL::bigint, NULL::bigint, NULL::bigint, s.sender, s.recipient, s.at_ms;
    RETURN;
  END IF;
  IF NOT have_device THEN
    RETURN QUERY SELECT 'unknown_device'::text, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bytea, NULL::bytea, NULL::bigint;
    RETURN;
  END IF;
  IF d.state = 'revoked' THEN
    RETURN QUERY SELECT 'revoked'::text, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bytea, NULL::bytea, NULL::bigint;
    RETURN;
  END IF;
  IF d.queued_frames + 1 > p_max_frames OR d.queued_bytes + octet_length(p_frame) > p_max_bytes THEN
    RETURN QUERY SELECT 'queue_full'::text, NULL::bigint, d.queued_frames, d.queued_bytes, NULL::bytea, NULL::bytea, NULL::bigint;
    RETURN;
  END IF;
  IF p_quota_full THEN
    RETURN QUERY SELECT 'disk_full'::text, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bytea, NULL::bytea, NULL::bigint;
    RETURN;
  END IF;
  new_seq := nextval('entry_seq');
  INSERT INTO entries (seq, recipient, kind, message_id, sender, frame, enqueued_at_ms, expires_at_ms)
    VALUES (new_seq, p_recipient, p_kind, p_message_id, p_sender, p_frame, p_enqueued_at_ms, p_expires_at_ms);
  UPDATE devices SET queued_frames = queued_frames + 1, queued_bytes = queued_bytes + octet_length(p_frame)
    WHERE id = p_recipient;
  INSERT INTO seen (message_id, sender, recipient, at_ms, seq)
    VALUES (p_message_id, p_seen_sender, p_recipient, p_seen_at_ms, new_seq);
  SELECT last_at_ms INTO stored FROM contacts WHERE device = p_contact_a AND peer = p_contact_b;
  IF stored IS NULL OR (p_contact_at_ms > stored AND p_contact_at_ms - stored >= p_resolution_ms) THEN
    IF p_contact_a <= p_contact_b THEN lo := p_contact_a; hi := p_contact_b;
    ELSE lo := p_contact_b; hi := p_contact_a; END IF;
    INSERT INTO contacts AS c (device, peer, last_at_ms) VALUES (lo, hi, p_contact_at_ms)
      ON CONFLICT (device, peer) DO UPDATE SET last_at_ms = excluded.last_at_ms
      WHERE excluded.last_at_ms > c.last_at_ms AND excluded.last_at_ms - c.last_at_ms >= p_resolution_ms;
    IF lo <> hi THEN
      INSERT INTO contacts AS c (device, peer, last_at_ms) VALUES (hi, lo, p_contact_at_ms)
        ON CONFLICT (device, peer) DO UPDATE SET last_at_ms = excluded.last_at_ms
        WHERE excluded.last_at_ms > c.last_at_ms AND excluded.last_at_ms - c.last_at_ms >= p_resolution_ms;
    END IF;
  END IF;
  RETURN QUERY SELECT 'ok'::text, new_seq, NULL::bigint, NULL::bigint, NULL::bytea, NULL::bytea, NULL::bigint;
END
$$;
`;

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
${SEND_FUNCTION}
`,
  },
];

/** The newest Postgres schema version this binary knows. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.at(-1)?.version ?? 0;
