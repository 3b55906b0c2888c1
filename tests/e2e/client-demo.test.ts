import { afterEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, cleanEnv, freePort, runBinary } from "../helpers/binary.ts";
import { cleanupInstances, instanceDir } from "../helpers/daemon-instance.ts";

afterEach(cleanupInstances);

/** The `--json` lines of `type` in listen's output. */
function ofType(output: string, type: string): Array<Record<string, string>> {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line))
    .filter((line) => line.type === type);
}

/**
 * The README's two-terminal walk-through (issue 11 item 9) against the compiled server with its
 * defaults plus `registration.policy = "open"`: online delivery, then offline delivery across a
 * restart in order, and the receipts the sender gets back.
 */
test("keygen, register, listen and send: online, then offline across a restart, with receipts", async () => {
  const dir = instanceDir("norc-demo-");
  const port = await freePort();
  writeFileSync(
    join(dir, "config.toml"),
    `[network]\nbind_address = "127.0.0.1"\nport = ${port}\n[registration]\npolicy = "open"\n[logging]\nfile = "server.log"\n[daemon]\npid_file = "./run/norc.pid"\n`,
  );
  const env = cleanEnv({ HOME: dir, XDG_CONFIG_HOME: join(dir, "cfg") });
  const run = (...args: string[]) => runBinary(args, { cwd: dir, env, timeoutMs: 30_000 });
  expect((await run("start", "-d")).exitCode).toBe(0);
  for (const name of ["bob", "alice"]) {
    expect((await run("client", "keygen", "-o", `${name}.key`)).exitCode).toBe(0);
    const registered = await run("client", "register", "--key", `${name}.key`, "--user", name);
    expect([registered.exitCode, registered.stdout.trim()]).toEqual([
      0,
      expect.stringContaining(`as "${name}": active`),
    ]);
  }

  const listener = Bun.spawn([BINARY, "client", "listen", "--key", "bob.key", "--json", "--count", "1"], {
    cwd: dir,
    env,
    stdout: "pipe",
    stderr: "pipe",
  });
  await Bun.sleep(700);
  const sent = await run("client", "send", "--key", "alice.key", "--to", "bob", "--text", "hello, bob");
  expect(sent.exitCode).toBe(0);
  expect(sent.stdout).toMatch(/^bob [0-9a-f]{16}…: accepted \(message [0-9a-f]{64}\)\n$/);
  expect(await listener.exited).toBe(0);
  const online = ofType(await new Response(listener.stdout).text(), "message")[0];
  expect(online).toMatchObject({ type: "message", from_user: "alice", text: "hello, bob", content_type: 1 });

  for (const text of ["offline one", "offline two"]) {
    expect((await run("client", "send", "--key", "alice.key", "--to", "bob", "--text", text)).exitCode).toBe(
      0,
    );
  }
  expect((await run("stop")).exitCode).toBe(0);
  expect((await run("start", "-d")).exitCode).toBe(0);
  const later = await run("client", "listen", "--key", "bob.key", "--json", "--count", "2");
  expect(later.exitCode).toBe(0);
  expect(ofType(later.stdout, "message").map((line) => line.text)).toEqual(["offline one", "offline two"]);

  // Alice was offline when the offline messages were acked: those receipts were queued for her. The
  // online message's receipt went to her send session if it was still connected, else it waits too.
  const alice = Bun.spawn([BINARY, "client", "listen", "--key", "alice.key", "--json"], {
    cwd: dir,
    env,
    stdout: "pipe",
  });
  let text = "";
  const reader = alice.stdout.getReader();
  const decoder = new TextDecoder();
  const deadline = Date.now() + 15_000;
  const timeout = Bun.sleep(15_000).then(() => ({ done: true, value: undefined }) as const);
  while (ofType(text, "receipt").length < 2 && Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), timeout]);
    if (chunk.done) break;
    text += decoder.decode(chunk.value);
  }
  alice.kill();
  const statuses = ofType(text, "receipt").map((line) => line.status);
  expect(statuses.length).toBeGreaterThanOrEqual(2);
  expect(new Set(statuses)).toEqual(new Set(["delivered"]));
  expect((await run("stop")).exitCode).toBe(0);
}, 90_000);
