import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { BINARY, cleanEnv, runBinary, tempDir } from "../helpers/binary.ts";

const TEMPLATE = readFileSync(resolve(import.meta.dir, "../../src/config/template.toml"), "utf8");
const EXAMPLES = resolve(import.meta.dir, "../../examples");

let dir: { path: string; cleanup: () => void };
beforeEach(() => {
  dir = tempDir("norc-config-e2e-");
});
afterEach(() => dir.cleanup());

const run = (args: string[], env: Record<string, string> = {}) =>
  runBinary(args, { cwd: dir.path, env: cleanEnv(env) });
const file = (name: string) => join(dir.path, name);

describe("generate-config", () => {
  test("writes a config that validate-config accepts, mode 0640 or stricter", async () => {
    const generated = await run(["generate-config", "-o", "x.toml"]);
    expect(generated).toMatchObject({ exitCode: 0, stdout: "", stderr: "wrote x.toml\n" });
    expect(readFileSync(file("x.toml"), "utf8")).toBe(TEMPLATE);
    expect(statSync(file("x.toml")).mode & 0o137).toBe(0);
    const validated = await run(["validate-config", "x.toml"]);
    expect(validated.exitCode).toBe(0);
    expect(validated.stdout).toBe(
      "x.toml: OK: listen 0.0.0.0:8443, TLS on (generated self-signed certificate, min 1.3), log to stdout (pretty, info)\n",
    );
  });

  test("refuses to overwrite without --force and leaves the file unchanged; --force overwrites", async () => {
    writeFileSync(file("x.toml"), "# mine\n");
    const refused = await run(["generate-config", "-o", "x.toml"]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('"x.toml" already exists, left unchanged: use --force');
    expect(readFileSync(file("x.toml"), "utf8")).toBe("# mine\n");
    const forced = await run(["generate-config", "-o", "x.toml", "--force"]);
    expect(forced.exitCode).toBe(0);
    expect(readFileSync(file("x.toml"), "utf8")).toBe(TEMPLATE);
  });

  test("-o - prints the template to stdout and writes no file", async () => {
    const printed = await run(["generate-config", "-o", "-"]);
    expect(printed.exitCode).toBe(0);
    expect(printed.stdout).toBe(TEMPLATE);
    expect(readdirSync(dir.path)).toEqual([]);
  });

  test("the root flag --generate-config writes config.toml in the working directory", async () => {
    const generated = await run(["--generate-config"]);
    expect(generated).toMatchObject({ exitCode: 0, stderr: "wrote config.toml\n" });
    expect(readFileSync(file("config.toml"), "utf8")).toBe(TEMPLATE);
  });
});

describe("generate-config mistakes", () => {
  test("-o naming a directory says so, with or without --force, and writes nothing", async () => {
    mkdirSync(file("sub"));
    for (const args of [
      ["generate-config", "-o", "sub"],
      ["generate-config", "-o", "sub", "--force"],
    ]) {
      const result = await run(args);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toBe(
        `error: "sub" is a directory: give a file path, e.g. -o ${join("sub", "config.toml")}\n`,
      );
    }
    expect(readdirSync(file("sub"))).toEqual([]);
  });

  test("--generate-config with another command is a usage error and runs nothing", async () => {
    const result = await run(["--generate-config", "validate-config"]);
    expect(result).toMatchObject({ exitCode: 64, stdout: "" });
    expect(result.stderr).toContain(
      '--generate-config cannot be combined with the command "validate-config"',
    );
    expect(readdirSync(dir.path)).toEqual([]);
  });
});

describe("validate-config", () => {
  const broken =
    '[network]\nprot = 1\nport = 70000\n\n[logging]\nlevel = "loud"\n\n[storage]\ndata_dir = = 3\n';

  test("lists every problem on its own line with its path, exit 78, no stack", async () => {
    writeFileSync(file("bad.toml"), broken);
    const result = await run(["validate-config", "bad.toml"]);
    expect(result.exitCode).toBe(78);
    expect(result.stdout).toBe("");
    expect(result.stderr.split("\n")).toEqual([
      "error: invalid configuration in bad.toml:",
      'bad.toml:2: network.prot: unknown key (did you mean "port"?)',
      "bad.toml:3: network.port: must be 1..65535 (0 = any free port) (got 70000)",
      'bad.toml:6: logging.level: must be one of trace, debug, info, warn, error (got "loud")',
      "bad.toml:9:12: syntax error: invalid value",
      "",
    ]);
  });

  test("flags beat the environment, which beats the file", async () => {
    writeFileSync(file("config.toml"), '[network]\nport = 9000\n[logging]\nlevel = "warn"\n');
    const env = { NORC_NETWORK_PORT: "9443" };
    const fromEnv = await run(["validate-config"], env);
    expect(fromEnv.stdout).toContain("listen 0.0.0.0:9443,");
    const fromFlag = await run(["validate-config", "-p", "9444", "-l", "debug"], env);
    expect(fromFlag.exitCode).toBe(0);
    expect(fromFlag.stdout).toBe(
      "config.toml: OK: listen 0.0.0.0:9444, TLS on (generated self-signed certificate, min 1.3), log to stdout (pretty, debug)\n",
    );
  });

  test("a bad flag is reported as its config key", async () => {
    const result = await run(["validate-config", "--port", "70000"]);
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toContain(
      "network.port: must be 1..65535 (0 = any free port) (got 70000, from --port)",
    );
  });

  test("without config.toml it validates the built-in defaults; a missing -c file is an error", async () => {
    const defaults = await run(["validate-config"]);
    expect(defaults.exitCode).toBe(0);
    expect(defaults.stdout).toStartWith(
      "config.toml (not found: built-in defaults): OK: listen 0.0.0.0:8443,",
    );
    const missing = await run(["validate-config", "-c", "nope.toml"]);
    expect(missing.exitCode).toBe(78);
    expect(missing.stderr).toContain("norc-server generate-config -o nope.toml");
  });

  test.skipIf(process.platform === "win32")(
    "-c /dev/zero or a huge file: exit 78 saying it is too large, instead of reading forever",
    async () => {
      writeFileSync(file("huge.toml"), `# ${"x".repeat(2 * 1024 * 1024)}\n`);
      for (const args of [
        ["validate-config", "/dev/zero"],
        ["status", "-c", "/dev/zero"],
        ["-c", "huge.toml"],
      ]) {
        const result = await run(args);
        expect(result.exitCode).toBe(78);
        expect(result.stderr).toContain("is larger than 1 MiB: give the path of a TOML config file");
      }
    },
  );

  test("the production example names its missing certificate", async () => {
    const result = await run(["validate-config", join(EXAMPLES, "config-production.toml")]);
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toContain('tls.cert_file: cannot read "/etc/norc-server/tls/server.crt" (ENOENT)');
  });

  test("an unknown flag is a usage error (64) and nothing runs", async () => {
    const started = await run(["--prot", "9443"]);
    expect(started).toMatchObject({ exitCode: 64, stdout: "" });
    const validated = await run(["validate-config", "--prot", "9443"]);
    expect(validated).toMatchObject({ exitCode: 64, stdout: "" });
    expect(validated.stderr).toContain('unknown flag "--prot" (did you mean "--port"?)');
    expect(readdirSync(dir.path)).toEqual([]);
  });
});

describe("validate-config as a user who lacks permissions", () => {
  // As root every file is readable: run the binary as nobody instead (CI runs as root).
  const asRoot = process.getuid?.() === 0;
  const prefix = asRoot ? ["runuser", "-u", "nobody", "--"] : [];
  const usable = process.platform !== "win32" && (!asRoot || Bun.which("runuser") !== null);

  test.skipIf(!usable)(
    "an unreadable config and an unwritable data_dir are named with EACCES, exit 78",
    async () => {
      chmodSync(dir.path, 0o755);
      writeFileSync(file("unreadable.toml"), "[network]\nport = 9443\n");
      chmodSync(file("unreadable.toml"), 0o000);
      mkdirSync(file("locked"), { mode: 0o555 });
      chmodSync(file("locked"), 0o555);
      writeFileSync(file("locked.toml"), `[storage]\ndata_dir = "${file("locked/data")}"\n`);
      chmodSync(file("locked.toml"), 0o644);
      const as = (args: string[]) => {
        const child = Bun.spawnSync([...prefix, BINARY, ...args], { cwd: dir.path, env: cleanEnv() });
        return { exitCode: child.exitCode, stdout: child.stdout.toString(), stderr: child.stderr.toString() };
      };
      expect(as(["validate-config", "unreadable.toml"])).toEqual({
        exitCode: 78,
        stdout: "",
        stderr:
          'error: cannot read config file "unreadable.toml" (EACCES): check its permissions, or give another file with -c\n',
      });
      const locked = as(["validate-config", "locked.toml", "-c", "ignored.toml"]);
      expect(locked.exitCode).toBe(78);
      expect(locked.stderr).toContain(
        `storage.data_dir: cannot create or write to "${file("locked/data")}" (EACCES on "${file("locked")}")`,
      );
      expect(locked.stderr).not.toContain("    at ");
    },
  );
});
