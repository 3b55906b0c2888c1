import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLogger } from "../../../src/log/create-logger.ts";
import type { Logger, LogOptions } from "../../../src/log/logger.ts";
import { tempDir } from "../../helpers/binary.ts";

const dirs: Array<{ cleanup: () => void }> = [];
const loggers: Logger[] = [];
afterEach(() => {
  for (const logger of loggers.splice(0)) logger.close();
  for (const dir of dirs.splice(0)) dir.cleanup();
});

function setup(overrides: Partial<LogOptions>, existing?: string) {
  const dir = tempDir("norc-rot-");
  dirs.push(dir);
  const file = join(dir.path, "server.log");
  if (existing !== undefined) writeFileSync(file, existing);
  const logger = createLogger({
    level: "info",
    format: "compact",
    file,
    rotation: true,
    maxSizeMb: 1,
    maxFiles: 3,
    ...overrides,
  });
  loggers.push(logger);
  const files = () => readdirSync(dir.path).sort();
  const read = (name: string) => readFileSync(join(dir.path, name), "utf8");
  return { logger, file, dir: dir.path, files, read };
}

describe("rotation", () => {
  test("keeps max_files files in total, none larger than the limit, newest lines in the active file", () => {
    const { logger, files, read, dir } = setup({ maxSizeBytes: 100 });
    for (let n = 0; n < 60; n++) logger.info(`line ${String(n).padStart(3, "0")}`); // 14 bytes each
    logger.flush();
    expect(files()).toEqual(["server.log", "server.log.1", "server.log.2"]);
    for (const name of files()) expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(100);
    expect(read("server.log").trimEnd().split("\n").at(-1)).toBe("INFO line 059");
    const lines = (from: number, to: number) =>
      Array.from(
        { length: to - from + 1 },
        (_, i) => `INFO line ${String(from + i).padStart(3, "0")}\n`,
      ).join("");
    expect(read("server.log")).toBe(lines(56, 59));
    expect(read("server.log.1")).toBe(lines(49, 55));
    expect(read("server.log.2")).toBe(lines(42, 48));
  });

  test("continues an existing file and rolls it before it would pass the limit", () => {
    const { logger, files, read } = setup({ maxSizeBytes: 30 }, "old line from before....\n"); // 25 bytes
    logger.info("new one"); // 13 bytes: 38 > 30, so the old file rolls first
    logger.flush();
    expect(files()).toEqual(["server.log", "server.log.1"]);
    expect(read("server.log.1")).toBe("old line from before....\n");
    expect(read("server.log")).toBe("INFO new one\n");
  });

  test("a line larger than the limit is written alone into a fresh file", () => {
    const { logger, read } = setup({ maxSizeBytes: 20 });
    logger.info("short");
    logger.info("x".repeat(50));
    logger.info("after");
    logger.flush();
    expect(read("server.log.2")).toBe("INFO short\n");
    expect(read("server.log.1")).toBe(`INFO ${"x".repeat(50)}\n`);
    expect(read("server.log")).toBe("INFO after\n");
  });

  test("lowering max_files (reload) removes the extra old files at the next roll; 1 keeps only the active file", () => {
    const { logger, files, file, read } = setup({ maxSizeBytes: 20, maxFiles: 5 });
    for (let n = 0; n < 10; n++) logger.info(`line ${n}`); // 12 bytes each: one per file
    logger.flush();
    expect(files()).toEqual(["server.log", "server.log.1", "server.log.2", "server.log.3", "server.log.4"]);
    const options = { level: "info", format: "compact", file, rotation: true, maxSizeMb: 1 } as const;
    logger.configure({ ...options, maxFiles: 2, maxSizeBytes: 20 });
    logger.info("line 10");
    logger.flush();
    expect(files()).toEqual(["server.log", "server.log.1"]);
    logger.configure({ ...options, maxFiles: 1, maxSizeBytes: 20 });
    logger.info("line 11");
    logger.flush();
    expect(files()).toEqual(["server.log"]);
    expect(read("server.log")).toBe("INFO line 11\n");
  });

  test("without rotation the file just grows", () => {
    const { logger, files, read } = setup({ rotation: false, maxSizeBytes: 20 });
    for (let n = 0; n < 10; n++) logger.info(`line ${n}`);
    logger.flush();
    expect(files()).toEqual(["server.log"]);
    expect(read("server.log").split("\n")).toHaveLength(11);
  });
});

describe("two writers of one file (supervisor and worker)", () => {
  test("the follower moves to the fresh file after the other rotates; the rotator counts the follower's bytes", () => {
    const { logger: worker, file, read, files } = setup({ maxSizeBytes: 40 });
    const supervisor = createLogger(
      { level: "info", format: "compact", file, rotation: false, maxSizeMb: 1, maxFiles: 3 },
      { followRotation: true, target: "norc_server::supervisor" },
    );
    loggers.push(supervisor);
    supervisor.info("supervisor 1"); // 42 bytes with the target
    supervisor.flush();
    worker.info("worker 1"); // the file already holds 42 bytes: it rolls first
    worker.flush();
    supervisor.info("supervisor 2");
    supervisor.flush();
    expect(files()).toEqual(["server.log", "server.log.1"]);
    expect(read("server.log.1")).toBe("INFO norc_server::supervisor: supervisor 1\n");
    expect(read("server.log")).toBe("INFO worker 1\nINFO norc_server::supervisor: supervisor 2\n");
  });
});

describe("reopen", () => {
  test("after the file is renamed (logrotate), reopen() writes to a new file at the path", () => {
    const { logger, file, read } = setup({ rotation: false });
    logger.info("before");
    logger.flush();
    renameSync(file, `${file}.rotated`);
    logger.info("still old"); // buffered: goes to the renamed file, as logrotate expects before the signal
    expect(logger.reopen()).toBeUndefined();
    logger.info("after");
    logger.flush();
    expect(read("server.log.rotated")).toBe("INFO before\nINFO still old\n");
    expect(read("server.log")).toBe("INFO after\n");
  });

  test("a path that cannot be opened again: reopen() says why and the lines stay in the old file", () => {
    const { logger, file, read } = setup({ rotation: false });
    renameSync(file, `${file}.rotated`);
    mkdirSync(file);
    mkdirSync(join(file, "x"));
    const problem = logger.reopen();
    expect(problem).toContain(`cannot open log file "${file}"`);
    expect(problem).toContain("still writing to the previous file");
    logger.info("kept");
    logger.flush();
    expect(read("server.log.rotated")).toBe("INFO kept\n");
  });
});
