import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import {
  accepts,
  cleanupInstances,
  cli,
  instanceProcesses,
  isRunning,
  pidFromFile,
  withInstance,
  writeInstanceConfig,
} from "../helpers/daemon-instance.ts";

afterEach(cleanupInstances);

describe("start --daemon / status / stop", () => {
  test("start -d returns once the port accepts; status shows it; stop leaves nothing; status then exits 3", async () => {
    await withInstance("norc-daemon-", async (dir, port) => {
      writeInstanceConfig(dir, port);
      const started = await cli(dir, "start", "-d");
      expect(started.stderr).toMatch(
        new RegExp(`norc-server started \\(pid \\d+\\), listening on 127\\.0\\.0\\.1:${port}`),
      );
      expect(started.exitCode).toBe(0);
      expect(await accepts(port)).toBe(true);
      const pid = pidFromFile(dir) ?? 0;
      expect(started.stderr).toContain(`(pid ${pid})`);
      expect(isRunning(pid)).toBe(true);

      const status = await cli(dir, "status");
      expect(status.exitCode).toBe(0);
      expect(status.stdout).toContain(`norc-server is running (pid ${pid})`);
      expect(status.stdout).toContain(`127.0.0.1:${port}`);
      const logged = /server identity fingerprint: ([0-9a-f]{64})/.exec(
        readFileSync(join(dir, "server.log"), "utf8"),
      )?.[1];
      expect(logged).toBeDefined();
      expect(status.stdout).toContain(`identity:    ${logged}`);
      const json = JSON.parse((await cli(dir, "status", "--json")).stdout);
      expect(json).toMatchObject({
        running: true,
        pid,
        listen: `127.0.0.1:${port}`,
        tls: false,
        connections: 0,
        identity_fingerprint: logged,
      });

      const stopped = await cli(dir, "stop");
      expect(stopped.exitCode).toBe(0);
      expect(stopped.stderr).toContain(`norc-server stopped (pid ${pid}`);
      expect(isRunning(pid)).toBe(false);
      expect(instanceProcesses(dir)).toEqual([]);
      expect(existsSync(join(dir, "run/norc.pid"))).toBe(false);
      expect((await cli(dir, "status")).exitCode).toBe(3);
      const again = await cli(dir, "stop");
      expect(again.exitCode).toBe(0);
      expect(again.stderr).toContain("not running");
    });
  }, 60_000);

  test("the bare root command with -d daemonizes too, and the PID file exists when the CLI returns", async () => {
    await withInstance("norc-daemon-", async (dir, port) => {
      writeInstanceConfig(dir, port);
      const started = await cli(dir, "-d", "-c", "config.toml");
      expect(started.exitCode).toBe(0);
      expect(isRunning(pidFromFile(dir) ?? 0)).toBe(true);
      expect((await cli(dir, "stop")).exitCode).toBe(0);
    });
  }, 60_000);

  test("port taken: exit 75 naming the port; no process and no PID file left", async () => {
    await withInstance("norc-daemon-", async (dir, port) => {
      writeInstanceConfig(dir, port);
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
      try {
        const started = await cli(dir, "start", "--daemon");
        expect(started.exitCode).toBe(75);
        expect(started.stderr).toContain(`${port}`);
        expect(started.stderr).toContain("in use");
        expect(instanceProcesses(dir)).toEqual([]);
        expect(existsSync(join(dir, "run/norc.pid"))).toBe(false);
      } finally {
        blocker.close();
      }
    });
  }, 60_000);

  test("bad config: exit 78 before detaching, nothing left running", async () => {
    await withInstance("norc-daemon-", async (dir, port) => {
      writeInstanceConfig(dir, port, "max_restarts = 0\n");
      const started = await cli(dir, "start", "-d");
      expect(started.exitCode).toBe(78);
      expect(started.stderr).toContain("daemon.max_restarts");
      expect(started.stderr).not.toContain("started");
      expect(instanceProcesses(dir)).toEqual([]);
      expect(existsSync(join(dir, "run"))).toBe(false);
    });
  }, 60_000);

  test("two starts at once on one PID file: exactly one instance runs, the other names it", async () => {
    await withInstance("norc-daemon-", async (dir, port) => {
      writeInstanceConfig(dir, port);
      const [a, b] = await Promise.all([cli(dir, "start", "-d"), cli(dir, "start", "-d")]);
      const codes = [a.exitCode, b.exitCode].sort();
      expect(codes).toEqual([0, 1]);
      const pid = pidFromFile(dir) ?? 0;
      const loser = a.exitCode === 0 ? b : a;
      expect(loser.stderr).toContain(`already running (pid ${pid}`);
      expect(instanceProcesses(dir)).toEqual([pid]);
    });
  }, 60_000);

  test("a PID file naming a dead pid, or pid 1, never blocks a start; status with a dead pid exits 1", async () => {
    await withInstance("norc-daemon-", async (dir, port) => {
      writeInstanceConfig(dir, port);
      const dead = Bun.spawnSync(["true"]).pid;
      Bun.spawnSync(["mkdir", "-p", join(dir, "run")]);
      writeFileSync(join(dir, "run/norc.pid"), `${dead}\n`);
      writeFileSync(join(dir, "run/norc.lock"), `${dead}\n`);
      const status = await cli(dir, "status");
      expect(status.exitCode).toBe(1);
      expect(status.stdout).toContain("stale");
      expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
      expect((await cli(dir, "stop")).exitCode).toBe(0);

      writeFileSync(join(dir, "run/norc.pid"), "1\n");
      writeFileSync(join(dir, "run/norc.lock"), "1\n");
      const foreign = await cli(dir, "status");
      expect(foreign.exitCode).toBe(1);
      expect(foreign.stdout).toContain("pid 1 is not a running norc-server");
      const started = await cli(dir, "start", "-d");
      expect(started.exitCode).toBe(0);
      expect(pidFromFile(dir)).not.toBe(1);
      expect(await accepts(port)).toBe(true);
    });
  }, 60_000);

  test("stop --force kills the supervisor and its worker at once", async () => {
    await withInstance("norc-daemon-", async (dir, port) => {
      writeInstanceConfig(dir, port, "auto_restart = true\n");
      expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
      const status = JSON.parse((await cli(dir, "status", "--json")).stdout);
      expect(status.worker_pid).toBeGreaterThan(0);
      expect(status.identity_fingerprint).toMatch(/^[0-9a-f]{64}$/);
      const stopped = await cli(dir, "stop", "--force");
      expect(stopped.exitCode).toBe(0);
      expect(stopped.stderr).toContain("SIGKILL");
      expect(isRunning(status.pid)).toBe(false);
      expect(isRunning(status.worker_pid)).toBe(false);
      expect(instanceProcesses(dir)).toEqual([]);
      expect(existsSync(join(dir, "run/norc.pid"))).toBe(false);
      expect((await cli(dir, "stop", "--force")).exitCode).toBe(7);
    });
  }, 60_000);
});
