import type { KeyObject } from "node:crypto";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { concatBytes, randomBytes, u64, utf8 } from "./bytes.ts";
import {
  decodeContent,
  encodeContent,
  type MessageContent,
  PAYLOAD_OVERHEAD,
  PayloadRejected,
  paddedPayloadLength,
} from "./e2e-content.ts";
import { MAX_PAYLOAD } from "./header.ts";
import { hkdf } from "./hkdf.ts";
import { ephemeralFromSecret, x25519 } from "./keys.ts";
import { montgomeryPublicKey, montgomerySecret } from "./montgomery.ts";
import type { Suite } from "./suite.ts";

const E2E_LABEL = utf8("norc:e2e:v1");
const ZERO_NONCE = new Uint8Array(12);

/** The 0x10 fields the payload is bound to: its AAD (§6.5.1, 136 bytes). */
export interface PayloadBinding {
  senderId: Uint8Array;
  recipientId: Uint8Array;
  conversation: Uint8Array;
  sequence: bigint;
  messageId: Uint8Array;
}

/** aad = sender_id ‖ recipient_id ‖ conversation ‖ u64(sequence) ‖ message_id. */
export function payloadAad(binding: PayloadBinding): Uint8Array {
  const aad = concatBytes(
    binding.senderId,
    binding.recipientId,
    binding.conversation,
    u64(binding.sequence),
    binding.messageId,
  );
  if (aad.length !== 136) throw new RangeError("ids, conversation and message_id must be 32 bytes each");
  return aad;
}

/** k = HKDF(absent, z, "norc:e2e:v1" ‖ epk ‖ R, 32) with HKDF-BLAKE3. */
export function payloadKey(z: Uint8Array, epk: Uint8Array, recipientU: Uint8Array): Uint8Array {
  return hkdf(undefined, z, concatBytes(E2E_LABEL, epk, recipientU), 32);
}

/**
 * Seals C to one recipient device (§6.5.1): epk ‖ ChaCha20-Poly1305(k, 0, aad, u32(|C|) ‖ C ‖ zeros),
 * padded per `pad`. `ephemeralSecret` is fixed only in tests. Throws on an unusable key or size.
 */
export function sealPayload(
  content: MessageContent,
  recipientEdKey: Uint8Array,
  binding: PayloadBinding,
  options: { pad: Suite["pad"]; ephemeralSecret?: Uint8Array },
): Uint8Array {
  const recipientU = montgomeryPublicKey(recipientEdKey);
  if (recipientU === null) throw new RangeError("the recipient key is not a usable Ed25519 key");
  const encoded = encodeContent(content);
  const total = paddedPayloadLength(encoded.length, options.pad);
  if (total > MAX_PAYLOAD)
    throw new RangeError(`the payload would be ${total} bytes (max_payload ${MAX_PAYLOAD})`);
  const ephemeral = ephemeralFromSecret(options.ephemeralSecret ?? randomBytes(32));
  const z = x25519(ephemeral.privateKey, recipientU, { cache: true });
  if (z === null) throw new RangeError("X25519 with the recipient key is all zero");
  const plaintext = new Uint8Array(total - 48);
  new DataView(plaintext.buffer).setUint32(0, encoded.length);
  plaintext.set(encoded, 4);
  const key = payloadKey(z, ephemeral.publicKey, recipientU);
  const sealed = chacha20poly1305(key, ZERO_NONCE, payloadAad(binding)).encrypt(plaintext);
  return concatBytes(ephemeral.publicKey, sealed);
}

/** A recipient device's X25519 keys: the secret and its own R, from the Ed25519 seed (§6.5.1). */
export interface RecipientKeys {
  secret: KeyObject;
  publicU: Uint8Array;
}

/** The X25519 keys a device opens payloads with: SHA-512(seed)[0..32) and X25519(that, 9). */
export function recipientKeys(edSeed: Uint8Array): RecipientKeys {
  const pair = ephemeralFromSecret(montgomerySecret(edSeed));
  return { secret: pair.privateKey, publicU: pair.publicKey };
}

/**
 * Opens a payload sealed to this device. Any padding is accepted, but |C| > |P| − 4 or a non-zero
 * padding byte is refused. Throws PayloadRejected: the recipient then acks status 3 (§8.5).
 */
export function openPayload(
  payload: Uint8Array,
  keys: RecipientKeys,
  binding: PayloadBinding,
): MessageContent {
  if (payload.length < PAYLOAD_OVERHEAD)
    throw new PayloadRejected("padding", `payload of ${payload.length} bytes is too short`);
  const epk = payload.subarray(0, 32);
  const z = x25519(keys.secret, epk);
  if (z === null) throw new PayloadRejected("key", "the ephemeral key gives an all-zero secret");
  let plaintext: Uint8Array;
  try {
    plaintext = chacha20poly1305(payloadKey(z, epk, keys.publicU), ZERO_NONCE, payloadAad(binding)).decrypt(
      payload.subarray(32),
    );
  } catch {
    throw new PayloadRejected("decrypt", "the payload does not decrypt for this device and frame");
  }
  const length = new DataView(plaintext.buffer, plaintext.byteOffset).getUint32(0);
  if (length > plaintext.length - 4) throw new PayloadRejected("padding", `|C| = ${length} overruns P`);
  for (let i = 4 + length; i < plaintext.length; i++) {
    if (plaintext[i] !== 0) throw new PayloadRejected("padding", "a padding byte is not zero");
  }
  return decodeContent(plaintext.subarray(4, 4 + length));
}
