import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { freePort, tempDir } from "../../helpers/binary.ts";
import { FakeNcpServer } from "../../helpers/fake-ncp-server.ts";

const MAIN = resolve(import.meta.dir, "../../../src/main.ts");
const dir = tempDir("norc-client-cli-");
const open = new FakeNcpServer({ policy: "open" });
const closed = new FakeNcpServer({ policy: "closed" });
afterAll(() => {
  open.stop();
  closed.stop();
  dir.cleanup();
});
const env = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: dir.path,
  XDG_CONFIG_HOME: `${dir.path}/cfg`,
  NO_COLOR: "1",
};

/** Runs `norc-server client ...` from source in the temp dir (no config.toml: built-in defaults). */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn(["bun", MAIN, "client", ...args], {
    cwd: dir.path,
    env,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}
const on = (server: FakeNcpServer) => ["--server", `127.0.0.1:${server.port}`, "--plain"];

describe("norc-server client", () => {
  test("keygen: a 0600 key file, its device id and public key; never over an existing file", async () => {
    const made = await cli("keygen", "-o", "k1.key", "--json");
    expect(made.code).toBe(0);
    const shown = JSON.parse(made.stdout);
    expect(shown.device_id).toMatch(/^[0-9a-f]{64}$/);
    expect(shown.public_key).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(`${dir.path}/k1.key`).mode & 0o777).toBe(0o600);
    expect(made.stderr).toContain(`device add --public-key ${shown.public_key}`);
    const before = readFileSync(`${dir.path}/k1.key`, "utf8");
    const again = await cli("keygen", "-o", "k1.key");
    expect([again.code, again.stderr.includes("refusing to overwrite")]).toEqual([1, true]);
    expect(readFileSync(`${dir.path}/k1.key`, "utf8")).toBe(before);
  }, 20_000);

  test("two terminals: register, listen on one device, send to the user (fan-out), directory", async () => {
    for (const name of ["alice", "bob1", "bob2"])
      expect((await cli("keygen", "-o", `${name}.key`)).code).toBe(0);
    const reg = await cli("register", "--key", "alice.key", "--user", "alice", ...on(open));
    expect([reg.code, reg.stdout.includes('as "alice": active')]).toEqual([0, true]);
    expect(reg.stderr).toContain("on first use");
    const known = `${dir.path}/cfg/norc-server/known-servers.json`;
    expect(JSON.parse(readFileSync(known, "utf8"))[`127.0.0.1:${open.port}`]).toBe(open.identity.fingerprint);
    expect(statSync(known).mode & 0o777).toBe(0o600);
    for (const bob of ["bob1", "bob2"])
      expect((await cli("register", "--key", `${bob}.key`, "--user", "bob", ...on(open))).code).toBe(0);
    const listening = cli("listen", "--key", "bob1.key", "--json", "--count", "2", ...on(open));
    const sent = await cli(
      "send",
      "--key",
      "alice.key",
      "--to",
      "bob",
      "--text",
      "hello, bob",
      "--json",
      ...on(open),
    );
    expect(sent.code).toBe(0);
    const lines = sent.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.to_user, l.accepted])).toEqual([
      ["bob", true],
      ["bob", true],
    ]);
    expect(
      (await cli("send", "--key", "alice.key", "--to", "bob", "--text", "again", ...on(open))).code,
    ).toBe(0);
    const heard = await listening;
    expect(heard.code).toBe(0);
    const messages = heard.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(messages.map((m) => [m.type, m.from_user, m.text, m.gap])).toEqual([
      ["message", "alice", "hello, bob", false],
      ["message", "alice", "again", false],
    ]);
    const directory = await cli("directory", "--key", "alice.key", "--user", "bob", "--json", ...on(open));
    const entries = JSON.parse(directory.stdout);
    expect(entries.map((e: { user_id: string; state: string }) => [e.user_id, e.state])).toEqual([
      ["bob", "active"],
      ["bob", "active"],
    ]);
  }, 20_000);

  test("registration closed: exit 1 naming device add and registration.policy", async () => {
    expect((await cli("keygen", "-o", "c.key")).code).toBe(0);
    const refused = await cli("register", "--key", "c.key", "--user", "carol", ...on(closed));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("device add --public-key");
    expect(refused.stderr).toContain('registration.policy = "open"');
  }, 20_000);

  test("a changed server identity is refused and the known key kept", async () => {
    const known = `${dir.path}/cfg/norc-server/known-servers.json`;
    const entries = JSON.parse(readFileSync(known, "utf8"));
    const port = await freePort();
    entries[`127.0.0.1:${closed.port}`] = "ab".repeat(32);
    writeFileSync(known, JSON.stringify(entries));
    const refused = await cli("directory", "--key", "alice.key", "--user", "bob", ...on(closed));
    expect([refused.code, refused.stderr.includes("server identity changed")]).toEqual([1, true]);
    expect(JSON.parse(readFileSync(known, "utf8"))[`127.0.0.1:${closed.port}`]).toBe("ab".repeat(32));
    const unreachable = await cli(
      "send",
      "--key",
      "alice.key",
      "--to",
      "bob",
      "--text",
      "x",
      "--server",
      `127.0.0.1:${port}`,
      "--plain",
    );
    expect(unreachable.code).toBe(69);
  }, 20_000);

  test("usage errors exit 64; a key others can read exits 1 with the chmod to run", async () => {
    expect((await cli()).code).toBe(64);
    expect((await cli("send", "--key", "alice.key")).code).toBe(64);
    expect((await cli("listen")).code).toBe(64);
    expect((await cli("directory", "--key", "alice.key")).code).toBe(64);
    chmodSync(`${dir.path}/alice.key`, 0o644);
    const loose = await cli("listen", "--key", "alice.key", ...on(open));
    expect(loose.code).toBe(1);
    expect(loose.stderr).toContain('chmod 600 "alice.key"');
  }, 20_000);
});
