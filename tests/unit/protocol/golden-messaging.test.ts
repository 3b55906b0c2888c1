import { describe, expect, test } from "bun:test";
import { toHex } from "../../../src/protocol/bytes.ts";
import { ephemeralFromSecret } from "../../../src/protocol/keys.ts";
import { montgomeryPublicKey, montgomerySecret } from "../../../src/protocol/montgomery.ts";
import { M } from "./messaging-vectors.ts";
import { V } from "./vectors.ts";

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
