import { afterEach, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readKept } from "../../../src/config/read-kept.ts";
import { tempDir } from "../../helpers/binary.ts";

const dirs: Array<{ cleanup: () => void }> = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.cleanup();
});

test("a readable file is read fresh every time; a file that is gone is an error, never the old copy", () => {
  const dir = tempDir("norc-kept-");
  dirs.push(dir);
  const path = join(dir.path, "server.crt");
  writeFileSync(path, "first");
  expect(readKept(path)).toEqual({ text: "first", kept: false });
  writeFileSync(path, "renewed");
  expect(readKept(path)).toEqual({ text: "renewed", kept: false });
  rmSync(path);
  expect(() => readKept(path)).toThrow(/ENOENT/);
});
