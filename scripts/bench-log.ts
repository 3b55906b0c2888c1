/**
 * Logger throughput: N json lines with fields through createLogger into a file in a temp dir, then the
 * very same bytes written raw in 64 KiB writeSync batches. Prints lines/s for both and the overhead.
 * Usage: bun scripts/bench-log.ts [lines=200000]
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../src/log/create-logger.ts";

const lines = Number(process.argv[2] ?? 200_000);
const dir = mkdtempSync(join(tmpdir(), "norc-bench-log-"));

function throughLogger(file: string): number {
  const logger = createLogger({
    level: "info",
    format: "json",
    file,
    rotation: false,
    maxSizeMb: 1,
    maxFiles: 1,
  });
  const start = Bun.nanoseconds();
  for (let n = 0; n < lines; n++) {
    logger.info("connection accepted", { peer: "127.0.0.1:51234", connection_id: n, tls: true });
  }
  logger.flush();
  const elapsed = Bun.nanoseconds() - start;
  logger.close();
  return elapsed;
}

function raw(file: string, bytes: Uint8Array): number {
  const fd = openSync(file, "w", 0o640);
  const start = Bun.nanoseconds();
  for (let offset = 0; offset < bytes.length; offset += 64 * 1024) {
    writeSync(fd, bytes.subarray(offset, Math.min(offset + 64 * 1024, bytes.length)));
  }
  const elapsed = Bun.nanoseconds() - start;
  closeSync(fd);
  return elapsed;
}

try {
  const loggedFile = join(dir, "logger.log");
  const loggerNs = throughLogger(loggedFile);
  const bytes = readFileSync(loggedFile);
  const rawNs = raw(join(dir, "raw.log"), bytes);
  const perSecond = (ns: number) => Math.round(lines / (ns / 1e9)).toLocaleString("en-US");
  console.log(`lines: ${lines}, bytes: ${bytes.length} (${(bytes.length / lines).toFixed(1)} per line)`);
  console.log(`logger (consola + json format + buffered file sink): ${perSecond(loggerNs)} lines/s`);
  console.log(`raw 64 KiB writeSync of the same bytes:            ${perSecond(rawNs)} lines/s`);
  console.log(`overhead: logger takes ${(loggerNs / rawNs).toFixed(1)}x the raw write time`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
