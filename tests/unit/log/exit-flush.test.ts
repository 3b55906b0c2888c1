import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv, tempDir } from "../../helpers/binary.ts";

const FIXTURE = join(import.meta.dir, "fixtures", "log-then-exit.ts");
const dirs: Array<{ cleanup: () => void }> = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.cleanup();
});

/** Runs the fixture with bun; stdout is read only after `readDelayMs`, so a pipe fills up first. */
async function runFixture(args: string[], env: Record<string, string> = {}, readDelayMs = 0) {
  const child = Bun.spawn([process.execPath, FIXTURE, ...args], {
    env: cleanEnv(env),
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  try {
    if (readDelayMs > 0) await Bun.sleep(readDelayMs);
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    return { stdout, stderr, exitCode };
  } finally {
    clearTimeout(timer);
  }
}

function numbers(text: string): number[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line).n);
}

const upTo = (count: number) => Array.from({ length: count }, (_, n) => n);

describe("flush on exit", () => {
  test.each(["exit", "throw", "return"])(
    "every line is in the file when the process leaves by %s",
    async (how) => {
      const dir = tempDir("norc-exit-");
      dirs.push(dir);
      const file = join(dir.path, "server.log");
      const result = await runFixture([file, "2000", how]);
      expect(result.exitCode).toBe(how === "exit" ? 3 : how === "throw" ? 1 : 0);
      expect(numbers(readFileSync(file, "utf8"))).toEqual(upTo(2000));
    },
  );

  test("stdout through a pipe that fills up: every line arrives whole and in order", async () => {
    const result = await runFixture(["-", "20000", "exit"], {}, 200);
    expect(result.exitCode).toBe(3);
    expect(numbers(result.stdout)).toEqual(upTo(20000));
  });

  test.if(process.platform === "linux")(
    "a non-blocking stdout pipe (EAGAIN when full) still gets every line",
    async () => {
      const result = await runFixture(["-", "20000", "exit"], { NORC_TEST_NONBLOCK: "1" }, 200);
      expect(result.stderr).toBe("");
      expect(result.exitCode).toBe(3);
      expect(numbers(result.stdout)).toEqual(upTo(20000));
    },
  );
});
