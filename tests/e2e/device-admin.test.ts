import { afterEach, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../helpers/binary.ts";
import { cleanupInstances, cli, instanceDir, writeInstanceConfig } from "../helpers/daemon-instance.ts";

afterEach(cleanupInstances);

/** A fresh Ed25519 public key as 64 hex digits (the raw 32 bytes after the SPKI prefix). */
function newPublicKey(): string {
  const { publicKey } = generateKeyPairSync("ed25519");
  return publicKey.export({ format: "der", type: "spki" }).subarray(12).toString("hex");
}

async function listed(
  dir: string,
): Promise<Array<{ id: string; user_id: string; state: string; info: string }>> {
  const result = await cli(dir, "-c", "config.toml", "device", "list", "--json");
  expect(result.exitCode).toBe(0);
  return JSON.parse(result.stdout);
}

describe.each([
  ["without a supervisor", ""],
  ["with a supervisor (auto_restart)", "auto_restart = true\n"],
])("device administration %s", (_name, daemonExtra) => {
  test("add while stopped, then list, suspend, revoke and refusals through the running server", async () => {
    const dir = instanceDir("norc-device-");
    writeInstanceConfig(dir, await freePort(), daemonExtra);
    const key = newPublicKey();
    const added = await cli(
      dir,
      "-c",
      "config.toml",
      "device",
      "add",
      "--public-key",
      key,
      "--user",
      "alice",
      "--info",
      "phone",
    );
    expect(added.exitCode).toBe(0);
    expect(added.stderr).toContain('added for user "alice" (active)');
    const [device] = await listed(dir);
    expect(device).toMatchObject({ user_id: "alice", state: "active", info: "phone" });
    const id = device?.id as string;

    expect((await cli(dir, "-c", "config.toml", "start", "-d")).exitCode).toBe(0);
    expect((await listed(dir)).map((d) => d.id)).toEqual([id]);
    const suspended = await cli(dir, "-c", "config.toml", "device", "suspend", id);
    expect([suspended.exitCode, suspended.stderr]).toEqual([0, `device ${id} suspended (now suspended)\n`]);
    const revoked = await cli(dir, "-c", "config.toml", "device", "revoke", id, "--json");
    expect(revoked.exitCode).toBe(0);
    expect(JSON.parse(revoked.stdout).state).toBe("revoked");
    const again = await cli(dir, "-c", "config.toml", "device", "approve", id);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain("is revoked and cannot be approved");
    const duplicate = await cli(
      dir,
      "-c",
      "config.toml",
      "device",
      "add",
      "--public-key",
      key,
      "--user",
      "alice",
    );
    expect(duplicate.exitCode).toBe(1);
    expect(duplicate.stderr).toContain("already exists");
    expect((await cli(dir, "-c", "config.toml", "stop")).exitCode).toBe(0);
    const log = readFileSync(join(dir, "server.log"), "utf8");
    expect(log).toContain(`operator (control channel): device ${id} suspended (now suspended)`);
    expect(log).toContain(`operator (control channel): device ${id} revoked; 0 queued entries purged`);
    expect((await listed(dir)).map((d) => d.state)).toEqual(["revoked"]);
  }, 60_000);
});

test("bad input: a malformed or small-order key and a missing user are usage errors (64); an unknown id is 1", async () => {
  const dir = instanceDir("norc-device-");
  writeInstanceConfig(dir, await freePort());
  const run = (...args: string[]) => cli(dir, "-c", "config.toml", "device", ...args);
  const short = await run("add", "--public-key", "abcd", "--user", "a");
  expect([short.exitCode, short.stderr]).toEqual([
    64,
    'error: --public-key must be 64 hex digits (32 bytes), got "abcd"\n',
  ]);
  const smallOrder = await run("add", "--public-key", `01${"00".repeat(31)}`, "--user", "a");
  expect(smallOrder.exitCode).toBe(64);
  expect(smallOrder.stderr).toContain("not a usable Ed25519 public key");
  expect((await run("add", "--public-key", newPublicKey())).exitCode).toBe(64);
  expect((await run("frobnicate")).exitCode).toBe(64);
  const unknown = await run("show", "ab".repeat(32));
  expect(unknown.exitCode).toBe(1);
  expect(unknown.stderr).toContain('"norc-server device list" shows the devices');
  expect((await listed(dir)).length).toBe(0);
});
