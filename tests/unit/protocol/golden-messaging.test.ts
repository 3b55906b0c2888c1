import { describe, expect, test } from "bun:test";
import { blake3 } from "@noble/hashes/blake3.js";
import { fromHex, toHex, utf8 } from "../../../src/protocol/bytes.ts";
import { encodeContent, type MessageContent } from "../../../src/protocol/e2e-content.ts";
import {
  openPayload,
  type PayloadBinding,
  payloadKey,
  recipientKeys,
  sealPayload,
} from "../../../src/protocol/e2e-payload.ts";
import { buildErrorFrame, decodeErrorBody, detail } from "../../../src/protocol/error-frame.ts";
import { decodeHeader, frameBody } from "../../../src/protocol/header.ts";
import { ephemeralFromSecret, x25519 } from "../../../src/protocol/keys.ts";
import { buildAuthRequest, deviceIdOf } from "../../../src/protocol/messages.ts";
import { montgomeryPublicKey, montgomerySecret } from "../../../src/protocol/montgomery.ts";
import type { ProtocolError } from "../../../src/protocol/protocol-error.ts";
import { RecordCipher } from "../../../src/protocol/record.ts";
import { buildSend, checkSendSignature, decodeSend } from "../../../src/protocol/send.ts";
import { codeOf, keyA } from "./codec-helpers.ts";
import { DEVICE_B_SEED, M } from "./messaging-vectors.ts";
import { R, V } from "./vectors.ts";

describe("§11.2 D3, D4: device A's X25519 keys", () => {
  test("D3 Montgomery u of device A's public key", () => {
    expect(toHex(montgomeryPublicKey(V.deviceAPublic) as Uint8Array)).toBe(M.D3);
  });

  test("D4 X25519 secret of device A; X25519(D4, 9) = D3", () => {
    const secret = montgomerySecret(V.deviceASeed);
    expect(toHex(secret)).toBe(M.D4);
    expect(toHex(ephemeralFromSecret(secret).publicKey)).toBe(M.D3);
  });
});

const esk = new Uint8Array(32).fill(0x77);
const messageId = new Uint8Array(32).fill(0x44);
const content: MessageContent = { contentType: 1, metadata: [], body: utf8("hello, bob") };
const binding: PayloadBinding = {
  senderId: deviceIdOf(V.deviceAPublic),
  recipientId: deviceIdOf(V.deviceBPublic),
  conversation: new Uint8Array(32).fill(0x55),
  sequence: 1n,
  messageId,
};

function goldenPayload(): Uint8Array {
  return sealPayload(content, V.deviceBPublic, binding, { pad: "PAD-PROFILE-1", ephemeralSecret: esk });
}

function goldenInner(payload = goldenPayload()): Uint8Array {
  return buildSend(
    { timestampMs: V.t0 + 20n, messageId, flags: 0 },
    {
      recipientId: binding.recipientId,
      conversation: binding.conversation,
      sequence: 1n,
      prevMessageHash: new Uint8Array(32),
      encryptedPayload: payload,
    },
    keyA,
  );
}

/** G11's inner frame: the 0x03 that is record 0 of the §11.3 connection. */
function g11Inner(): Uint8Array {
  return buildAuthRequest(
    { version: 1, timestampMs: V.t0 + 10n, messageId: new Uint8Array(32).fill(0x33) },
    { deviceId: binding.senderId, devicePublicKey: V.deviceAPublic, signature: fromHex(R.G10) },
  );
}

/** One direction of the §11.3 connection's client records, after record 0 (G11). */
function afterG11(): { sealer: RecordCipher; opener: RecordCipher } {
  const sealer = new RecordCipher(fromHex(R.G8), fromHex(R.G5));
  const opener = new RecordCipher(fromHex(R.G8), fromHex(R.G5));
  const g11 = sealer.seal(g11Inner());
  expect(toHex(blake3(g11))).toBe(R.G11hash);
  expect(opener.open(g11)).toEqual(g11Inner());
  return { sealer, opener };
}

describe("§11.4 golden 0x10 Send: end-to-end payload", () => {
  test("S1 recipient_id, S2 R, S3 epk, S4 z, S5 k", () => {
    expect(toHex(binding.recipientId)).toBe(M.S1);
    const r = montgomeryPublicKey(V.deviceBPublic) as Uint8Array;
    expect(toHex(r)).toBe(M.S2);
    const ephemeral = ephemeralFromSecret(esk);
    expect(toHex(ephemeral.publicKey)).toBe(M.S3);
    const z = x25519(ephemeral.privateKey, r) as Uint8Array;
    expect(toHex(z)).toBe(M.S4);
    expect(toHex(payloadKey(z, ephemeral.publicKey, r))).toBe(M.S5);
  });

  test("S6 MessageContent; S7 tag and S8 hash of the 1024-byte padded payload", () => {
    expect(toHex(encodeContent(content))).toBe(M.S6);
    const payload = goldenPayload();
    expect(payload.length).toBe(1024);
    expect(toHex(payload.subarray(0, 32))).toBe(M.S3);
    expect(toHex(payload.subarray(1008))).toBe(M.S7);
    expect(toHex(blake3(payload))).toBe(M.S8);
  });

  test("device B opens the payload with its own keys and gets the content back", () => {
    expect(openPayload(goldenPayload(), recipientKeys(DEVICE_B_SEED), binding)).toEqual(content);
  });
});

describe("§11.4 golden 0x10 Send: frame and record", () => {
  test("S9 signature over inner[0..1212), S10 hash of the 1276-byte inner frame", () => {
    const inner = goldenInner();
    expect(inner.length).toBe(1276);
    expect(toHex(inner.subarray(1212))).toBe(M.S9);
    expect(toHex(blake3(inner))).toBe(M.S10);
    const body = decodeSend(inner, { sessionDeviceId: binding.senderId });
    expect(toHex(body.encryptedPayload.subarray(0, 32))).toBe(M.S3);
    expect(body.signed.length).toBe(1212);
    expect(codeOf(() => checkSendSignature(body, V.deviceAPublic))).toBe("none");
  });

  test("S11 record header, S12 tag, S13 hash: the second record of the §11.3 connection", () => {
    const inner = goldenInner();
    const { sealer, opener } = afterG11();
    const record = sealer.seal(inner);
    expect(record.length).toBe(1292);
    expect(toHex(record.subarray(0, 48))).toBe(M.S11);
    expect(toHex(record.subarray(1276))).toBe(M.S12);
    expect(toHex(blake3(record))).toBe(M.S13);
    expect(opener.open(record)).toEqual(inner);
    expect(decodeHeader(inner).length).toBe(1276);
  });

  test("§11.5: one byte of encrypted_payload changed and the frame re-sealed: S9 fails, 200", () => {
    const altered = goldenPayload();
    altered[500] = (altered[500] as number) ^ 0xff;
    const forged = goldenInner(altered);
    forged.set(fromHex(M.S9), forged.length - 64);
    let refused: ProtocolError | undefined;
    try {
      checkSendSignature(decodeSend(forged), V.deviceAPublic);
    } catch (error) {
      refused = (error as ProtocolError).about(decodeHeader(forged).messageId);
    }
    expect(refused?.code).toBe(200);
    const reply = decodeErrorBody(
      frameBody(buildErrorFrame(200, "signature", { ref: refused?.ref, reason: refused?.reason })),
    );
    expect([reply.code, detail(reply, "ref")]).toEqual([200, "44".repeat(32)]);
    expect(() => openPayload(altered, recipientKeys(DEVICE_B_SEED), binding)).toThrow("does not decrypt");
  });
});
