import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadConfig } from "../../../src/config/load-config.ts";
import { ExitCode, NorcError } from "../../../src/errors.ts";

const FIXTURES = resolve(import.meta.dir, "../../fixtures/config");
const tomlFiles = (dir: string) =>
  readdirSync(join(FIXTURES, dir))
    .filter((name) => name.endsWith(".toml"))
    .sort();

const load = (dir: string, name: string) =>
  loadConfig({ path: name, explicit: true, env: {}, overrides: {}, cwd: join(FIXTURES, dir) });

describe("valid config fixtures", () => {
  test.each(tomlFiles("valid"))("%s loads", async (name) => {
    const loaded = await load("valid", name);
    expect(loaded.file).toBe(join(FIXTURES, "valid", name));
  });
});

describe("invalid config fixtures", () => {
  test.each(tomlFiles("invalid"))("%s fails with its expected message and exit 78", async (name) => {
    const expected = readFileSync(
      join(FIXTURES, "invalid", name.replace(/\.toml$/, ".expected.txt")),
      "utf8",
    );
    const error = await load("invalid", name).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(NorcError);
    expect((error as NorcError).exitCode).toBe(ExitCode.config);
    expect(`${(error as NorcError).message}\n`).toBe(expected);
  });
});
