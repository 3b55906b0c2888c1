import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ByteWriter, concatBytes, randomBytes, toHex } from "../../../src/protocol/bytes.ts";
import {
  createClientHello,
  finishClientHandshake,
  IdentityMismatchError,
} from "../../../src/protocol/client-handshake.ts";
import { buildErrorFrame, decodeErrorBody, detail } from "../../../src/protocol/error-frame.ts";
import { buildFrame, FrameType, frameBody } from "../../../src/protocol/header.ts";
import { decodeClientHello, encodeClientHello } from "../../../src/protocol/hello.ts";
import { ephemeralFromSecret } from "../../../src/protocol/keys.ts";
import { ProtocolError } from "../../../src/protocol/protocol-error.ts";
import { RecordCipher } from "../../../src/protocol/record.ts";
import { acceptClientHello } from "../../../src/protocol/server-handshake.ts";
import { decodeUtf8 } from "../../../src/protocol/strings.ts";
import { negotiateVersion } from "../../../src/protocol/suite.ts";
import { testIdentity } from "../session/session-helpers.ts";
import { G1, G2, R, V } from "./vectors.ts";

describe("version negotiation (§4.3 table)", () => {
  const v = (text: string) => {
    const [major, minor, patch] = text.split(".").map(Number) as [number, number, number];
    return { major, minor, patch };
  };
  test.each([
    [["1.0.0"], ["1.0"], "1.0"],
    [["1.0.0", "1.1.0"], ["1.0", "1.1"], "1.1"],
    [["2.0.1", "1.0.3"], ["1.0", "2.0"], "2.0"],
    [["2.0.0", "1.0.0"], ["1.0"], "1.0"],
    [["1.2.0"], ["1.0", "1.1"], null],
    [["3.0.0"], ["1.0"], null],
  ])("client %p, server %p → %p", (offered, supported, expected) => {
    const result = negotiateVersion(
      offered.map(v),
      supported.map((s) => v(`${s}.0`)),
      7,
    );
    expect(result === null ? null : `${result.major}.${result.minor}`).toBe(expected);
    if (result !== null) expect(result.patch).toBe(7);
  });
});

describe("server and client handshake functions", () => {
  test("the server path reproduces G2 from G1 with the golden inputs", () => {
    const result = acceptClientHello(G1, testIdentity(), {
      nowMs: Number(V.t0) + 5,
      serverNonce: V.ns,
      ephemeral: ephemeralFromSecret(V.eksSecret),
      messageId: new Uint8Array(32).fill(0x22),
      capabilities: V.capabilities,
    });
    expect(toHex(result.serverHello)).toBe(toHex(G2));
    expect(toHex(result.th)).toBe(R.G5);
    expect(toHex(result.keys.clientToServer)).toBe(R.G8);
  });

  test("the client path accepts G2 for G1 and derives G8/G9; a wrong pin is refused", () => {
    const state = createClientHello({
      nowMs: Number(V.t0),
      nonce: V.nc,
      ephemeral: ephemeralFromSecret(V.ekcSecret),
      messageId: new Uint8Array(32).fill(0x11),
      capabilities: V.capabilities,
    });
    expect(toHex(state.frame)).toBe(toHex(G1));
    const done = finishClientHandshake(state, G2, V.iksPublic);
    expect(toHex(done.keys.serverToClient)).toBe(R.G9);
    expect(() => finishClientHandshake(state, G2, randomBytes(32))).toThrow(IdentityMismatchError);
    const altered = G2.slice();
    altered[274] = (altered[274] as number) ^ 1;
    expect(() => finishClientHandshake(state, altered)).toThrow(/signature/);
  });

  test("a ServerHello whose algset differs from the client's computation is a downgrade", () => {
    const state = createClientHello({ capabilities: V.capabilities.filter((c) => c !== "PAD-PROFILE-1") });
    const server = acceptClientHello(createClientHello().frame, testIdentity());
    expect(() => finishClientHandshake(state, server.serverHello)).toThrow(/downgrade/);
  });
});

describe("strings (§3)", () => {
  test.each([
    ["overlong", [0xc0, 0xaf]],
    ["surrogate", [0xed, 0xa0, 0x80]],
    ["above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
    ["leading BOM", [0xef, 0xbb, 0xbf, 0x61]],
    ["truncated", [0xe2, 0x82]],
  ])("%s is refused with 101", (_name, bytes) => {
    expect(() => decodeUtf8(Uint8Array.from(bytes))).toThrow(ProtocolError);
  });
  test("well-formed text with a BOM that is not leading is kept", () => {
    expect(decodeUtf8(Uint8Array.from([0x61, 0xef, 0xbb, 0xbf]))).toBe("a\ufeff");
  });
});

describe("round trips (property)", () => {
  test("ClientHello encode → decode is the identity", () => {
    const capability = fc.string({
      minLength: 1,
      maxLength: 20,
      unit: fc.constantFrom(..."abcdefgh.-_0129XYZ"),
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)), { minLength: 1, maxLength: 16 }),
        fc.array(capability, { maxLength: 64 }),
        (versions, capabilities) => {
          const hello = {
            versions: versions.map(([major, minor, patch]) => ({ major, minor, patch })),
            capabilities,
            clientNonce: randomBytes(32),
            clientEphemeral: randomBytes(32),
          };
          const frame = encodeClientHello({ version: 1, timestampMs: 0n, messageId: randomBytes(32) }, hello);
          expect(decodeClientHello(frameBody(frame))).toEqual(hello);
        },
      ),
    );
  });

  test("Error body encode → decode keeps code, message, retry_after and details", () => {
    fc.assert(
      fc.property(fc.nat(65535), fc.string({ maxLength: 200 }), fc.nat(3600), (code, message, retry) => {
        const frame = buildErrorFrame(code, message, {
          retryAfterSecs: retry,
          reason: "r",
          ref: new Uint8Array(32),
        });
        const body = decodeErrorBody(frameBody(frame));
        expect([body.code, body.message, body.retryAfterSecs]).toEqual([code, message, retry]);
        expect(detail(body, "ref")).toBe("0".repeat(64));
      }),
    );
  });

  test("records: seal → open returns the inner frame, in sequence, for any body", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 5 }), (bodies) => {
        const key = randomBytes(32);
        const th = randomBytes(32);
        const tx = new RecordCipher(key, th);
        const rx = new RecordCipher(key, th);
        for (const body of bodies) {
          const inner = buildFrame(
            { version: 1, type: FrameType.timeSync, flags: 2, timestampMs: 5n, messageId: randomBytes(32) },
            body,
          );
          const opened = rx.open(tx.seal(inner));
          expect(opened && toHex(opened)).toBe(toHex(inner));
        }
      }),
    );
  });

  test("trailing extension bytes after the known ClientHello fields are ignored", () => {
    const frame = encodeClientHello(
      { version: 1, timestampMs: 0n, messageId: randomBytes(32) },
      {
        versions: [{ major: 1, minor: 0, patch: 0 }],
        capabilities: V.capabilities,
        clientNonce: V.nc,
        clientEphemeral: V.ekcPublic,
      },
    );
    const extended = concatBytes(frameBody(frame), new ByteWriter().u32(0).u8(9).finish());
    expect(decodeClientHello(extended).capabilities).toEqual(V.capabilities);
  });
});
