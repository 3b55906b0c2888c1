import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { concatBytes } from "./bytes.ts";

/** DER prefixes of the raw keys; Buffer's native hex decoder keeps them cheap at start-up. */
const derPrefix = (hex: string) => new Uint8Array(Buffer.from(hex, "hex"));
const ED25519_SPKI = derPrefix("302a300506032b6570032100");
const ED25519_PKCS8 = derPrefix("302e020100300506032b657004220420");
const X25519_SPKI = derPrefix("302a300506032b656e032100");
const X25519_PKCS8 = derPrefix("302e020100300506032b656e04220420");

/** An Ed25519 public key from its 32 raw bytes. */
export function ed25519PublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(concatBytes(ED25519_SPKI, raw)), format: "der", type: "spki" });
}

/** An Ed25519 private key from its 32-byte seed. */
export function ed25519PrivateKey(seed: Uint8Array): KeyObject {
  return createPrivateKey({
    key: Buffer.from(concatBytes(ED25519_PKCS8, seed)),
    format: "der",
    type: "pkcs8",
  });
}

/** Raw public halves of private keys already asked for: deriving one costs an import and an export per frame built. */
const PUBLIC_HALVES = new WeakMap<KeyObject, Uint8Array>();

/** The 32 raw bytes of a public key (Ed25519 or X25519), or of the public half of a private key. */
export function rawPublicKey(key: KeyObject): Uint8Array {
  const known = PUBLIC_HALVES.get(key);
  if (known !== undefined) return known.slice();
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  const der = publicKey.export({ format: "der", type: "spki" });
  const raw = new Uint8Array(der.subarray(der.length - 32));
  if (key.type === "private") PUBLIC_HALVES.set(key, raw.slice());
  return raw;
}

/** Ed25519 signature of `message`. */
export function signEd25519(key: KeyObject, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, key));
}

/** Strict Ed25519 verification (node:crypto rejects S ≥ L); false on any failure. */
export function verifyEd25519(key: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** A fresh X25519 key pair: the private KeyObject and the raw public key. */
export interface EphemeralKey {
  privateKey: KeyObject;
  publicKey: Uint8Array;
}

/** A fresh ephemeral X25519 key pair from the CSPRNG. */
export function generateEphemeral(): EphemeralKey {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  return { privateKey, publicKey: rawPublicKey(publicKey) };
}

/** An X25519 key pair from a fixed 32-byte secret (test vectors). */
export function ephemeralFromSecret(secret: Uint8Array): EphemeralKey {
  const privateKey = createPrivateKey({
    key: Buffer.from(concatBytes(X25519_PKCS8, secret)),
    format: "der",
    type: "pkcs8",
  });
  return { privateKey, publicKey: rawPublicKey(privateKey) };
}

function x25519PublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(concatBytes(X25519_SPKI, raw)), format: "der", type: "spki" });
}

/**
 * X25519(own secret, peer public); null when the peer key is invalid or the result is all zero.
 * `cache` keeps the peer's KeyObject (a long-lived key such as a recipient's, not an ephemeral one).
 */
export function x25519(
  privateKey: KeyObject,
  peerPublic: Uint8Array,
  options: { cache?: boolean } = {},
): Uint8Array | null {
  if (peerPublic.length !== 32) return null;
  let shared: Uint8Array;
  try {
    const publicKey = options.cache
      ? cachedKey(X25519_KEYS, peerPublic, x25519PublicKey)
      : x25519PublicKey(peerPublic);
    shared = new Uint8Array(diffieHellman({ privateKey, publicKey }));
  } catch {
    return null;
  }
  let any = 0;
  for (let i = 0; i < shared.length; i++) any |= shared[i] as number;
  return any === 0 ? null : shared;
}

/** Strict Ed25519 verification with a raw 32-byte public key; false when the key itself is unusable. */
export function verifyEd25519Raw(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32) return false;
  try {
    return verifyEd25519(cachedKey(ED25519_KEYS, publicKey, ed25519PublicKey), message, signature);
  } catch {
    return false;
  }
}

/** KeyObjects made from raw keys, newest last; importing a key costs about as much as a verify (§12: one per device). */
const ED25519_KEYS = new Map<string, KeyObject>();
const X25519_KEYS = new Map<string, KeyObject>();
const KEY_CACHE_SIZE = 4096;

function cachedKey(cache: Map<string, KeyObject>, raw: Uint8Array, make: (raw: Uint8Array) => KeyObject) {
  const id = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("latin1");
  const found = cache.get(id);
  if (found !== undefined) return found;
  const made = make(raw);
  if (cache.size >= KEY_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(id, made);
  return made;
}
