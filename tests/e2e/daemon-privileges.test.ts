import { afterEach, expect, test } from "bun:test";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, cleanEnv, freePort } from "../helpers/binary.ts";
import {
  accepts,
  cleanupInstances,
  cli,
  instanceDir,
  instanceProcesses,
  pidFromFile,
  writeInstanceConfig,
} from "../helpers/daemon-instance.ts";

afterEach(cleanupInstances);

const isRoot = process.getuid?.() === 0;
const nobodyUid = Number(Bun.spawnSync(["id", "-u", "nobody"]).stdout.toString().trim());

function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^Uid:\s+(\d+)/m);
  return Number(line?.[1]);
}

/** Real gid and supplementary groups of a process, from /proc. */
function groupsOf(pid: number): { gid: number; groups: number[] } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const gid = Number(status.match(/^Gid:\s+(\d+)/m)?.[1]);
  const groups = (status.match(/^Groups:([^\n]*)/m)?.[1] ?? "")
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  return { gid, groups };
}

/** An instance config for daemon.user: its log in a directory the server creates (and gives to the user). */
function userConfig(dir: string, port: number, extra: string): void {
  const path = writeInstanceConfig(dir, port, extra);
  writeFileSync(path, readFileSync(path, "utf8").replace("./server.log", "./logs/server.log"));
}

/** Port 443 on 127.0.0.1 is free for the test (nothing else on this machine listens there). */
const port443Free = isRoot && !(await accepts(443));

test.skipIf(!port443Free || process.platform !== "linux")(
  "as root with user = nobody: binds 127.0.0.1:443, then serves as nobody (skipped unless root on Linux with 443 free)",
  async () => {
    const dir = { path: instanceDir("norc-priv-") };
    try {
      chmodSync(dir.path, 0o755); // nobody must reach data_dir and the log after the switch
      userConfig(dir.path, 443, 'user = "nobody"\n');
      const started = await cli(dir.path, "start", "-d");
      expect(started.stderr).toContain("listening on 127.0.0.1:443");
      expect(started.exitCode).toBe(0);
      const pid = pidFromFile(dir.path) ?? 0;
      expect(uidOf(pid)).toBe(nobodyUid);
      expect(await accepts(443)).toBe(true);
      expect((await cli(dir.path, "stop")).exitCode).toBe(0);
      expect(instanceProcesses(dir.path)).toEqual([]);
    } finally {
      cleanupInstances();
    }
  },
  60_000,
);

test.skipIf(!isRoot || process.platform !== "linux")(
  "with a supervisor, the worker serves as nobody while the supervisor keeps root to restart it; reload still applies",
  async () => {
    const dir = { path: instanceDir("norc-priv-") };
    try {
      const port = await freePort();
      chmodSync(dir.path, 0o755); // nobody must reach data_dir and the log after the switch
      userConfig(dir.path, port, 'user = "nobody"\nauto_restart = true\n');
      expect((await cli(dir.path, "start", "-d")).exitCode).toBe(0);
      const status = JSON.parse((await cli(dir.path, "status", "--json")).stdout);
      expect(uidOf(status.worker_pid)).toBe(nobodyUid);
      const nobodyGid = Number(Bun.spawnSync(["id", "-g", "nobody"]).stdout.toString().trim());
      expect(groupsOf(status.worker_pid)).toEqual({ gid: nobodyGid, groups: [nobodyGid] });
      expect(uidOf(status.pid)).toBe(0);
      // The worker (nobody) cannot write beside root's PID file: a reload must still apply.
      const config = join(dir.path, "config.toml");
      await Bun.write(
        config,
        readFileSync(config, "utf8").replace("[logging]", '[logging]\nlevel = "debug"'),
      );
      const reload = await cli(dir.path, "reload");
      expect(reload.stdout).toContain("reload applied: changed logging.level");
      expect(reload.exitCode).toBe(0);
      expect((await cli(dir.path, "stop")).exitCode).toBe(0);
    } finally {
      cleanupInstances();
    }
  },
  60_000,
);

test("files the daemon creates are closed to other users; working_dir is where it runs", async () => {
  const dir = { path: instanceDir("norc-modes-") };
  try {
    const port = await freePort();
    writeInstanceConfig(dir.path, port, `working_dir = "${dir.path}/work"\n`);
    Bun.spawnSync(["mkdir", join(dir.path, "work")]);
    expect((await cli(dir.path, "start", "-d")).exitCode).toBe(0);
    const pid = pidFromFile(dir.path) ?? 0;
    expect(
      Bun.spawnSync(["readlink", `/proc/${pid}/cwd`])
        .stdout.toString()
        .trim(),
    ).toBe(join(dir.path, "work"));
    for (const name of ["run/norc.pid", "run/norc.sock", "run/norc.lock", "server.log"]) {
      expect({ name, other: statSync(join(dir.path, name)).mode & 0o007 }).toEqual({ name, other: 0 });
    }
    expect(statSync(join(dir.path, "run/norc.sock")).mode & 0o777).toBe(0o600);
    expect((await cli(dir.path, "stop")).exitCode).toBe(0);
  } finally {
    cleanupInstances();
  }
}, 60_000);

test.skipIf(!isRoot || process.platform !== "linux")(
  "started by another non-root user with daemon.user set: exit 78 saying it needs root, before detaching",
  async () => {
    const dir = { path: instanceDir("norc-priv-") };
    try {
      chmodSync(dir.path, 0o777);
      writeInstanceConfig(dir.path, await freePort(), 'user = "root"\n');
      const child = Bun.spawn([BINARY, "start", "-d"], {
        cwd: dir.path,
        env: cleanEnv({ HOME: dir.path }),
        uid: nobodyUid,
        gid: nobodyUid,
        stdout: "pipe",
        stderr: "pipe",
      });
      const [stderr, exitCode] = await Promise.all([new Response(child.stderr).text(), child.exited]);
      expect(exitCode).toBe(78);
      expect(stderr).toContain("daemon.user");
      expect(stderr).toContain("root");
      expect(instanceProcesses(dir.path)).toEqual([]);
    } finally {
      cleanupInstances();
    }
  },
  60_000,
);
