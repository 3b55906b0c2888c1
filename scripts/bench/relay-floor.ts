import { Database } from "bun:sqlite";
import { createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";

/** Sizes on the wire of the benchmark: a 0x10 with a 1 KiB payload, and a 0x11. */
export const SEND_FRAME_BYTES = 48 + 140 + 1024 + 64;
export const ACK_FRAME_BYTES = 48 + 105 + 64;

/** The floor per routed message, in CPU µs, by part. */
export interface RelayFloor {
  /** Open the 0x10 record, verify it, seal it for the recipient; open and verify the ack, seal its forward. */
  cryptoUs: number;
  /** The status-0 ack to the sender: sign with IKs and seal (unavoidable too, listed apart). */
  serverAckUs: number;
  /** bun:sqlite WAL synchronous=FULL: the message inserted, then deleted, in batches of `batch`. */
  commitUs: number;
  batch: number;
}

/** Mean CPU µs per call of `run` over about `budgetMs` of calls (after a warm-up). */
export function cpuMicros(run: () => unknown, budgetMs = 400): number {
  for (let i = 0; i < 200; i++) run();
  let calls = 0;
  const before = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < budgetMs) {
    run();
    calls++;
  }
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / calls;
}

/** One record: noble ChaCha20-Poly1305 with the record layer's key, nonce and 88-byte AAD (§5). */
function recordCosts(size: number): { seal: () => Uint8Array; open: () => Uint8Array } {
  const key = new Uint8Array(32).fill(1);
  const nonce = new Uint8Array(12);
  const aad = new Uint8Array(88).fill(2);
  const sealed = chacha20poly1305(key, nonce, aad).encrypt(new Uint8Array(size - 48));
  return {
    seal: () => chacha20poly1305(key, nonce, aad).encrypt(new Uint8Array(size - 48)),
    open: () => chacha20poly1305(key, nonce, aad).decrypt(sealed),
  };
}

/** The unavoidable native work per message: record layer, Ed25519 with cached KeyObjects. */
export function cryptoFloor(): { cryptoUs: number; serverAckUs: number } {
  const device = generateKeyPairSync("ed25519");
  const publicKey = createPublicKey(device.privateKey);
  const send = new Uint8Array(SEND_FRAME_BYTES - 64).fill(3);
  const ack = new Uint8Array(ACK_FRAME_BYTES - 64).fill(4);
  const sendSignature = sign(null, send, device.privateKey);
  const ackSignature = sign(null, ack, device.privateKey);
  const sendRecord = recordCosts(SEND_FRAME_BYTES);
  const ackRecord = recordCosts(ACK_FRAME_BYTES);
  const cryptoUs = cpuMicros(() => {
    sendRecord.open();
    verify(null, send, publicKey, sendSignature);
    sendRecord.seal();
    ackRecord.open();
    verify(null, ack, publicKey, ackSignature);
    ackRecord.seal();
  });
  const serverAckUs = cpuMicros(() => {
    sign(null, ack, device.privateKey);
    ackRecord.seal();
  });
  return { cryptoUs, serverAckUs };
}

/** CPU µs per message of a durable insert and a durable delete, each committed in batches of `batch`. */
export function commitFloor(batch: number, messages = 20_000): number {
  const dir = mkdtempSync(join(tmpdir(), "norc-floor-"));
  const db = new Database(join(dir, "floor.db"));
  try {
    db.run("PRAGMA journal_mode=WAL");
    db.run("PRAGMA synchronous=FULL");
    db.run("CREATE TABLE queue (recipient BLOB, seq INTEGER, frame BLOB, PRIMARY KEY (recipient, seq))");
    const insert = db.prepare("INSERT INTO queue VALUES (?, ?, ?)");
    const remove = db.prepare("DELETE FROM queue WHERE recipient = ? AND seq = ?");
    const recipient = new Uint8Array(32).fill(5);
    const frame = new Uint8Array(SEND_FRAME_BYTES).fill(6);
    const size = Math.max(1, Math.round(batch));
    const before = process.cpuUsage();
    for (let first = 0; first < messages; first += size) {
      const last = Math.min(messages, first + size);
      db.transaction(() => {
        for (let seq = first; seq < last; seq++) insert.run(recipient, seq, frame);
      })();
      db.transaction(() => {
        for (let seq = first; seq < last; seq++) remove.run(recipient, seq);
      })();
    }
    const cpu = process.cpuUsage(before);
    return (cpu.user + cpu.system) / messages;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The whole floor at the batch size the server achieved. */
export function relayFloor(batch: number): RelayFloor {
  return { ...cryptoFloor(), commitUs: commitFloor(batch), batch };
}
