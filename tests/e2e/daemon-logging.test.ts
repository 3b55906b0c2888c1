import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  cleanupInstances,
  cli,
  eventually,
  isRunning,
  pidFromFile,
  withInstance,
  writeInstanceConfig,
} from "../helpers/daemon-instance.ts";

afterEach(cleanupInstances);

const SUPERVISED = "auto_restart = true\nrestart_cooldown_secs = 1\nmax_restarts = 2\n";

function readOr(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

describe.each([
  ["without a supervisor", ""],
  ["with a supervisor", SUPERVISED],
])("a reload to a log file that cannot be opened, %s", (_name, extra) => {
  test("reload exits 78 with the problem, SIGHUP logs the rejection; the old config keeps serving", async () => {
    await withInstance("norc-daemon-log-", async (dir, port) => {
      const config = writeInstanceConfig(dir, port, extra);
      expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
      const log = join(dir, "server.log");
      // As root every access check passes under /proc, but nothing can be created there.
      const original = readFileSync(config, "utf8");
      await Bun.write(
        config,
        original.replace('file = "./server.log"', 'file = "/proc/norc-test/server.log"'),
      );

      const rejected = await cli(dir, "reload");
      expect(rejected.stdout).toContain("reload rejected");
      expect(rejected.stderr).toContain("/proc/norc-test");
      expect(rejected.exitCode).toBe(78);
      const logged = /ERROR norc_server: reload rejected, nothing changed: .*\/proc\/norc-test/;
      expect(await eventually(() => logged.test(readOr(log)), 5000)).toBe(true);

      const pid = pidFromFile(dir) ?? 0;
      process.kill(pid, "SIGHUP");
      const twice = () => readOr(log).split("reload rejected, nothing changed").length - 1 >= 2;
      expect(await eventually(twice, 10_000)).toBe(true);
      expect(isRunning(pid)).toBe(true);
      const status = await cli(dir, "status");
      expect(status.exitCode).toBe(0);
      expect(status.stdout).toContain(`127.0.0.1:${port}`);
      expect((await cli(dir, "stop")).exitCode).toBe(0);
      expect(readOr(log)).not.toContain("Unhandled");
    });
  }, 60_000);
});

describe.each([
  ["without a supervisor", ""],
  ["with a supervisor", SUPERVISED],
])("SIGUSR1 %s", (_name, extra) => {
  test("a reopen that fails is logged as a failure in the file still written; a later one succeeds", async () => {
    await withInstance("norc-daemon-log-", async (dir, port) => {
      const config = writeInstanceConfig(dir, port, extra);
      await Bun.write(
        config,
        readFileSync(config, "utf8").replace('file = "./server.log"', 'file = "./logs/server.log"'),
      );
      expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
      const pid = pidFromFile(dir) ?? 0;
      // logrotate moved the directory away, and something else now stands at its path
      renameSync(join(dir, "logs"), join(dir, "logs.old"));
      writeFileSync(join(dir, "logs"), "not a directory");
      process.kill(pid, "SIGUSR1");
      const old = join(dir, "logs.old/server.log");
      const failed = () =>
        /ERROR norc_server: SIGUSR1: cannot open log file .*still writing to the previous file/;
      expect(await eventually(() => failed().test(readOr(old)), 10_000)).toBe(true);
      expect(readOr(old)).not.toContain("SIGUSR1: log file reopened");

      rmSync(join(dir, "logs"));
      process.kill(pid, "SIGUSR1");
      const fresh = join(dir, "logs/server.log");
      expect(await eventually(() => readOr(fresh).includes("SIGUSR1: log file reopened"), 10_000)).toBe(true);
      expect((await cli(dir, "stop")).exitCode).toBe(0);
    });
  }, 60_000);
});
