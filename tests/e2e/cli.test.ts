import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { cleanEnv, runBinary, tempDir } from "../helpers/binary.ts";

/** An environment without NO_COLOR, as a user's shell has: help piped to a file must still be plain. */
const colourEnv = () => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", TERM: "xterm-256color" });

describe("command line", () => {
  test("--version and -V print version, commit, build date and target", async () => {
    for (const flag of ["--version", "-V"]) {
      const result = await runBinary([flag]);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(
        /^norc-server 0\.1\.0 \(commit \S+, built \d{4}-\d\d-\d\dT[\d:.]+Z, linux-x64\)\n$/,
      );
    }
  });

  test("an unknown flag is a usage error with a did-you-mean, and nothing runs", async () => {
    const result = await runBinary(["--prot", "9443"]);
    expect(result.exitCode).toBe(64);
    expect(result.stderr).toContain('unknown flag "--prot" (did you mean "--port"?)');
    expect(result.stderr).toContain("norc-server --help");
    expect(result.stdout).toBe("");
  });

  test("the supervisor's _worker command is hidden from --help, never suggested, and refuses to run by hand", async () => {
    const help = await runBinary(["--help"]);
    expect(help.stdout).not.toContain("_worker");
    const typo = await runBinary(["worker"]);
    expect(typo.exitCode).toBe(64);
    expect(typo.stderr).not.toContain("_worker");
    const byHand = await runBinary(["_worker"]);
    expect(byHand).toMatchObject({ exitCode: 64, stdout: "" });
    expect(byHand.stderr).toContain('"_worker" is internal');
  });

  test("an unknown flag beside --version or --help is still a usage error", async () => {
    for (const args of [
      ["-V", "--prot"],
      ["--prot", "--help"],
      ["validate-config", "--help", "--forse"],
    ]) {
      const result = await runBinary(args);
      expect(result).toMatchObject({ exitCode: 64, stdout: "" });
      expect(result.stderr).toContain("unknown flag");
    }
  });

  test("a value given to an on/off flag, or a word after --, is a usage error and nothing runs", async () => {
    const dir = tempDir("norc-cli-e2e-");
    try {
      for (const [args, message] of [
        [["--daemon=no"], 'flag "--daemon" takes no value (got "--daemon=no")'],
        [["generate-config", "--force=false"], 'flag "--force" takes no value (got "--force=false")'],
        [["--", "validate-config"], 'unexpected argument "validate-config"'],
      ] as const) {
        const result = await runBinary([...args], { cwd: dir.path, env: cleanEnv() });
        expect(result).toMatchObject({ exitCode: 64, stdout: "" });
        expect(result.stderr).toContain(message);
      }
      expect(readdirSync(dir.path)).toEqual([]);
    } finally {
      dir.cleanup();
    }
  });

  test("an unknown command is a usage error with a did-you-mean", async () => {
    const result = await runBinary(["valdate-config"]);
    expect(result.exitCode).toBe(64);
    expect(result.stderr).toContain('unknown command "valdate-config" (did you mean "validate-config"?)');
  });

  test("a flag without its value is a usage error", async () => {
    const result = await runBinary(["validate-config", "-p"]);
    expect(result.exitCode).toBe(64);
    expect(result.stderr).toContain('flag "-p" needs a value');
  });

  test("a surplus argument is a usage error", async () => {
    const result = await runBinary(["validate-config", "a.toml", "b.toml"]);
    expect(result.exitCode).toBe(64);
    expect(result.stderr).toContain('unexpected argument "b.toml"');
  });

  test("--help lists the global flags and the commands", async () => {
    const result = await runBinary(["--help"], { env: colourEnv() });
    expect(result.exitCode).toBe(0);
    for (const text of ["--config", "--log-level", "--bind", "--port", "--daemon", "--generate-config"]) {
      expect(result.stdout).toContain(text);
    }
    expect(result.stdout).toContain("validate-config");
    expect(result.stdout).not.toContain("\x1b[");
  });

  test("a command's --help names the command", async () => {
    const result = await runBinary(["validate-config", "--help"], { env: colourEnv() });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("norc-server validate-config");
    expect(result.stdout).not.toContain("\x1b[");
  });

  test("global flags work before and after the command name", async () => {
    const dir = tempDir("norc-cli-e2e-");
    try {
      for (const args of [
        ["-p", "9444", "-l", "debug", "validate-config"],
        ["validate-config", "-p", "9444", "-l", "debug"],
        ["--port=9444", "validate-config", "--log-level=debug"],
      ]) {
        const result = await runBinary(args, { cwd: dir.path, env: cleanEnv() });
        expect(result.exitCode).toBe(0);
        expect(result.stdout).toContain("listen 0.0.0.0:9444,");
        expect(result.stdout).toContain("(pretty, debug)");
      }
    } finally {
      dir.cleanup();
    }
  });
});
