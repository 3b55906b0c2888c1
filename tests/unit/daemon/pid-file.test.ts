import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readPidFile, removePidFileIfOwned, writePidFile } from "../../../src/daemon/pid-file.ts";
import { tempDir } from "../../helpers/binary.ts";

test("the PID file is written whole (no temp file left), mode 0640, and removed only by the pid it names", () => {
  const dir = tempDir();
  try {
    const path = join(dir.path, "x.pid");
    writePidFile(path, 1234);
    expect(readFileSync(path, "utf8")).toBe("1234\n");
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir.path)).toEqual(["x.pid"]);
    expect(readPidFile(path)).toBe(1234);
    expect(removePidFileIfOwned(path, 999)).toBe(false);
    expect(existsSync(path)).toBe(true);
    expect(removePidFileIfOwned(path, 1234)).toBe(true);
    expect(existsSync(path)).toBe(false);
  } finally {
    dir.cleanup();
  }
});

test.each(["", "12abc", "-5", "0"])("a PID file holding %p names no pid", (content) => {
  const dir = tempDir();
  try {
    const path = join(dir.path, "x.pid");
    writeFileSync(path, content);
    expect(readPidFile(path)).toBeUndefined();
  } finally {
    dir.cleanup();
  }
});
