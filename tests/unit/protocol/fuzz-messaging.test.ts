import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { buildClientAck, decodeAck, decodeClientAck } from "../../../src/protocol/ack.ts";
import { buildAuthResponse, decodeAuthResponse } from "../../../src/protocol/auth-response.ts";
import { utf8 } from "../../../src/protocol/bytes.ts";
import {
  buildKeyRequest,
  buildKeyResponse,
  decodeKeyRequest,
  decodeKeyResponse,
} from "../../../src/protocol/directory.ts";
import { PayloadRejected } from "../../../src/protocol/e2e-content.ts";
import { openPayload, recipientKeys, sealPayload } from "../../../src/protocol/e2e-payload.ts";
import { deviceIdOf } from "../../../src/protocol/messages.ts";
import { buildPresence, decodePresence } from "../../../src/protocol/presence.ts";
import { ProtocolError } from "../../../src/protocol/protocol-error.ts";
import { buildRevoke, decodeRevoke } from "../../../src/protocol/revoke.ts";
import { buildSend, decodeSend } from "../../../src/protocol/send.ts";
import { keyA, keyB, stampAt } from "./codec-helpers.ts";
import { DEVICE_B_SEED } from "./messaging-vectors.ts";
import { V } from "./vectors.ts";

const idA = deviceIdOf(V.deviceAPublic);
const idB = deviceIdOf(V.deviceBPublic);
const binding = { senderId: idA, recipientId: idB, conversation: idA, sequence: 1n, messageId: idB };
const payload = sealPayload(
  { contentType: 1, metadata: [["k", "v"]], body: utf8("hi") },
  V.deviceBPublic,
  binding,
  {
    pad: "PAD-PROFILE-4",
  },
);

/** A seed frame per decoder; mutations must decode or throw ProtocolError with one of `codes`. */
const decoders: [string, Uint8Array, (b: Uint8Array) => unknown, number[]][] = [
  [
    "AuthResponse",
    buildAuthResponse(stampAt(4), {
      sessionId: idA,
      expiresAtMs: 1n,
      serverTimeMs: 2n,
      messageLimit: 3,
      queued: 4,
    }),
    decodeAuthResponse,
    [101],
  ],
  [
    "Revoke",
    buildRevoke(stampAt(5), { deviceId: idB, reason: 1, effectiveAtMs: 0n }, keyA),
    decodeRevoke,
    [101],
  ],
  [
    "Send",
    buildSend(
      stampAt(0x10),
      { recipientId: idB, conversation: idA, sequence: 1n, prevMessageHash: idB, encryptedPayload: payload },
      keyA,
    ),
    (b) => decodeSend(b, { sessionDeviceId: idA }),
    [101, 303, 402],
  ],
  [
    "Ack (client)",
    buildClientAck(stampAt(0x11), { refMessageId: idA, status: 1, eventTimeMs: 0n, targetId: idA }, keyB),
    (b) => decodeClientAck(b, idB),
    [101, 303],
  ],
  [
    "Ack (received)",
    buildClientAck(stampAt(0x11), { refMessageId: idA, status: 2, eventTimeMs: 0n, targetId: idA }, keyB),
    decodeAck,
    [101],
  ],
  [
    "Presence",
    buildPresence(stampAt(0x20), { status: 1, message: "here", lastActiveMs: 0n }, keyA),
    (b) => decodePresence(b, { sessionDeviceId: idA }),
    [101, 303],
  ],
  ["KeyRequest", buildKeyRequest(stampAt(0x30), { kind: 1, deviceIds: [idA, idB] }), decodeKeyRequest, [101]],
  [
    "KeyResponse",
    buildKeyResponse(stampAt(0x31), {
      refMessageId: idA,
      entries: [
        {
          deviceId: idA,
          userId: "alice",
          publicKey: V.deviceAPublic,
          state: 2,
          registeredAtMs: 0n,
          capabilities: 0,
          presence: 1,
        },
      ],
    }),
    decodeKeyResponse,
    [101],
  ],
];

const mutationsArb = fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 8 });

describe("messaging decoders on mutated input", () => {
  test.each(decoders)(
    "%s: mutations decode or throw ProtocolError with the profile's codes",
    (_name, seed, decode, codes) => {
      fc.assert(
        fc.property(mutationsArb, fc.nat(), (mutations, cut) => {
          const bytes = seed.slice(0, seed.length - (cut % 4 === 0 ? cut % (seed.length - 47) : 0));
          for (const [position, value] of mutations)
            bytes[48 + (position % (bytes.length - 48 || 1))] = value;
          try {
            decode(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError);
            expect(codes).toContain((error as ProtocolError).code);
          }
        }),
        { numRuns: 300 },
      );
    },
  );

  test("openPayload: any mutation is refused with PayloadRejected, never another error", () => {
    const keys = recipientKeys(DEVICE_B_SEED);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }), (mutations) => {
        const bytes = payload.slice();
        for (const [position, value] of mutations) bytes[position % bytes.length] = value;
        if (bytes.every((b, i) => b === payload[i])) return;
        expect(() => openPayload(bytes, keys, binding)).toThrow(PayloadRejected);
      }),
      { numRuns: 200 },
    );
  });
});
