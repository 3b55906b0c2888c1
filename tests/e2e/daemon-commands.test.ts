import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, unlinkSync } from "node:fs";
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

describe("lifecycle commands", () => {
  test("restart stops the instance and starts it again as a daemon with the flags it was started with", async () => {
    await withInstance("norc-commands-", async (dir, port) => {
      writeInstanceConfig(dir, 1);
      expect((await cli(dir, "start", "-d", "-c", "config.toml", "--port", String(port))).exitCode).toBe(0);
      const before = pidFromFile(dir) ?? 0;
      const restarted = await cli(dir, "restart");
      expect(restarted.exitCode).toBe(0);
      expect(restarted.stderr).toContain(`norc-server stopped (pid ${before}`);
      const after = pidFromFile(dir) ?? 0;
      expect(after).not.toBe(before);
      expect(restarted.stderr).toContain(
        `norc-server started (pid ${after}), listening on 127.0.0.1:${port}`,
      );
      expect(isRunning(before)).toBe(false);
      expect(await accepts(port)).toBe(true);
      expect(instanceProcesses(dir)).toEqual([after]);
    });
  }, 60_000);

  test("a foreground start is found, reported and stopped by the same commands; its PID file goes with it", async () => {
    await withInstance("norc-commands-", async (dir, port) => {
      writeInstanceConfig(dir, port);
      const server = startServer(["start"], { cwd: dir });
      try {
        expect(await eventually(async () => (await cli(dir, "status")).exitCode === 0, 15_000)).toBe(true);
        expect(pidFromFile(dir)).toBe(server.child.pid);
        const stopped = await cli(dir, "stop");
        expect(stopped.exitCode).toBe(0);
        expect(await server.child.exited).toBe(0);
        expect(existsSync(join(dir, "run/norc.pid"))).toBe(false);
      } finally {
        await server.kill();
      }
    });
  }, 60_000);

  test("SIGTERM to the supervisor reaches the worker; the supervisor exits after it and removes the PID file", async () => {
    await withInstance("norc-commands-", async (dir, port) => {
      writeInstanceConfig(dir, port, "auto_restart = true\n");
      expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
      const status = JSON.parse((await cli(dir, "status", "--json")).stdout);
      process.kill(status.pid, "SIGTERM");
      expect(await eventually(() => !isRunning(status.pid) && !isRunning(status.worker_pid), 15_000)).toBe(
        true,
      );
      expect(existsSync(join(dir, "run/norc.pid"))).toBe(false);
    });
  }, 60_000);

  test("without the control channel, stop and reload fall back to signals and say so", async () => {
    await withInstance("norc-commands-", async (dir, port) => {
      writeInstanceConfig(dir, port);
      expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
      const pid = pidFromFile(dir) ?? 0;
      unlinkSync(join(dir, "run/norc.sock"));
      const status = await cli(dir, "status");
      expect(status.exitCode).toBe(0);
      expect(status.stdout).toContain(`running (pid ${pid})`);
      const reload = await cli(dir, "reload");
      expect(reload.exitCode).toBe(0);
      expect(reload.stdout).toContain(`sent SIGHUP to pid ${pid}`);
      const stopped = await cli(dir, "stop");
      expect(stopped.exitCode).toBe(0);
      expect(stopped.stderr).toContain("SIGTERM sent (control channel unavailable)");
      expect(isRunning(pid)).toBe(false);
      expect(existsSync(join(dir, "run/norc.pid"))).toBe(false);
    });
  }, 60_000);

  test("a stale PID file: stop removes it and says so (exit 0); reload has no instance (exit 7)", async () => {
    await withInstance("norc-commands-", async (dir, port) => {
      writeInstanceConfig(dir, port);
      Bun.spawnSync(["mkdir", "-p", join(dir, "run")]);
      const dead = Bun.spawnSync(["true"]).pid;
      await Bun.write(join(dir, "run/norc.pid"), `${dead}\n`);
      expect((await cli(dir, "reload")).exitCode).toBe(7);
      const stopped = await cli(dir, "stop");
      expect(stopped.exitCode).toBe(0);
      expect(stopped.stderr).toContain("removed the stale PID file");
      expect(existsSync(join(dir, "run/norc.pid"))).toBe(false);
      expect((await cli(dir, "status")).exitCode).toBe(3);
    });
  }, 60_000);

  test("a TOML syntax error outside [daemon] does not hide the instance from status, reload and stop", async () => {
    await withInstance("norc-commands-", async (dir, port) => {
      const config = writeInstanceConfig(dir, port);
      expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
      const pid = pidFromFile(dir) ?? 0;
      const original = readFileSync(config, "utf8");
      await Bun.write(config, original.replace("[logging]", "[logging]\nlevel = "));

      const status = await cli(dir, "status");
      expect(status.exitCode).toBe(0);
      expect(status.stdout).toContain(`norc-server is running (pid ${pid})`);
      const reload = await cli(dir, "reload");
      expect(reload.exitCode).toBe(78);
      expect(reload.stdout).toContain("reload rejected");
      expect(reload.stderr).toContain("syntax error");
      expect(await accepts(port)).toBe(true);

      await Bun.write(
        config,
        original.replace('pid_file = "./run/norc.pid"', 'pid_file = "./run/norc.pid" x'),
      );
      const lost = await cli(dir, "stop");
      expect(lost.exitCode).toBe(78);
      expect(lost.stderr).toContain("NORC_DAEMON_PID_FILE");
      expect(isRunning(pid)).toBe(true);

      await Bun.write(config, original.replace("[logging]", "[logging]\nlevel = "));
      const stopped = await cli(dir, "stop");
      expect(stopped.exitCode).toBe(0);
      expect(stopped.stderr).toContain(`norc-server stopped (pid ${pid}`);
      expect(instanceProcesses(dir)).toEqual([]);
    });
  }, 60_000);

  test("restart with an invalid config exits 78 before stopping anything: the running server keeps serving", async () => {
    await withInstance("norc-commands-", async (dir, port) => {
      const config = writeInstanceConfig(dir, port);
      expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
      const pid = pidFromFile(dir) ?? 0;
      const original = readFileSync(config, "utf8");
      await Bun.write(config, original.replace(`port = ${port}`, "port = 70000"));
      const restarted = await cli(dir, "restart");
      expect(restarted.exitCode).toBe(78);
      expect(restarted.stderr).toContain("network.port");
      expect(restarted.stderr).toContain(`running server (pid ${pid}) is left as it is`);
      expect(restarted.stderr).not.toContain("stopped");
      expect(isRunning(pid)).toBe(true);
      expect(pidFromFile(dir)).toBe(pid);
      expect(await accepts(port)).toBe(true);
    });
  }, 60_000);
});
