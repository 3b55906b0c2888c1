import { RecordCipher } from "../protocol/record.ts";
import { acceptClientHello, type ServerIdentity } from "../protocol/server-handshake.ts";
import type { SessionKeys } from "./session-state.ts";

/**
 * Answers a ClientHello (§4.8): the ServerHello to send, and the record keys of both directions;
 * the master secret is wiped. Throws ProtocolError as the handshake does.
 */
export function acceptHello(frame: Uint8Array, identity: ServerIdentity, nowMs: number) {
  const handshake = acceptClientHello(frame, identity, { nowMs });
  const session: SessionKeys = {
    rx: new RecordCipher(handshake.keys.clientToServer, handshake.th),
    tx: new RecordCipher(handshake.keys.serverToClient, handshake.th),
    th: handshake.th,
    major: handshake.version.major,
    algset: handshake.algset,
  };
  handshake.keys.masterSecret.fill(0);
  const { major, minor, patch } = handshake.version;
  return {
    keys: { serverHello: handshake.serverHello, session },
    version: `${major}.${minor}.${patch}`,
    algset: handshake.algset,
  };
}
