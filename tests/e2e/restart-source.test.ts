import { afterEach, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv, freePort, runBinary } from "../helpers/binary.ts";
import {
  accepts,
  cleanupInstances,
  cli,
  eventually,
  pidFromFile,
  withInstance,
} from "../helpers/daemon-instance.ts";

afterEach(cleanupInstances);

/** A config whose own address is 127.0.0.2:filePort: what a start without the env/flags gets. */
function writeConfig(dir: string, filePort: number, daemon = ""): void {
  writeFileSync(
    join(dir, "config.toml"),
    `[network]\nbind_address = "127.0.0.2"\nport = ${filePort}\nshutdown_timeout_secs = 5\n\n[tls]\nenabled = false\n\n[logging]\nfile = "./server.log"\n\n[daemon]\npid_file = "./run/norc.pid"\n${daemon}`,
  );
}

type Status = {
  pid: number;
  worker_pid: number | null;
  listen: string;
  start: { env: Record<string, string> };
};

async function status(dir: string): Promise<Status> {
  return JSON.parse((await cli(dir, "status", "--json")).stdout);
}

// Issue 12, defect 5: a server started with NORC_NETWORK_PORT/NORC_NETWORK_BIND_ADDRESS came back
// from `restart` on the file's (or default) address, because restart used its own environment.
test("restart reuses the NORC_* environment, flags and directory of the start, whatever its own shell has", async () => {
  await withInstance("norc-restart-source-", async (dir, port) => {
    writeConfig(dir, await freePort("127.0.0.2"));
    const env = { NORC_NETWORK_PORT: String(port), NORC_NETWORK_BIND_ADDRESS: "127.0.0.1" };
    const started = await runBinary(["-d", "-c", "config.toml"], { cwd: dir, env: cleanEnv(env) });
    expect(started.exitCode).toBe(0);
    expect(started.stderr).toContain(`listening on 127.0.0.1:${port}`);
    const before = pidFromFile(dir);

    // this shell has none of the start's variables, one of its own, and asks for debug logs
    const restarted = await runBinary(["restart", "-l", "debug"], {
      cwd: dir,
      env: cleanEnv({ NORC_NETWORK_PORT: "1" }),
      timeoutMs: 45_000,
    });
    expect(restarted.exitCode).toBe(0);
    expect(restarted.stderr).toContain(
      `starting it again as it was started: start -c config.toml --log-level=debug in ${dir}, NORC_NETWORK_PORT=${port}, NORC_NETWORK_BIND_ADDRESS=127.0.0.1`,
    );
    expect(restarted.stderr).toContain(
      "warning: NORC_NETWORK_PORT of this shell not used: restart keeps the environment the server was started with",
    );
    expect(restarted.stderr).toContain(`listening on 127.0.0.1:${port}`);
    expect(pidFromFile(dir)).not.toBe(before);
    const after = await status(dir);
    expect(after.listen).toBe(`127.0.0.1:${port}`);
    expect(after.start.env).toEqual(env);
    expect(await accepts(port)).toBe(true);
    const debugLogged = () =>
      readFileSync(join(dir, "server.log"), "utf8").includes("DEBUG norc_server: accepted");
    expect(await eventually(debugLogged, 5000)).toBe(true);

    // and again: the recorded source survives a restart of a restart
    expect((await cli(dir, "restart")).exitCode).toBe(0);
    expect((await status(dir)).listen).toBe(`127.0.0.1:${port}`);
  });
}, 90_000);

test("the supervisor starts a new worker from the same source: NORC_* environment and flags", async () => {
  await withInstance("norc-restart-source-", async (dir, port) => {
    writeConfig(dir, await freePort("127.0.0.2"), "auto_restart = true\nrestart_cooldown_secs = 1\n");
    const env = cleanEnv({ NORC_NETWORK_BIND_ADDRESS: "127.0.0.1" });
    const started = await runBinary(["-d", "-p", String(port)], { cwd: dir, env });
    expect(started.exitCode).toBe(0);
    const before = await status(dir);
    process.kill(before.worker_pid ?? 0, "SIGKILL");
    const replaced = await eventually(async () => {
      const now = await status(dir).catch(() => undefined);
      return now?.worker_pid != null && now.worker_pid !== before.worker_pid && (await accepts(port));
    }, 10_000);
    expect(replaced).toBe(true);
    expect((await status(dir)).listen).toBe(`127.0.0.1:${port}`);
  });
}, 90_000);
