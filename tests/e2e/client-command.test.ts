import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv, freePort, runBinary, tempDir } from "../helpers/binary.ts";
import { type RunningNcpServer, startNcpServer } from "./protocol-server.ts";

/**
 * `norc-server client` in the compiled binary against the compiled server on its defaults
 * (TLS with a generated certificate, registration closed). The messaging demo joins these tests
 * once the server side of messaging lands.
 */
const serverDir = tempDir("norc-client-e2e-server-");
const home = tempDir("norc-client-e2e-home-");
let server: RunningNcpServer;
const env = cleanEnv({ HOME: home.path, XDG_CONFIG_HOME: join(home.path, "cfg") });
const client = (...args: string[]) => runBinary(["client", ...args], { cwd: home.path, env });
const at = () => ["--server", `127.0.0.1:${server.port}`, "--insecure"];

beforeAll(async () => {
  server = await startNcpServer(serverDir.path);
});

afterAll(async () => {
  await server?.process.kill();
  serverDir.cleanup();
  home.cleanup();
});

describe("norc-server client (compiled) against the compiled server", () => {
  test("keygen, then register under the default closed policy: 303 explained, the identity remembered on first use", async () => {
    const made = await client("keygen", "-o", "a.key", "--json");
    expect(made.exitCode).toBe(0);
    const { public_key: publicKey } = JSON.parse(made.stdout);
    const refused = await client("register", "--key", "a.key", "--user", "alice", ...at());
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain("registration is closed on this server (303)");
    expect(refused.stderr).toContain(`device add --public-key ${publicKey} --user alice`);
    const known = JSON.parse(readFileSync(join(home.path, "cfg/norc-server/known-servers.json"), "utf8"));
    expect(known[`127.0.0.1:${server.port}`]).toBe(server.fingerprint);
  });

  test("an unregistered device gets 201 with the way to register; a wrong pin is refused; no server is 69", async () => {
    const unknown = await client("directory", "--key", "a.key", "--user", "alice", ...at());
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain("201");
    expect(unknown.stderr).toContain("client register --key FILE --user USER");
    const pinned = await client(
      "directory",
      "--key",
      "a.key",
      "--user",
      "x",
      ...at(),
      "--pin",
      "ab".repeat(32),
    );
    expect(pinned.exitCode).toBe(1);
    expect(pinned.stderr).toContain("server identity changed");
    const port = await freePort();
    const nothing = await client(
      "send",
      "--key",
      "a.key",
      "--to",
      "bob",
      "--text",
      "hi",
      "--server",
      `127.0.0.1:${port}`,
      "--plain",
    );
    expect(nothing.exitCode).toBe(69);
  });
});
