import { afterEach, describe, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
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

const MIB = 1024 * 1024;

/** Makes the log file one MiB of filler, so the server's next line rolls it (max_size_mb = 1). */
function fillLog(path: string): void {
  appendFileSync(path, `${"x".repeat(99)}\n`.repeat(MIB / 100 + 1));
}

describe("the supervisor's lines", () => {
  test("carry their own target and follow the worker's rotation into the fresh file", async () => {
    await withInstance("norc-daemon-log-", async (dir, port) => {
      const config = writeInstanceConfig(dir, port, SUPERVISED);
      const rotating = 'file = "./server.log"\nmax_size_mb = 1\nmax_files = 3';
      await Bun.write(config, readFileSync(config, "utf8").replace('file = "./server.log"', rotating));
      const log = join(dir, "server.log");
      fillLog(log);
      expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
      // the worker's first line rolled the filled file; the supervisor's next lines are in the new one
      const ready = /INFO norc_server::supervisor: worker ready \(pid (\d+)\)/;
      expect(await eventually(() => ready.test(readOr(log)), 10_000)).toBe(true);
      expect(readOr(`${log}.1`)).toContain("x".repeat(99));
      expect(readOr(`${log}.1`)).not.toContain("worker ready");
      expect(readOr(log)).toMatch(/INFO norc_server: listening on 127\.0\.0\.1:/);

      const worker = Number(ready.exec(readOr(log))?.[1]);
      process.kill(worker, "SIGKILL");
      const restarted =
        /WARN norc_server::supervisor: worker ended unexpectedly \(signal SIGKILL\); restart 1 of 2/;
      expect(await eventually(() => restarted.test(readOr(log)), 10_000)).toBe(true);
      const again = () => readOr(log).split("norc_server::supervisor: worker ready").length === 3;
      expect(await eventually(again, 10_000)).toBe(true);
      expect((await cli(dir, "stop")).exitCode).toBe(0);
    });
  }, 60_000);
});

test("a reload that moves the log file moves the supervisor's lines too", async () => {
  await withInstance("norc-daemon-log-", async (dir, port) => {
    const config = writeInstanceConfig(dir, port, SUPERVISED);
    expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
    await Bun.write(config, readFileSync(config, "utf8").replace("./server.log", "./moved/other.log"));
    expect((await cli(dir, "reload")).stdout).toContain("changed logging.file");
    const moved = join(dir, "moved/other.log");
    const { worker_pid } = JSON.parse((await cli(dir, "status", "--json")).stdout);
    expect(JSON.parse((await cli(dir, "status", "--json")).stdout).log_file).toBe(moved);
    process.kill(worker_pid, "SIGKILL");
    const ended = () => readOr(moved).includes("norc_server::supervisor: worker ended unexpectedly");
    expect(await eventually(ended, 10_000)).toBe(true);
    expect(readOr(join(dir, "server.log"))).not.toContain("worker ended unexpectedly");
    expect((await cli(dir, "stop")).exitCode).toBe(0);
  });
}, 60_000);

describe("a daemon always has somewhere to write", () => {
  test("without logging.file: a default file under data_dir, said at start and by status", async () => {
    await withInstance("norc-daemon-log-", async (dir, port) => {
      const config = writeInstanceConfig(dir, port);
      await Bun.write(config, readFileSync(config, "utf8").replace('file = "./server.log"\n', ""));
      const started = await cli(dir, "start", "-d");
      const file = join(dir, "data/norc-server.log");
      expect(started.stderr).toContain(`logging.file is not set: the daemon logs to ${file}`);
      expect(started.stderr).toContain(`; log: ${file}`);
      expect(started.exitCode).toBe(0);
      expect(await eventually(() => readOr(file).includes(`listening on 127.0.0.1:${port}`), 5000)).toBe(
        true,
      );
      expect((await cli(dir, "status")).stdout).toContain(`  log:         ${file}`);
      expect(JSON.parse((await cli(dir, "status", "--json")).stdout).log_file).toBe(file);
      expect((await cli(dir, "stop")).exitCode).toBe(0);
      expect(readOr(file)).toContain("server stopped");
    });
  }, 60_000);

  test("with logging.file: what the daemon writes on stderr (a failed rotation) lands in the log file", async () => {
    await withInstance("norc-daemon-log-", async (dir, port) => {
      const config = writeInstanceConfig(dir, port);
      const rotating = 'file = "./server.log"\nmax_size_mb = 1\nmax_files = 2';
      await Bun.write(config, readFileSync(config, "utf8").replace('file = "./server.log"', rotating));
      expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
      const log = join(dir, "server.log");
      mkdirSync(`${log}.1`); // a directory where the rotated file must go: the roll fails
      writeFileSync(join(`${log}.1`, "keep"), "");
      fillLog(log);
      process.kill(pidFromFile(dir) ?? 0, "SIGUSR1"); // a line to write: the roll is tried
      const reported = /norc-server: cannot rotate log file ".*server\.log"/;
      expect(await eventually(() => reported.test(readOr(log)), 10_000)).toBe(true);
      expect((await cli(dir, "stop")).exitCode).toBe(0);
    });
  }, 60_000);
});
