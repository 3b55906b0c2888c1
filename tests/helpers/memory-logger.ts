import type { LogFields, Logger } from "../../src/log/logger.ts";

/** A Logger for in-process tests: keeps "LEVEL message" lines in memory. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string, _fields?: LogFields) => {
    lines.push(`${level} ${message}`);
  };
  return {
    lines,
    trace: at("TRACE"),
    debug: at("DEBUG"),
    info: at("INFO"),
    warn: at("WARN"),
    error: at("ERROR"),
    configure() {},
    reopen: () => undefined,
    destination: () => undefined,
    flush() {},
    close() {},
  };
}
