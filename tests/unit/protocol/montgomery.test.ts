import { describe, expect, test } from "bun:test";
import { toHex } from "../../../src/protocol/bytes.ts";
import { ed25519PrivateKey, ephemeralFromSecret, rawPublicKey } from "../../../src/protocol/keys.ts";
import { montgomeryPublicKey, montgomerySecret } from "../../../src/protocol/montgomery.ts";

describe("Ed25519 → X25519 (§6.5.1)", () => {
  test("for random seeds, X25519(secret, 9) equals the Montgomery form of the Ed25519 key", () => {
    for (let i = 0; i < 16; i++) {
      const seed = crypto.getRandomValues(new Uint8Array(32));
      const edPublic = rawPublicKey(ed25519PrivateKey(seed));
      const fromSecret = ephemeralFromSecret(montgomerySecret(seed)).publicKey;
      expect(toHex(montgomeryPublicKey(edPublic) as Uint8Array)).toBe(toHex(fromSecret));
    }
  });

  test("small-order and non-canonical keys have no X25519 form", () => {
    const identity = new Uint8Array(32);
    identity[0] = 1;
    expect(montgomeryPublicKey(identity)).toBeNull();
    expect(montgomeryPublicKey(new Uint8Array(32).fill(0xff))).toBeNull();
    expect(() => montgomerySecret(new Uint8Array(31))).toThrow(RangeError);
  });
});
