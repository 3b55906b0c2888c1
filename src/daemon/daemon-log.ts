import { dataDirLayout } from "../config/data-dir.ts";
import type { Config } from "../config/schema.ts";
import type { LoggerSetup } from "../log/logger.ts";
import { isDaemon, stdioFollows } from "./readiness.ts";

/**
 * Where a daemon writes while logging.file is unset: a file under data_dir, never nowhere. The
 * starting CLI says it, `status` shows it, and the daemon's stdout/stderr go there too.
 */
export function daemonLogFile(config: Config): string {
  return config.logging.file ?? dataDirLayout(config.storage.data_dir).daemonLog;
}

/** The logger setup of a server or supervisor process: a daemon logs to a file and its stderr follows it. */
export function processLoggerSetup(config: Config, extra: LoggerSetup = {}): LoggerSetup {
  if (!isDaemon()) return extra;
  return {
    ...extra,
    defaultFile: dataDirLayout(config.storage.data_dir).daemonLog,
    onFileOpened: stdioFollows,
  };
}
