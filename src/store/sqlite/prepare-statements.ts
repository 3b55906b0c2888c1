import type { Database } from "bun:sqlite";
import {
  DEVICE_COLUMNS,
  type DeviceRow,
  ENTRY_COLUMNS,
  type EntryRow,
  type PresenceRow,
  type SeenRow,
} from "./rows.ts";

type Blob = Uint8Array;

/** Every statement the sqlite store runs, prepared once per connection. */
export function prepareStatements(db: Database) {
  return {
    getDevice: db.prepare<DeviceRow, [Blob]>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE id = ?`),
    devicesOfUser: db.prepare<DeviceRow, [string]>(
      `SELECT ${DEVICE_COLUMNS} FROM devices WHERE user_id = ? ORDER BY registered_at_ms, id`,
    ),
    allDevices: db.prepare<DeviceRow, []>(
      `SELECT ${DEVICE_COLUMNS} FROM devices ORDER BY registered_at_ms, id`,
    ),
    deviceState: db.prepare<{ state: string }, [Blob]>("SELECT state FROM devices WHERE id = ?"),
    allEntrySeqs: db.prepare<{ recipient: string; seq: number; frame_bytes: number }, []>(
      "SELECT lower(hex(recipient)) AS recipient, seq, frame_bytes FROM entries ORDER BY seq",
    ),
    expired: db.prepare<EntryRow, [number, number]>(
      `SELECT ${ENTRY_COLUMNS} FROM entries WHERE expires_at_ms <= ? ORDER BY expires_at_ms, seq LIMIT ?`,
    ),
    seenRow: db.prepare<SeenRow, [number]>(
      "SELECT id, message_id, sender, recipient, at_ms, seq FROM seen WHERE id = ?",
    ),
    seenKeys: db.prepare<{ id: number; key: string }, []>(
      "SELECT id, hex(substr(message_id, 1, 6)) AS key FROM seen",
    ),
    entryBySeq: db.prepare<EntryRow, [number]>(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE seq = ?`),
    contactsOf: db.prepare<{ peer: Blob; last_at_ms: number }, [Blob, number]>(
      "SELECT peer, last_at_ms FROM contacts WHERE device = ? AND last_at_ms >= ?",
    ),
    getPresence: db.prepare<PresenceRow, [Blob]>(
      "SELECT device, status, frame, at_ms FROM presence WHERE device = ?",
    ),
    insertEntry: db.prepare<never, [number, Blob, string, Blob, Blob, Blob, number, number, number, number]>(
      `INSERT INTO entries (${ENTRY_COLUMNS}, frame_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    deleteEntry: db.prepare<never, [number]>("DELETE FROM entries WHERE seq = ?"),
    insertSeen: db.prepare<never, [Blob, Blob, Blob, number, number | null]>(
      "INSERT INTO seen (message_id, sender, recipient, at_ms, seq) VALUES (?, ?, ?, ?, ?)",
    ),
    contactAt: db.prepare<{ last_at_ms: number }, [Blob, Blob]>(
      "SELECT last_at_ms FROM contacts WHERE device = ? AND peer = ?",
    ),
    touchContact: db.prepare<never, [Blob, Blob, number]>(
      `INSERT INTO contacts (device, peer, last_at_ms) VALUES (?, ?, ?)
       ON CONFLICT (device, peer) DO UPDATE SET last_at_ms = max(last_at_ms, excluded.last_at_ms)`,
    ),
    putDevice: db.prepare<never, [Blob, Blob, string, string, string, number, number, number]>(
      `INSERT INTO devices (${DEVICE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET public_key = excluded.public_key, user_id = excluded.user_id,
         state = excluded.state, info = excluded.info, capabilities = excluded.capabilities,
         registered_at_ms = excluded.registered_at_ms, updated_at_ms = excluded.updated_at_ms`,
    ),
    setDeviceState: db.prepare<never, [string, number, Blob]>(
      "UPDATE devices SET state = ?, updated_at_ms = ? WHERE id = ?",
    ),
    putPresence: db.prepare<never, [Blob, number, Blob, number]>(
      `INSERT INTO presence (device, status, frame, at_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (device) DO UPDATE SET status = excluded.status, frame = excluded.frame, at_ms = excluded.at_ms`,
    ),
    pruneSeen: db.prepare<{ id: number; message_id: Blob }, [number]>(
      `DELETE FROM seen WHERE at_ms < ? AND (seq IS NULL OR NOT EXISTS (SELECT 1 FROM entries WHERE entries.seq = seen.seq))
       RETURNING id, message_id`,
    ),
    pruneContacts: db.prepare<never, [number]>("DELETE FROM contacts WHERE last_at_ms < ?"),
    maxSeq: db.prepare<{ seq: number | null }, []>("SELECT max(seq) AS seq FROM entries"),
    savedSeq: db.prepare<{ value: number }, []>("SELECT value FROM store_meta WHERE key = 'last_seq'"),
    saveSeq: db.prepare<never, [number]>(
      `INSERT INTO store_meta (key, value) VALUES ('last_seq', ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ),
  };
}

/** The prepared statements of one connection. */
export type Statements = ReturnType<typeof prepareStatements>;
