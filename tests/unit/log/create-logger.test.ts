import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { defaultConfig } from "../../../src/config/schema.ts";
import { createLogger, logOptionsFromConfig } from "../../../src/log/create-logger.ts";
import type { Logger, LogOptions } from "../../../src/log/logger.ts";
import { tempDir } from "../../helpers/binary.ts";

const dirs: Array<{ cleanup: () => void }> = [];
const loggers: Logger[] = [];
afterEach(() => {
  for (const logger of loggers.splice(0)) logger.close();
  for (const dir of dirs.splice(0)) dir.cleanup();
});

function fileLogger(overrides: Partial<LogOptions> = {}) {
  const dir = tempDir("norc-log-");
  dirs.push(dir);
  const file = join(dir.path, "logs", "server.log");
  const options: LogOptions = {
    level: "info",
    format: "json",
    file,
    rotation: false,
    maxSizeMb: 1,
    maxFiles: 3,
  };
  const logger = createLogger({ ...options, ...overrides });
  loggers.push(logger);
  const lines = (path = file) => readFileSync(path, "utf8").split("\n").filter(Boolean);
  return { logger, file, dir: dir.path, options: { ...options, ...overrides }, lines };
}

describe("createLogger", () => {
  test("json lines in the file parse with every fixed key and the fields", () => {
    const { logger, lines } = fileLogger();
    logger.info("Server started", { port: 8443 });
    logger.flush();
    const [line] = lines();
    expect(JSON.parse(line ?? "")).toEqual({
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: "INFO",
      target: "norc_server",
      message: "Server started",
      port: 8443,
    });
  });

  test("pretty and compact lines have the seed's shape", () => {
    const { logger, lines } = fileLogger({ format: "pretty" });
    logger.warn("Server started", { peer: "a" });
    logger.flush();
    const compact = fileLogger({ format: "compact" });
    compact.logger.info("Server started");
    compact.logger.flush();
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}WARN norc_server: Server started peer=a$/,
    );
    expect(compact.lines()).toEqual(["INFO Server started"]);
  });

  test("lines below the level are dropped; repeated lines are all written", () => {
    const { logger, lines } = fileLogger({ level: "warn", format: "compact" });
    logger.trace("t");
    logger.debug("d");
    logger.info("i");
    logger.warn("same");
    logger.warn("same");
    logger.warn("same");
    logger.error("e");
    logger.flush();
    expect(lines()).toEqual(["WARN same", "WARN same", "WARN same", "ERROR e"]);
  });

  test("configure() switches level, format and file live", () => {
    const { logger, lines, options, dir } = fileLogger({ level: "info", format: "json" });
    logger.debug("hidden");
    logger.info("first");
    const second = join(dir, "other", "second.log");
    logger.configure({ ...options, level: "debug", format: "compact", file: second });
    logger.debug("now visible");
    logger.flush();
    expect(lines().map((line) => JSON.parse(line).message)).toEqual(["first"]);
    expect(lines(second)).toEqual(["DEBUG now visible"]);
  });

  test("configure() to an unopenable file throws and keeps logging to the old one", () => {
    const { logger, lines, options, file } = fileLogger({ format: "compact" });
    expect(() => logger.configure({ ...options, file: join(file, "not-a-dir", "x.log") })).toThrow(
      /cannot open log file .*change logging\.file/,
    );
    logger.info("still here");
    logger.flush();
    expect(lines()).toEqual(["INFO still here"]);
  });

  test("the file is created 0640 or stricter, its new directories 0750 or stricter", () => {
    const { logger, file, dir } = fileLogger();
    logger.info("x");
    logger.flush();
    expect(statSync(file).mode & 0o137).toBe(0);
    expect(statSync(join(dir, "logs")).mode & 0o027).toBe(0);
  });

  test("logOptionsFromConfig maps [logging]", () => {
    const config = defaultConfig();
    config.logging.file = "/var/log/norc/server.log";
    expect(logOptionsFromConfig(config)).toEqual({
      level: "info",
      format: "pretty",
      file: "/var/log/norc/server.log",
      rotation: true,
      maxSizeMb: 100,
      maxFiles: 10,
    });
  });
});
