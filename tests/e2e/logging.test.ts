import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { freePort, tempDir } from "../helpers/binary.ts";
import { startServer } from "../helpers/server-process.ts";

let dir: { path: string; cleanup: () => void };
beforeEach(() => {
  dir = tempDir("norc-logging-e2e-");
});
afterEach(() => dir.cleanup());

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const LEVEL = "(TRACE|DEBUG| INFO| WARN|ERROR)";

/** Resolves once `read()` matches `pattern`; rejects after 15 s. */
async function until(read: () => string, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!pattern.test(read())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${read()}`);
    await Bun.sleep(50);
  }
}

function readOr(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/**
 * Runs the seed's `norc-server --port PORT --log-level debug` with `format`, makes one connection,
 * stops it with SIGTERM; returns the lines written to stdout and stderr, or to `logFile` if given.
 */
async function serverLines(format: string, logFile?: string): Promise<{ lines: string[]; output: string }> {
  const fileKey = logFile === undefined ? "" : `file = "${logFile}"\n`;
  writeFileSync(
    join(dir.path, "config.toml"),
    `[network]\nbind_address = "127.0.0.1"\n[tls]\nenabled = false\n[logging]\nformat = "${format}"\n${fileKey}`,
  );
  const port = await freePort();
  const server = startServer(["--port", String(port), "--log-level", "debug"], { cwd: dir.path });
  const read = logFile === undefined ? server.output : () => readOr(join(dir.path, logFile));
  try {
    await until(read, /listening on 127\.0\.0\.1:/);
    await new Promise<void>((done, fail) => {
      const socket = connect(port, "127.0.0.1", () => socket.end());
      socket.on("close", () => done());
      socket.on("error", fail);
    });
    await until(read, /accepted connection from 127\.0\.0\.1/);
    server.child.kill("SIGTERM");
    expect(await server.child.exited).toBe(0);
    return { lines: read().split("\n").slice(0, -1), output: server.output() };
  } finally {
    await server.kill();
  }
}

describe("log formats of the compiled server (seed README shapes)", () => {
  test("json: every line is one object whose first keys are timestamp, level, target, message", async () => {
    const { lines } = await serverLines("json");
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(entry).slice(0, 4)).toEqual(["timestamp", "level", "target", "message"]);
      expect(entry.timestamp).toMatch(TIMESTAMP);
      expect(["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]).toContain(entry.level as string);
      expect(entry.target).toBe("norc_server");
    }
    const messages = lines.map((line) => JSON.parse(line).message as string);
    expect(messages.some((message) => message.startsWith("listening on 127.0.0.1:"))).toBe(true);
    expect(lines.some((line) => line.includes('"level":"DEBUG"'))).toBe(true);
  }, 30_000);

  test("pretty: TIMESTAMP, level right-aligned to five, norc_server: message", async () => {
    const { lines } = await serverLines("pretty");
    for (const line of lines) {
      expect(line).toMatch(
        new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ${LEVEL} norc_server: \\S`),
      );
    }
    expect(lines.some((line) => / {2}INFO norc_server: listening on 127\.0\.0\.1:/.test(line))).toBe(true);
    expect(lines.some((line) => / DEBUG norc_server: accepted connection/.test(line))).toBe(true);
  }, 30_000);

  test("compact: LEVEL message, no timestamp", async () => {
    const { lines } = await serverLines("compact");
    for (const line of lines) expect(line).toMatch(/^(TRACE|DEBUG|INFO|WARN|ERROR) \S/);
    expect(lines).toContain(
      "INFO server stopped: 0 connections finished on their own, 0 closed by the server",
    );
    expect(lines.some((line) => /\d{4}-\d\d-\d\dT/.test(line))).toBe(false);
  }, 30_000);

  test("logging.file: directories created, file 0640 or stricter, every line up to the exit written", async () => {
    const { lines, output } = await serverLines("compact", "logs/sub/server.log");
    expect(output).toBe("");
    const file = join(dir.path, "logs/sub/server.log");
    expect(statSync(file).mode & 0o137).toBe(0);
    expect(statSync(join(dir.path, "logs/sub")).mode & 0o027).toBe(0);
    expect(lines.some((line) => line.startsWith("INFO listening on 127.0.0.1:"))).toBe(true);
    expect(lines.at(-1)).toBe(
      "INFO server stopped: 0 connections finished on their own, 0 closed by the server",
    );
  }, 30_000);
});
