import { describe, expect, test } from "bun:test";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { ByteWriter, concatBytes, utf8 } from "../../../src/protocol/bytes.ts";
import {
  contentText,
  type MessageContent,
  PayloadRejected,
  paddedPayloadLength,
} from "../../../src/protocol/e2e-content.ts";
import {
  openPayload,
  type PayloadBinding,
  payloadAad,
  payloadKey,
  recipientKeys,
  sealPayload,
} from "../../../src/protocol/e2e-payload.ts";
import { ephemeralFromSecret, x25519 } from "../../../src/protocol/keys.ts";
import { deviceIdOf } from "../../../src/protocol/messages.ts";
import { montgomeryPublicKey } from "../../../src/protocol/montgomery.ts";
import { DEVICE_B_SEED } from "./messaging-vectors.ts";
import { V } from "./vectors.ts";

const binding: PayloadBinding = {
  senderId: deviceIdOf(V.deviceAPublic),
  recipientId: deviceIdOf(V.deviceBPublic),
  conversation: new Uint8Array(32).fill(1),
  sequence: 77n,
  messageId: new Uint8Array(32).fill(2),
};
const keysB = recipientKeys(DEVICE_B_SEED);

/** Seals an arbitrary plaintext P to device B, as a careless or hostile sender could. */
function sealRaw(plaintext: Uint8Array, bound = binding): Uint8Array {
  const ephemeral = ephemeralFromSecret(new Uint8Array(32).fill(9));
  const r = montgomeryPublicKey(V.deviceBPublic) as Uint8Array;
  const key = payloadKey(x25519(ephemeral.privateKey, r) as Uint8Array, ephemeral.publicKey, r);
  return concatBytes(
    ephemeral.publicKey,
    chacha20poly1305(key, new Uint8Array(12), payloadAad(bound)).encrypt(plaintext),
  );
}

function plaintextOf(content: Uint8Array, padding: number): Uint8Array {
  return new ByteWriter().u32(content.length).raw(content).raw(new Uint8Array(padding)).finish();
}

function rejection(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof PayloadRejected) return error.reason;
    throw error;
  }
  return "none";
}

describe("padding profiles (§6.5.1)", () => {
  test.each([
    [0, "PAD-PROFILE-1", 1024],
    [972, "PAD-PROFILE-1", 1024],
    [973, "PAD-PROFILE-1", 2048],
    [100_000, "PAD-PROFILE-1", 131_072],
    [262_144 - 52, "PAD-PROFILE-1", 262_144],
    [262_144 - 51, "PAD-PROFILE-1", 524_288],
    [600_000, "PAD-PROFILE-1", 786_432],
    [17, "PAD-PROFILE-4", 69],
    [0, "PAD-PROFILE-4", 52],
  ] as const)("|C| = %p with %s → %p bytes", (contentLength, pad, expected) => {
    expect(paddedPayloadLength(contentLength, pad)).toBe(expected);
  });
});

describe("seal and open", () => {
  const content: MessageContent = {
    contentType: 200,
    metadata: [
      ["mime", "image/png"],
      ["név", "é"],
    ],
    body: Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff),
  };

  test.each(["PAD-PROFILE-1", "PAD-PROFILE-4"] as const)(
    "%s round trip; sizes as the profile says",
    (pad) => {
      const payload = sealPayload(content, V.deviceBPublic, binding, { pad });
      expect(payload.length).toBe(pad === "PAD-PROFILE-1" ? 4096 : 52 + 1 + 2 + 35 + 4 + 3000);
      expect(openPayload(payload, keysB, binding)).toEqual(content);
    },
  );

  test("fresh ephemeral keys: two seals of one message differ", () => {
    const a = sealPayload(content, V.deviceBPublic, binding, { pad: "PAD-PROFILE-4" });
    const b = sealPayload(content, V.deviceBPublic, binding, { pad: "PAD-PROFILE-4" });
    expect(a.subarray(0, 32)).not.toEqual(b.subarray(0, 32));
  });

  test("another device, or any field of the binding changed, cannot open it", () => {
    const payload = sealPayload(content, V.deviceBPublic, binding, { pad: "PAD-PROFILE-1" });
    expect(rejection(() => openPayload(payload, recipientKeys(V.deviceASeed), binding))).toBe("decrypt");
    const changes: Partial<PayloadBinding>[] = [
      { senderId: binding.recipientId },
      { recipientId: binding.senderId },
      { conversation: new Uint8Array(32) },
      { sequence: 78n },
      { messageId: new Uint8Array(32).fill(3) },
    ];
    for (const change of changes) {
      expect(rejection(() => openPayload(payload, keysB, { ...binding, ...change }))).toBe("decrypt");
    }
  });

  test("text bodies: contentText gives the string back", () => {
    const text = { contentType: 1, metadata: [], body: utf8("héllo") };
    const opened = openPayload(
      sealPayload(text, V.deviceBPublic, binding, { pad: "PAD-PROFILE-4" }),
      keysB,
      binding,
    );
    expect(contentText(opened)).toBe("héllo");
  });
});

describe("what a recipient refuses (ack status 3)", () => {
  const c = new ByteWriter().u8(0).u16(0).bytes(utf8("hi")).finish();

  test("any padding is accepted, including none and a non-bucket size", () => {
    expect(openPayload(sealRaw(plaintextOf(c, 0)), keysB, binding).body).toEqual(utf8("hi"));
    expect(openPayload(sealRaw(plaintextOf(c, 4001)), keysB, binding).body).toEqual(utf8("hi"));
  });

  test("a non-zero padding byte, or |C| > |P| − 4, is refused", () => {
    const p = plaintextOf(c, 100);
    p[p.length - 1] = 1;
    expect(rejection(() => openPayload(sealRaw(p), keysB, binding))).toBe("padding");
    const long = plaintextOf(c, 0);
    new DataView(long.buffer).setUint32(0, c.length + 1);
    expect(rejection(() => openPayload(sealRaw(long), keysB, binding))).toBe("padding");
  });

  test("reserved content_type, bad UTF-8 text or metadata, a body overrunning C: refused", () => {
    const bad = [
      new ByteWriter().u8(2).u16(0).bytes(utf8("x")).finish(),
      new ByteWriter().u8(127).u16(0).bytes(utf8("x")).finish(),
      new ByteWriter().u8(1).u16(0).bytes(Uint8Array.of(0xc0, 0x80)).finish(),
      new ByteWriter().u8(0).u16(1).bytes(Uint8Array.of(0xff)).string("v").bytes(utf8("x")).finish(),
      new ByteWriter().u8(0).u16(0).u32(10).raw(utf8("short")).finish(),
    ];
    for (const content of bad) {
      expect(rejection(() => openPayload(sealRaw(plaintextOf(content, 8)), keysB, binding))).toBe("content");
    }
  });

  test("a payload under 52 bytes, or an epk giving an all-zero secret, is refused", () => {
    expect(rejection(() => openPayload(new Uint8Array(51), keysB, binding))).toBe("padding");
    expect(rejection(() => openPayload(new Uint8Array(60), keysB, binding))).toBe("key");
  });
});

describe("what a sender refuses", () => {
  test("a reserved content_type, a small-order recipient key, or a payload over max_payload", () => {
    const seal = (content: MessageContent, key = V.deviceBPublic) =>
      sealPayload(content, key, binding, { pad: "PAD-PROFILE-4" });
    expect(() => seal({ contentType: 5, metadata: [], body: new Uint8Array(0) })).toThrow(RangeError);
    const identity = new Uint8Array(32);
    identity[0] = 1;
    expect(() => seal({ contentType: 0, metadata: [], body: new Uint8Array(0) }, identity)).toThrow(
      RangeError,
    );
    const fits = 4_194_304 - 52 - 7;
    expect(seal({ contentType: 0, metadata: [], body: new Uint8Array(fits) }).length).toBe(4_194_304);
    expect(() => seal({ contentType: 0, metadata: [], body: new Uint8Array(fits + 1) })).toThrow(
      "max_payload",
    );
  });
});
