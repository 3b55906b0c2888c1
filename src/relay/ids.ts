import { blake3 } from "@noble/hashes/blake3.js";
import type { Id } from "../store/records.ts";

/** acker_id / sender of what the server itself makes (receipts of expiry and revocation): 32 zero bytes. */
export const SERVER_ID: Id = new Uint8Array(32);

/** An id as lowercase hex: map keys, logs and `ref` texts. */
export function idHex(id: Id): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString("hex");
}

/** Byte-wise equality of two ids. */
export function sameId(a: Id, b: Id): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

/** device_id = BLAKE3(Ed25519 public key) (NCP-1 §3). */
export function deviceIdOf(publicKey: Uint8Array): Id {
  return blake3(publicKey);
}
