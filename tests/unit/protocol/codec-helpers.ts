import { ed25519PrivateKey } from "../../../src/protocol/keys.ts";
import { ProtocolError } from "../../../src/protocol/protocol-error.ts";
import { DEVICE_B_SEED } from "./messaging-vectors.ts";
import { V } from "./vectors.ts";

/** The NCP-1 error code `run` throws (a ProtocolError), or "none" when it returns. */
export function codeOf(run: () => unknown): number | "none" {
  try {
    run();
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
  return "none";
}

/** Device A, device B and the server identity of §11.1 as private keys. */
export const keyA = ed25519PrivateKey(V.deviceASeed);
export const keyB = ed25519PrivateKey(DEVICE_B_SEED);
export const keyIks = ed25519PrivateKey(V.iksSeed);

/** A fixed stamp: timestamp T0, message_id 32 × `fill`. */
export function stampAt(fill: number, timestampMs = V.t0) {
  return { timestampMs, messageId: new Uint8Array(32).fill(fill) };
}

/** `frame` with one byte XOR-ed with 0x01 (a copy). */
export function flipByte(frame: Uint8Array, offset: number): Uint8Array {
  const out = frame.slice();
  out[offset] = (out[offset] as number) ^ 0x01;
  return out;
}
