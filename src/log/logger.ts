import type { LogFormat, LogLevel } from "../config/schema.ts";

/** Structured fields of one log line (extra top-level keys in the json format). */
export type LogFields = Record<string, unknown>;

/** What the logger needs from `[logging]`: one shape for start-up and for reload. */
export interface LogOptions {
  level: LogLevel;
  format: LogFormat;
  /** Absolute path of the log file; undefined = stdout. */
  file?: string;
  rotation: boolean;
  maxSizeMb: number;
  maxFiles: number;
  /** Overrides `maxSizeMb` with an exact byte limit (tests use small files; the config key stays MB). */
  maxSizeBytes?: number;
}

/** What a process's role decides about its logger (not config: a reload keeps it). */
export interface LoggerSetup {
  /** The `target` of every line; default LOG_TARGET. */
  target?: string;
  /** Where lines go while logging.file is unset (a daemon's default log file); default stdout. */
  defaultFile?: string;
  /** Another process rotates the file: reopen the path whenever it names another file than ours. */
  followRotation?: boolean;
  /** Called with the path each time a log file is opened (a daemon points its stderr there too). */
  onFileOpened?: (path: string) => void;
}

/** The one logger of a process (consola behind it). Writes are buffered; `flush` is synchronous. */
export interface Logger {
  trace(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Apply new options live (reload): level, format, file. */
  configure(options: LogOptions): void;
  /** Close and reopen the log file (SIGUSR1, logrotate); the problem when it failed (still on the old file). */
  reopen(): string | undefined;
  /** Write everything buffered now, synchronously: safe right before process.exit. */
  flush(): void;
  /** Flush and release the file. */
  close(): void;
  /** The log file lines go to now; undefined = standard output. */
  destination(): string | undefined;
}
