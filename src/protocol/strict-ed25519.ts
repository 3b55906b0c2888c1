import { verifyEd25519Raw } from "./keys.ts";

/** The field prime of Curve25519/Ed25519, p = 2^255 − 19. */
export const FIELD_P = 2n ** 255n - 19n;

/** y of the four points of order 8 (the other two share p − Y8); libsodium's `has_small_order` list. */
const Y8 = 0x05fc536d880238b13933c6d305acdfd5f098eff289f4c345b027b2c28f95e826n;

/** The y-coordinates of the eight small-order points: order 1 (1), 2 (p − 1), 4 (0), 8 (±Y8). */
const SMALL_ORDER_Y = [0n, 1n, FIELD_P - 1n, Y8, FIELD_P - Y8];

/** The y-coordinate of a 32-byte point encoding (little-endian, sign bit of x cleared). */
export function encodedY(point: Uint8Array): bigint {
  let y = 0n;
  for (let i = 31; i >= 0; i--) {
    const byte = point[i] as number;
    y = (y << 8n) | BigInt(i === 31 ? byte & 0x7f : byte);
  }
  return y;
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

/** The small-order y encodings as bytes, so the hot path compares bytes instead of making BigInts. */
const SMALL_ORDER_BYTES = SMALL_ORDER_Y.map(littleEndian);

/** y (the encoding without its sign bit) is y ≥ p: 0x7f, thirty 0xff, then a low byte ≥ 0xed. */
function isNonCanonicalY(point: Uint8Array): boolean {
  if (((point[31] as number) & 0x7f) !== 0x7f || (point[0] as number) < 0xed) return false;
  for (let i = 1; i < 31; i++) if (point[i] !== 0xff) return false;
  return true;
}

function isSmallOrderY(point: Uint8Array): boolean {
  for (const small of SMALL_ORDER_BYTES) {
    let differs = ((point[31] as number) & 0x7f) ^ (small[31] as number);
    for (let i = 0; i < 31 && differs === 0; i++) differs |= (point[i] as number) ^ (small[i] as number);
    if (differs === 0) return true;
  }
  return false;
}

/**
 * True when a point encoding may be used under strict verification: 32 bytes, y < p (canonical,
 * RFC 8032 §5.1.3) and not one of the eight small-order points, whose keys let anyone forge.
 * Whether the point is on the curve at all is left to node:crypto, which refuses it.
 */
export function isStrictPoint(point: Uint8Array): boolean {
  if (point.length !== 32) return false;
  return !isNonCanonicalY(point) && !isSmallOrderY(point);
}

/**
 * Strict Ed25519 verification (§6.1, RFC 8032 §5.1.7) with a raw public key: the key and R must be
 * canonical and not of small order; node:crypto then rejects S ≥ L and off-curve points.
 */
export function verifyStrict(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64 || !isStrictPoint(publicKey)) return false;
  if (!isStrictPoint(signature.subarray(0, 32))) return false;
  return verifyEd25519Raw(publicKey, message, signature);
}
