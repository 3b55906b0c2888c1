import type { RecordCipher } from "../protocol/record.ts";
import type { LiveDevice } from "./live-device.ts";

/** The keys and transcript of a completed handshake (§4.6), for records in both directions. */
export interface SessionKeys {
  rx: RecordCipher;
  tx: RecordCipher;
  th: Uint8Array;
  /** The negotiated major version, the header `version` of every later frame. */
  major: number;
  /** The negotiated ALGSET string (logged with the session, §7.2). */
  algset: string;
}

/**
 * The §7.1 server states of one connection. CLOSING keeps the send key so a last error frame can
 * still be sealed.
 */
export type SessionState =
  | { kind: "await_hello" }
  | { kind: "keyed"; keys: SessionKeys }
  | { kind: "authenticated"; keys: SessionKeys; live: LiveDevice }
  | { kind: "closing"; keys?: SessionKeys };
