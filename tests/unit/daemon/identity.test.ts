import { expect, test } from "bun:test";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadOrCreateIdentity } from "../../../src/daemon/identity.ts";

/** The documented file name of the identity key in data_dir. */
const IDENTITY_FILE = "server-identity.key";

import { tempDir } from "../../helpers/binary.ts";

test("the identity is created on first start (dir 0700, file 0600) and reused afterwards", () => {
  const dir = tempDir();
  try {
    const dataDir = join(dir.path, "data");
    const first = loadOrCreateIdentity(dataDir);
    expect(first.created).toBe(true);
    expect(first.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, IDENTITY_FILE)).mode & 0o777).toBe(0o600);
    const second = loadOrCreateIdentity(dataDir);
    expect(second.created).toBe(false);
    expect(second.fingerprint).toBe(first.fingerprint);
  } finally {
    dir.cleanup();
  }
});

test("a corrupt identity file is an error naming the file and what to do", () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir.path, IDENTITY_FILE), "not a key");
    expect(() => loadOrCreateIdentity(dir.path)).toThrow(/server-identity.key.*restore it from backup/);
  } finally {
    dir.cleanup();
  }
});
