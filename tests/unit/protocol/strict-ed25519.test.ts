import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { concatBytes, utf8 } from "../../../src/protocol/bytes.ts";
import {
  ed25519PrivateKey,
  rawPublicKey,
  signEd25519,
  verifyEd25519Raw,
} from "../../../src/protocol/keys.ts";
import { montgomerySecret } from "../../../src/protocol/montgomery.ts";
import { FIELD_P, isStrictPoint, verifyStrict } from "../../../src/protocol/strict-ed25519.ts";
import { V } from "./vectors.ts";

const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function le(value: bigint, signBit = false): Uint8Array {
  const out = new Uint8Array(32);
  let rest = value;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  if (signBit) out[31] = (out[31] as number) | 0x80;
  return out;
}

function leInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] as number);
  return n;
}

/**
 * A signature (R = [s]B, S = s) that a cofactorless verifier accepts under a key A of order
 * dividing 8 whenever k = H(R ‖ A ‖ M) mod L is a multiple of 8: [S]B = R + [k]A = R.
 */
function forge(key: Uint8Array): { message: Uint8Array; signature: Uint8Array } {
  const seed = new Uint8Array(32).fill(7);
  const r = rawPublicKey(ed25519PrivateKey(seed));
  const s = leInt(montgomerySecret(seed)) % L;
  const signature = concatBytes(r, le(s));
  for (let i = 0; i < 256; i++) {
    const message = utf8(`forged message ${i}`);
    const k =
      leInt(
        createHash("sha512")
          .update(concatBytes(r, key, message))
          .digest(),
      ) % L;
    if (k % 8n === 0n) return { message, signature };
  }
  throw new Error("no message with k ≡ 0 mod 8 found");
}

const Y8 = 0x05fc536d880238b13933c6d305acdfd5f098eff289f4c345b027b2c28f95e826n;
const smallOrder: [string, Uint8Array][] = [
  ["identity (order 1)", le(1n)],
  ["order 2", le(FIELD_P - 1n)],
  ["order 4, x even", le(0n)],
  ["order 4, x odd", le(0n, true)],
  ["order 8 (y8, x even)", le(Y8)],
  ["order 8 (y8, x odd)", le(Y8, true)],
  ["order 8 (p − y8, x even)", le(FIELD_P - Y8)],
  ["order 8 (p − y8, x odd)", le(FIELD_P - Y8, true)],
  ["identity, non-canonical y = p + 1", le(FIELD_P + 1n)],
];

describe("strict Ed25519 (§6.1)", () => {
  test("a genuine signature verifies (D2, RFC 8032 TEST 1 key)", () => {
    const message = utf8("strict");
    const signature = signEd25519(ed25519PrivateKey(V.deviceASeed), message);
    expect(verifyStrict(V.deviceAPublic, message, signature)).toBe(true);
    expect(verifyStrict(V.deviceAPublic, utf8("strict!"), signature)).toBe(false);
  });

  test.each(smallOrder)("%s: node accepts a forgery, the strict check refuses it", (_name, key) => {
    const { message, signature } = forge(key);
    expect(verifyEd25519Raw(key, message, signature)).toBe(true);
    expect(isStrictPoint(key)).toBe(false);
    expect(verifyStrict(key, message, signature)).toBe(false);
  });

  test("non-canonical encodings (y ≥ p) are refused, canonical neighbours are not", () => {
    for (let c = 2n; c < 19n; c++) expect(isStrictPoint(le(FIELD_P + c))).toBe(false);
    expect(isStrictPoint(le(2n ** 255n - 1n))).toBe(false);
    expect(isStrictPoint(le(FIELD_P - 2n))).toBe(true);
    expect(isStrictPoint(V.deviceBPublic)).toBe(true);
    expect(isStrictPoint(new Uint8Array(31))).toBe(false);
  });

  test("a small-order R is refused even under a good key", () => {
    const message = utf8("r");
    const signature = signEd25519(ed25519PrivateKey(V.deviceASeed), message);
    const bad = concatBytes(le(1n), signature.subarray(32));
    expect(verifyStrict(V.deviceAPublic, message, bad)).toBe(false);
  });

  test("S ≥ L is refused (S + L of a valid signature)", () => {
    const message = utf8("malleable");
    const signature = signEd25519(ed25519PrivateKey(V.deviceASeed), message);
    const s = leInt(signature.subarray(32)) + L;
    expect(s < 2n ** 256n).toBe(true);
    expect(verifyStrict(V.deviceAPublic, message, concatBytes(signature.subarray(0, 32), le(s)))).toBe(false);
  });
});
