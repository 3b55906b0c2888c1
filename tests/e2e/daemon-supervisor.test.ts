import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import {
  accepts,
  cleanupInstances,
  cli,
  eventually,
  instanceProcesses,
  isRunning,
  pidFromFile,
  withInstance,
  writeInstanceConfig,
} from "../helpers/daemon-instance.ts";
import { startServer } from "../helpers/server-process.ts";

afterEach(cleanupInstances);

const SUPERVISED = "auto_restart = true\nrestart_cooldown_secs = 1\nmax_restarts = 2\n";

/** Binds `server` to the port, retrying while the killed worker's last threads still hold it. */
async function listenSoon(server: Server, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const bound = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (bound || Date.now() > deadline) return bound;
    await Bun.sleep(20);
  }
}

async function statusJson(dir: string): Promise<{ pid: number; worker_pid: number; restarts: number }> {
  return JSON.parse((await cli(dir, "status", "--json")).stdout);
}

describe("auto_restart supervisor", () => {
  test("kill -9 of the worker: a new worker serves after the cooldown, same supervisor in the PID file", async () => {
    await withInstance("norc-supervisor-", async (dir, port) => {
      writeInstanceConfig(dir, port, SUPERVISED);
      expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
      const before = await statusJson(dir);
      expect(before.pid).toBe(pidFromFile(dir) ?? 0);
      process.kill(before.worker_pid, "SIGKILL");
      // restart_cooldown_secs (1 s) + 2 s, plus slack for a shared, noisy machine
      const replaced = await eventually(async () => {
        const now = await statusJson(dir).catch(() => undefined);
        return (
          now !== undefined &&
          now.worker_pid > 0 &&
          now.worker_pid !== before.worker_pid &&
          (await accepts(port))
        );
      }, 8000);
      expect(replaced).toBe(true);
      const after = await statusJson(dir);
      expect(after.pid).toBe(before.pid);
      expect(after.restarts).toBe(1);
      expect(pidFromFile(dir)).toBe(before.pid);
      expect(isRunning(before.worker_pid)).toBe(false);
      const log = readFileSync(join(dir, "server.log"), "utf8");
      expect(log).toContain("signal SIGKILL");
      expect(log).toContain("restart 1 of 2");
      expect((await cli(dir, "stop")).exitCode).toBe(0);
      expect(instanceProcesses(dir)).toEqual([]);
    });
  }, 60_000);

  test("a worker that fails on every restart is given up after max_restarts: supervisor exits 1, PID file removed", async () => {
    await withInstance("norc-supervisor-", async (dir, port) => {
      writeInstanceConfig(dir, port, "auto_restart = true\nrestart_cooldown_secs = 2\nmax_restarts = 2\n");
      const server = startServer(["start"], { cwd: dir });
      const blocker = createServer();
      try {
        const hasWorker = async () => ((await statusJson(dir).catch(() => undefined))?.worker_pid ?? 0) > 0;
        expect(await eventually(hasWorker, 15_000)).toBe(true);
        const { worker_pid } = await statusJson(dir);
        process.kill(worker_pid, "SIGKILL");
        expect(await eventually(() => !isRunning(worker_pid), 5000)).toBe(true);
        // the restarted workers find the port taken: a real start-up failure (exit 75) every time
        expect(await listenSoon(blocker, port, 1500)).toBe(true);
        expect(await server.child.exited).toBe(1);
        expect(existsSync(join(dir, "run/norc.pid"))).toBe(false);
        const log = readFileSync(join(dir, "server.log"), "utf8");
        expect(log).toContain("restart 2 of 2");
        expect(log).toContain("exit code 75");
        expect(log).toContain("giving up");
        expect(instanceProcesses(dir)).toEqual([]);
      } finally {
        blocker.close();
        await server.kill();
      }
    });
  }, 60_000);
});

describe("a hung worker", () => {
  test("status still answers with the worker pid; stop --timeout kills supervisor and worker after it", async () => {
    await withInstance("norc-supervisor-", async (dir, port) => {
      writeInstanceConfig(dir, port, SUPERVISED);
      expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
      const { pid, worker_pid } = await statusJson(dir);
      process.kill(worker_pid, "SIGSTOP");

      const status = await cli(dir, "status");
      expect(status.exitCode).toBe(0);
      expect(status.stdout).toContain(`norc-server is running (pid ${pid}, worker pid ${worker_pid})`);
      expect(status.stdout).toContain("connections: unknown");

      const stopped = await cli(dir, "stop", "--timeout", "2");
      expect(stopped.exitCode).toBe(0);
      expect(stopped.stderr).toContain("killed with SIGKILL");
      expect(stopped.stderr).toContain("did not stop within 2 s");
      expect(isRunning(pid)).toBe(false);
      expect(isRunning(worker_pid)).toBe(false);
      expect(instanceProcesses(dir)).toEqual([]);
      expect(existsSync(join(dir, "run/norc.pid"))).toBe(false);
    });
  }, 60_000);
});

describe("the heartbeat", () => {
  test("a stopped worker is reported as not answering, then killed and restarted; status says why", async () => {
    await withInstance("norc-supervisor-", async (dir, port) => {
      writeInstanceConfig(dir, port, SUPERVISED);
      expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
      const before = await statusJson(dir);
      process.kill(before.worker_pid, "SIGSTOP");
      const silent = async () =>
        (await cli(dir, "status")).stdout.includes("heartbeat:   NO ANSWER from the worker");
      expect(await eventually(silent, 15_000)).toBe(true);
      expect(JSON.parse((await cli(dir, "status", "--json")).stdout).worker_responding).toBe(false);
      // about 10 s without an answer, then SIGKILL, restart_cooldown_secs, a new worker
      const replaced = async () => {
        const now = await statusJson(dir).catch(() => undefined);
        return (now?.worker_pid ?? before.worker_pid) !== before.worker_pid && (await accepts(port));
      };
      expect(await eventually(replaced, 30_000)).toBe(true);
      expect(isRunning(before.worker_pid)).toBe(false);
      const json = JSON.parse((await cli(dir, "status", "--json")).stdout);
      expect(json).toMatchObject({ restarts: 1, worker_responding: true, pid: before.pid });
      expect(json.last_restart).toContain("no answer to the heartbeat");
      const text = (await cli(dir, "status")).stdout;
      expect(text).toContain("heartbeat:   the worker answers");
      expect(text).toContain(
        "restarts:    1 (last: worker ended unexpectedly (no answer to the heartbeat for",
      );
      const log = readFileSync(join(dir, "server.log"), "utf8");
      expect(log).toContain(`worker (pid ${before.worker_pid}) has not answered the heartbeat`);
      expect(log).toContain("restart 1 of 2");
      expect((await cli(dir, "stop")).exitCode).toBe(0);
      expect(instanceProcesses(dir)).toEqual([]);
    });
  }, 60_000);
});

describe.each([
  ["without a supervisor", ""],
  ["with a supervisor", SUPERVISED],
])("reload %s", (_name, extra) => {
  test("a broken config is rejected with exit 78 and every problem; a valid change reports its keys", async () => {
    await withInstance("norc-supervisor-", async (dir, port) => {
      const config = writeInstanceConfig(dir, port, extra);
      expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
      const original = readFileSync(config, "utf8");
      await Bun.write(
        config,
        original.replace(`port = ${port}`, 'port = "x"').replace("[tls]", "[tls]\nbogus = 1"),
      );
      const rejected = await cli(dir, "reload");
      expect(rejected.exitCode).toBe(78);
      expect(rejected.stdout).toContain("reload rejected");
      expect(rejected.stderr).toContain("network.port");
      expect(rejected.stderr).toContain("tls.bogus");
      expect((await cli(dir, "status")).exitCode).toBe(0);
      expect(await accepts(port)).toBe(true);

      await Bun.write(config, original.replace("[logging]", '[logging]\nlevel = "debug"'));
      const applied = await cli(dir, "reload");
      expect(applied.exitCode).toBe(0);
      expect(applied.stdout).toContain("reload applied: changed logging.level");
      expect((await cli(dir, "stop")).exitCode).toBe(0);
      expect((await cli(dir, "reload")).exitCode).toBe(7);
    });
  }, 60_000);
});

describe("auto_restart with daemon.working_dir and a relative -c", () => {
  test("the worker finds the config the start resolved, before and after a restart, and reloads it", async () => {
    await withInstance("norc-supervisor-", async (dir, port) => {
      writeInstanceConfig(dir, port, `${SUPERVISED}working_dir = "./work"\n`);
      mkdirSync(join(dir, "work"));
      const started = await cli(dir, "start", "-d", "-c", "config.toml");
      expect(started.stderr).toContain(`listening on 127.0.0.1:${port}`);
      expect(started.exitCode).toBe(0);
      const before = await statusJson(dir);
      process.kill(before.worker_pid, "SIGKILL");
      const replaced = async () => {
        const now = await statusJson(dir).catch(() => undefined);
        return (now?.worker_pid ?? before.worker_pid) !== before.worker_pid && (await accepts(port));
      };
      expect(await eventually(replaced, 10_000)).toBe(true);
      expect((await cli(dir, "reload", "-c", "config.toml")).exitCode).toBe(0);
      expect(existsSync(join(dir, "work/data"))).toBe(false);
      expect((await cli(dir, "stop", "-c", "config.toml")).exitCode).toBe(0);
    });
  }, 60_000);
});
