import { createHash } from "node:crypto";
import { encodedY, FIELD_P, isStrictPoint } from "./strict-ed25519.ts";

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

function littleEndian(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let rest = value;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** Converted keys by their Ed25519 bytes: the BigInt inversion costs ~65 µs, and a sender seals to few keys. */
const CONVERTED = new Map<string, Uint8Array>();
const CONVERTED_MAX = 1024;

/**
 * The X25519 public key of an Ed25519 key: Montgomery u = (1 + y)/(1 − y) mod p (§6.5.1, D3, S2).
 * Null for a key that fails isStrictPoint (non-canonical or small order): nothing is sealed to it.
 * Results are cached per key (a copy is returned, so a caller may not change the cached bytes).
 */
export function montgomeryPublicKey(edPublicKey: Uint8Array): Uint8Array | null {
  if (!isStrictPoint(edPublicKey)) return null;
  const id = Buffer.from(edPublicKey.buffer, edPublicKey.byteOffset, edPublicKey.byteLength).toString(
    "latin1",
  );
  const cached = CONVERTED.get(id);
  if (cached !== undefined) return cached.slice();
  const u = convert(edPublicKey);
  if (CONVERTED.size >= CONVERTED_MAX) CONVERTED.delete(CONVERTED.keys().next().value as string);
  CONVERTED.set(id, u);
  return u.slice();
}

function convert(edPublicKey: Uint8Array): Uint8Array {
  const y = encodedY(edPublicKey);
  const denominator = (FIELD_P + 1n - y) % FIELD_P;
  const u = ((1n + y) * modPow(denominator, FIELD_P - 2n, FIELD_P)) % FIELD_P;
  return littleEndian(u);
}

/** The X25519 secret of an Ed25519 seed: SHA-512(seed)[0..32), clamped (§6.5.1, D4). */
export function montgomerySecret(edSeed: Uint8Array): Uint8Array {
  if (edSeed.length !== 32) throw new RangeError("an Ed25519 seed is 32 bytes");
  const secret = new Uint8Array(createHash("sha512").update(edSeed).digest().subarray(0, 32));
  secret[0] = (secret[0] as number) & 248;
  secret[31] = ((secret[31] as number) & 127) | 64;
  return secret;
}
