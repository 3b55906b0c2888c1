import { describe, expect, test } from "bun:test";
import { hkdfSync } from "node:crypto";
import { blake3 } from "@noble/hashes/blake3.js";
import { concatBytes, fromHex, toHex, utf8 } from "../../../src/protocol/bytes.ts";
import { buildFrame, decodeHeader, FrameType, frameBody } from "../../../src/protocol/header.ts";
import {
  decodeClientHello,
  decodeServerHello,
  encodeClientHello,
  encodeServerHelloUnsigned,
} from "../../../src/protocol/hello.ts";
import { hkdf, hkdfExpand, hkdfExtract, saltKey } from "../../../src/protocol/hkdf.ts";
import {
  deriveSessionKeys,
  serverHelloSignatureInput,
  transcriptHash,
} from "../../../src/protocol/key-schedule.ts";
import {
  ed25519PrivateKey,
  ed25519PublicKey,
  ephemeralFromSecret,
  rawPublicKey,
  signEd25519,
  verifyEd25519,
  x25519,
} from "../../../src/protocol/keys.ts";
import { authSignatureInput, buildAuthRequest, deviceIdOf } from "../../../src/protocol/messages.ts";
import { RecordCipher } from "../../../src/protocol/record.ts";
import { algsetString, selectSuite } from "../../../src/protocol/suite.ts";
import { E1, G1, G2, R, V } from "./vectors.ts";

const iks = ed25519PrivateKey(V.iksSeed);
const deviceA = ed25519PrivateKey(V.deviceASeed);

function goldenClientHello(): Uint8Array {
  return encodeClientHello(
    { version: 1, timestampMs: V.t0, messageId: new Uint8Array(32).fill(0x11) },
    {
      versions: [{ major: 1, minor: 0, patch: 0 }],
      capabilities: V.capabilities,
      clientNonce: V.nc,
      clientEphemeral: V.ekcPublic,
    },
  );
}

function goldenServerHello(clientHello: Uint8Array): { unsigned: Uint8Array; full: Uint8Array } {
  const unsigned = encodeServerHelloUnsigned(
    { version: 1, timestampMs: V.t0 + 5n, messageId: new Uint8Array(32).fill(0x22) },
    {
      version: { major: 1, minor: 0, patch: 0 },
      capabilities: V.capabilities,
      algset: V.algset,
      serverNonce: V.ns,
      serverEphemeral: V.eksPublic,
      serverIdentity: V.iksPublic,
      pqKey: new Uint8Array(0),
    },
  );
  const signature = signEd25519(iks, serverHelloSignatureInput(clientHello, unsigned));
  return { unsigned, full: concatBytes(unsigned, signature) };
}

describe("§11.1 common inputs", () => {
  test("ephemeral and identity keys match their public halves, ss matches", () => {
    const ekc = ephemeralFromSecret(V.ekcSecret);
    const eks = ephemeralFromSecret(V.eksSecret);
    expect(toHex(ekc.publicKey)).toBe(toHex(V.ekcPublic));
    expect(toHex(eks.publicKey)).toBe(toHex(V.eksPublic));
    expect(toHex(x25519(ekc.privateKey, V.eksPublic) as Uint8Array)).toBe(toHex(V.ss));
    expect(toHex(x25519(eks.privateKey, V.ekcPublic) as Uint8Array)).toBe(toHex(V.ss));
    expect(toHex(rawPublicKey(iks))).toBe(toHex(V.iksPublic));
    expect(toHex(rawPublicKey(deviceA))).toBe(toHex(V.deviceAPublic));
    expect(toHex(V.thT)).toBe("719995fac0679f0fee5733c3207c831ad7707e5f4a3c250491ff2abab472c456");
  });

  test("an all-zero X25519 result (low-order peer key) is refused", () => {
    expect(x25519(ephemeralFromSecret(V.ekcSecret).privateKey, new Uint8Array(32))).toBeNull();
  });
});

describe("§11.2 key derivation, identities, record", () => {
  test("H1 Extract, H2 Expand, H3 salt-to-key", () => {
    const h1 = hkdfExtract(undefined, new Uint8Array(32).fill(0x0b));
    expect(toHex(h1)).toBe(R.H1);
    expect(toHex(hkdfExpand(h1, utf8("norc:test:v1"), 64))).toBe(R.H2);
    expect(toHex(saltKey(Uint8Array.from({ length: 64 }, (_, i) => i)))).toBe(R.H3);
  });

  test("K1 ms, K2 k_c2s, K3 k_s2c", () => {
    const keys = deriveSessionKeys(V.ss, V.nc, V.ns, V.thT);
    expect(toHex(keys.masterSecret)).toBe(R.K1);
    expect(toHex(keys.clientToServer)).toBe(R.K2);
    expect(toHex(keys.serverToClient)).toBe(R.K3);
    expect(toHex(hkdf(undefined, keys.masterSecret, utf8("norc:tk:c2s:v1"), 32))).toBe(R.K2);
  });

  test("F1, F2 (FIPS inputs, checked with node's HKDF-HMAC-SHA256; FIPS mode itself is not offered)", () => {
    const f1 = new Uint8Array(
      hkdfSync("sha256", V.ss, concatBytes(V.nc, V.ns), concatBytes(utf8("norc:ms:v1"), V.thT), 32),
    );
    expect(toHex(f1)).toBe(R.F1);
    const f2 = new Uint8Array(hkdfSync("sha256", f1, new Uint8Array(32), utf8("norc:tk:c2s:v1"), 32));
    expect(toHex(f2)).toBe(R.F2);
  });

  test("D1 DeviceID, D2 0x03 signature over th_T (82-byte message), S1 recipient id", () => {
    const d1 = deviceIdOf(V.deviceAPublic);
    expect(toHex(d1)).toBe(R.D1);
    const message = authSignatureInput(d1, V.thT);
    expect(message.length).toBe(82);
    expect(toHex(signEd25519(deviceA, message))).toBe(R.D2);
    expect(toHex(deviceIdOf(V.deviceBPublic))).toBe(R.S1);
  });

  test("E1 record: seal reproduces 76 bytes, open returns the inner frame", () => {
    const inner = buildFrame(
      {
        version: 1,
        type: FrameType.authRequest,
        flags: 0,
        timestampMs: V.t0,
        messageId: blake3(utf8("msg-1")),
      },
      utf8("example-body"),
    );
    const record = new RecordCipher(fromHex(R.K2), V.thT).seal(inner);
    expect(record.length).toBe(76);
    expect(toHex(record)).toBe(toHex(E1));
    expect(toHex(record.subarray(48, 60))).toBe("cf98fa9c599f70297d3b6998");
    const opened = new RecordCipher(fromHex(R.K2), V.thT).open(E1);
    expect(opened && toHex(opened)).toBe(toHex(inner));
  });
});

describe("§11.3 golden handshake", () => {
  test("G1 ClientHello encodes to 240 bytes and decodes back", () => {
    const ch = goldenClientHello();
    expect(ch.length).toBe(240);
    expect(toHex(ch)).toBe(toHex(G1));
    const parsed = decodeClientHello(frameBody(G1));
    expect(parsed.capabilities).toEqual(V.capabilities);
    expect(parsed.versions).toEqual([{ major: 1, minor: 0, patch: 0 }]);
    expect(parsed.pqKey).toBeUndefined();
  });

  test("suite selection yields the golden algset", () => {
    const suite = selectSuite(V.capabilities, V.capabilities);
    expect(suite && algsetString(suite)).toBe(V.algset);
  });

  test("G2 ServerHello, G3 signed hash, G4 signature", () => {
    const { unsigned, full } = goldenServerHello(G1);
    expect(full.length).toBe(438);
    expect(decodeHeader(unsigned).length).toBe(438);
    expect(toHex(full)).toBe(toHex(G2));
    const input = serverHelloSignatureInput(G1, unsigned);
    expect(toHex(input.subarray(14))).toBe(R.G3);
    expect(toHex(full.subarray(438 - 64))).toBe(R.G4);
    const parsed = decodeServerHello(frameBody(G2));
    expect(parsed.algset).toBe(V.algset);
    expect(toHex(parsed.serverIdentity)).toBe(toHex(V.iksPublic));
    expect(parsed.pqKey.length).toBe(0);
    expect(toHex(parsed.signature)).toBe(R.G4);
  });

  test("G5 th, G6 ss, G7 ms, G8 k_c2s, G9 k_s2c", () => {
    const th = transcriptHash(G1, G2, V.algset);
    expect(toHex(th)).toBe(R.G5);
    const keys = deriveSessionKeys(V.ss, V.nc, V.ns, th);
    expect(toHex(keys.masterSecret)).toBe(R.G7);
    expect(toHex(keys.clientToServer)).toBe(R.G8);
    expect(toHex(keys.serverToClient)).toBe(R.G9);
  });

  test("G10 device A's 0x03 signature, G11 first client record (192 bytes)", () => {
    const th = fromHex(R.G5);
    const deviceId = deviceIdOf(V.deviceAPublic);
    const signature = signEd25519(deviceA, authSignatureInput(deviceId, th));
    expect(toHex(signature)).toBe(R.G10);
    const inner = buildAuthRequest(
      { version: 1, timestampMs: V.t0 + 10n, messageId: new Uint8Array(32).fill(0x33) },
      { deviceId, devicePublicKey: V.deviceAPublic, signature },
    );
    const record = new RecordCipher(fromHex(R.G8), th).seal(inner);
    expect(record.length).toBe(192);
    expect(toHex(record.subarray(176))).toBe(R.G11tag);
    expect(toHex(blake3(record))).toBe(R.G11hash);
  });
});

describe("§11.5 negative checks", () => {
  const verifySh = (ch: Uint8Array, sh: Uint8Array, key = V.iksPublic) => {
    return verifyEd25519(
      ed25519PublicKey(key),
      serverHelloSignatureInput(ch, sh.subarray(0, sh.length - 64)),
      sh.subarray(sh.length - 64),
    );
  };

  test("the golden pair verifies", () => {
    expect(verifySh(G1, G2)).toBe(true);
  });

  test("G1 with two capabilities swapped: G4 no longer verifies", () => {
    const hello = decodeClientHello(frameBody(G1));
    const swapped = [...hello.capabilities];
    [swapped[0], swapped[1]] = [swapped[1] as string, swapped[0] as string];
    const altered = encodeClientHello(
      { version: 1, timestampMs: V.t0, messageId: new Uint8Array(32).fill(0x11) },
      { ...hello, capabilities: swapped },
    );
    expect(altered.length).toBe(G1.length);
    expect(verifySh(altered, G2)).toBe(false);
  });

  test("G2 with the first byte of Ns (offset 274) changed: G4 fails", () => {
    const altered = G2.slice();
    expect(altered[274]).toBe(0x20);
    altered[274] = 0x21;
    expect(verifySh(G1, altered)).toBe(false);
  });

  test("a ServerHello signed by another key: the pinned key does not match it", () => {
    const other = ed25519PrivateKey(new Uint8Array(32).fill(9));
    const unsigned = G2.subarray(0, G2.length - 64);
    const resigned = concatBytes(unsigned, signEd25519(other, serverHelloSignatureInput(G1, unsigned)));
    expect(verifySh(G1, resigned)).toBe(false);
  });

  test("G11 opened with seq 1 fails; E1 with another th fails", () => {
    const th = fromHex(R.G5);
    const deviceId = deviceIdOf(V.deviceAPublic);
    const inner = buildAuthRequest(
      { version: 1, timestampMs: V.t0 + 10n, messageId: new Uint8Array(32).fill(0x33) },
      { deviceId, devicePublicKey: V.deviceAPublic, signature: fromHex(R.G10) },
    );
    const record = new RecordCipher(fromHex(R.G8), th).seal(inner);
    const opener = new RecordCipher(fromHex(R.G8), th);
    opener.open(new RecordCipher(fromHex(R.G8), th).seal(inner));
    expect(opener.nextSeq).toBe(1n);
    expect(opener.open(record)).toBeNull();
    expect(new RecordCipher(fromHex(R.K2), fromHex(R.G5)).open(E1)).toBeNull();
  });
});
