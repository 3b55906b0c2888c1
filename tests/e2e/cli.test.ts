import { describe, expect, test } from "bun:test";
import { runBinary } from "../helpers/binary.ts";

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
    const result = await runBinary(["--help"]);
    expect(result.exitCode).toBe(0);
    for (const text of ["--config", "--log-level", "--bind", "--port", "--daemon", "--generate-config"]) {
      expect(result.stdout).toContain(text);
    }
    expect(result.stdout).toContain("validate-config");
  });

  test("a command's --help names the command", async () => {
    const result = await runBinary(["validate-config", "--help"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("norc-server validate-config");
  });
});
