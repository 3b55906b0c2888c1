import { afterAll, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createKeyFile, describeKeys, KeyFileError, readKeyFile } from "../../../src/client/key-file.ts";
import { toHex } from "../../../src/protocol/bytes.ts";
import { deviceIdOf } from "../../../src/protocol/messages.ts";
import { tempDir } from "../../helpers/binary.ts";

const dir = tempDir("norc-keyfile-");
afterAll(() => dir.cleanup());
const posix = process.platform !== "win32";

describe("device key file", () => {
  test("keygen writes a 0600 PKCS#8 PEM that reads back to the same device", () => {
    const path = `${dir.path}/a.key`;
    const created = createKeyFile(path);
    if (posix) expect(statSync(path).mode & 0o777).toBe(0o600);
    const text = readFileSync(path, "utf8");
    expect(text).toStartWith("-----BEGIN PRIVATE KEY-----\n");
    const read = readKeyFile(path);
    expect(toHex(read.publicKey)).toBe(toHex(created.publicKey));
    expect(toHex(read.deviceId)).toBe(toHex(deviceIdOf(created.publicKey)));
    const shown = describeKeys(read);
    expect(shown.deviceId).toMatch(/^[0-9a-f]{64}$/);
    expect(shown.publicKey).toBe(toHex(created.publicKey));
  });

  test("two keygens make two different devices", () => {
    const a = createKeyFile(`${dir.path}/x1.key`);
    const b = createKeyFile(`${dir.path}/x2.key`);
    expect(toHex(a.deviceId)).not.toBe(toHex(b.deviceId));
  });

  test("an existing file is never overwritten", () => {
    const path = `${dir.path}/exists.key`;
    writeFileSync(path, "precious", { mode: 0o600 });
    expect(() => createKeyFile(path)).toThrow(/exists: refusing to overwrite/);
    expect(readFileSync(path, "utf8")).toBe("precious");
  });

  test.skipIf(!posix)("a key readable by group or others is refused, naming the chmod", () => {
    const path = `${dir.path}/open.key`;
    createKeyFile(path);
    for (const mode of [0o644, 0o604, 0o640]) {
      chmodSync(path, mode);
      expect(() => readKeyFile(path)).toThrow(`chmod 600 "${path}"`);
    }
    chmodSync(path, 0o400);
    expect(() => readKeyFile(path)).not.toThrow();
  });

  test("a missing file, a non-PEM file and a non-Ed25519 key are refused with what to do", () => {
    expect(() => readKeyFile(`${dir.path}/missing.key`)).toThrow(/ENOENT/);
    const junk = `${dir.path}/junk.key`;
    writeFileSync(junk, "not a key", { mode: 0o600 });
    expect(() => readKeyFile(junk)).toThrow(/client keygen/);
    const ec = `${dir.path}/ec.key`;
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    writeFileSync(ec, privateKey.export({ format: "pem", type: "pkcs8" }) as string, { mode: 0o600 });
    const error = (() => {
      try {
        readKeyFile(ec);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(KeyFileError);
    expect((error as Error).message).toContain("holds a ec key");
  });
});
