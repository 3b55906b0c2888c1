import { afterEach, describe, expect, test } from "bun:test";
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { freePort } from "../helpers/binary.ts";
import {
  cleanupInstances,
  cli,
  eventually,
  instanceDir,
  pidFromFile,
  writeInstanceConfig,
} from "../helpers/daemon-instance.ts";
import { makeTlsFiles } from "../helpers/tls-material.ts";

afterEach(cleanupInstances);

const isRoot = process.getuid?.() === 0 && process.platform === "linux";
const nobodyUid = Number(Bun.spawnSync(["id", "-u", "nobody"]).stdout.toString().trim());
const SUPERVISED = "auto_restart = true\nrestart_cooldown_secs = 1\nmax_restarts = 2\n";

function readOr(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** An instance dir nobody can search, with `daemon.user = "nobody"` and the log at `logFile`. */
async function nobodyInstance(extra: string, logging: string): Promise<{ dir: string; config: string }> {
  const dir = instanceDir("norc-user-");
  chmodSync(dir, 0o755);
  const config = writeInstanceConfig(dir, await freePort(), `user = "nobody"\n${extra}`);
  writeFileSync(config, readFileSync(config, "utf8").replace('file = "./server.log"', logging));
  return { dir, config };
}

describe.skipIf(!isRoot).each([
  ["without a supervisor", ""],
  ["with a supervisor", SUPERVISED],
])("daemon.user = nobody %s (root only)", (_name, extra) => {
  test("the log directory the server creates is nobody's: reload applies and rotation works after the switch", async () => {
    const { dir } = await nobodyInstance(extra, 'file = "./logs/server.log"\nmax_size_mb = 1\nmax_files = 3');
    expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
    const log = join(dir, "logs/server.log");
    expect(statSync(join(dir, "logs")).uid).toBe(nobodyUid);
    expect(statSync(log).uid).toBe(nobodyUid);

    const reload = await cli(dir, "reload");
    expect(reload.stderr).toBe("");
    expect(reload.stdout).toContain("reload applied: no changes");
    expect(reload.exitCode).toBe(0);

    appendFileSync(log, `${"x".repeat(99)}\n`.repeat(10_500)); // past max_size_mb = 1
    process.kill(pidFromFile(dir) ?? 0, "SIGUSR1"); // the next line rolls the file, as nobody
    expect(await eventually(() => existsSync(`${log}.1`) && readOr(log).includes("reopened"), 10_000)).toBe(
      true,
    );
    expect(statSync(log).uid).toBe(nobodyUid);
    expect(statSync(log).size).toBeLessThan(1024 * 1024);
    expect(readOr(`${log}.1`)).toContain("x".repeat(99));
    expect(readOr(log)).not.toContain("cannot rotate");
    expect((await cli(dir, "stop")).exitCode).toBe(0);
  }, 60_000);

  test("a root-only TLS key (chmod 600): validate-config warns, reloads keep the key read at start", async () => {
    const { dir, config } = await nobodyInstance(extra, 'file = "./logs/server.log"');
    const tlsDir = join(dir, "tls");
    mkdirSync(tlsDir);
    const tls = await makeTlsFiles(tlsDir);
    chmodSync(tlsDir, 0o755);
    chmodSync(tls.serverCert, 0o644);
    const tlsKeys = `[tls]\nenabled = true\ncert_file = "${tls.serverCert}"\nkey_file = "${tls.serverKey}"`;
    writeFileSync(config, readFileSync(config, "utf8").replace("[tls]\nenabled = false", tlsKeys));

    const validated = await cli(dir, "validate-config");
    expect(validated.exitCode).toBe(0);
    expect(validated.stderr).toContain(
      `warning: tls.key_file: "${tls.serverKey}" is not readable by daemon.user "nobody"`,
    );
    expect(validated.stderr).toContain("a reload keeps the copy read at start");

    expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
    const reload = await cli(dir, "reload");
    expect(reload.stderr).toBe("");
    expect(reload.stdout).toContain("reload applied");
    expect(reload.exitCode).toBe(0);
    const log = join(dir, "logs/server.log");
    const kept = () => readOr(log).includes("tls.key_file: cannot be read any more (EACCES");
    expect(await eventually(kept, 5000)).toBe(true);
    expect((await cli(dir, "stop")).exitCode).toBe(0);
  }, 60_000);
});

describe.skipIf(!isRoot)(
  "validate-config predicts what nobody cannot do after the switch (root only)",
  () => {
    test("an existing root-owned log directory with rotation: 78 from validate-config and start, same words", async () => {
      const { dir, config } = await nobodyInstance("", 'file = "./logs/server.log"');
      mkdirSync(join(dir, "logs"), { mode: 0o755 });
      const validated = await cli(dir, "validate-config");
      expect(validated.exitCode).toBe(78);
      const problem = `logging.file: daemon.user "nobody" cannot create files in "${join(dir, "logs")}"`;
      expect(validated.stderr).toContain(problem);
      expect(validated.stderr).toContain("which rotation needs after the switch");
      const started = await cli(dir, "start", "-d");
      expect(started.exitCode).toBe(78);
      expect(started.stderr).toContain(problem);

      writeFileSync(config, readFileSync(config, "utf8").replace("[logging]", "[logging]\nrotation = false"));
      expect((await cli(dir, "validate-config")).exitCode).toBe(0);
    }, 60_000);

    test("a config file only root can read: OK with a warning that every reload after the switch is rejected", async () => {
      const { dir, config } = await nobodyInstance("", 'file = "./logs/server.log"');
      chmodSync(config, 0o600);
      const validated = await cli(dir, "validate-config");
      expect(validated.exitCode).toBe(0);
      expect(validated.stderr).toContain(
        `warning: config file "${config}" is not readable by daemon.user "nobody" (mode 0600, owner 0:0): every reload after the switch will be rejected`,
      );
    }, 60_000);

    test("a data_dir nobody cannot reach: 78, naming the directory that blocks it", async () => {
      const { dir } = await nobodyInstance("", 'file = "./logs/server.log"');
      chmodSync(dir, 0o700);
      const validated = await cli(dir, "validate-config");
      expect(validated.exitCode).toBe(78);
      expect(validated.stderr).toContain(
        `storage.data_dir: daemon.user "nobody" cannot reach "${join(dir, "data")}" after the switch (no search permission on "${dir}", mode 0700`,
      );
    }, 60_000);
  },
);
