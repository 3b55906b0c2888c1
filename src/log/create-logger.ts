import { createConsola, type LogObject } from "consola/core";
import type { Config, LogFormat, LogLevel } from "../config/schema.ts";
import { type FileRotation, FileSink } from "./file-sink.ts";
import { formatLine } from "./format-line.ts";
import type { LogSink } from "./log-sink.ts";
import type { LogFields, Logger, LoggerSetup, LogOptions } from "./logger.ts";
import { StdoutSink } from "./stdout-sink.ts";

/** Our levels as consola levels (a message is written when its level <= the configured one). */
const CONSOLA_LEVELS: Record<LogLevel, number> = { error: 0, warn: 1, info: 3, debug: 4, trace: 5 };

/** Loggers still open: flushed by one `exit` hook, so every exit path (process.exit too) keeps its lines. */
const openLoggers = new Set<Logger>();
let exitHooked = false;

/** The `[logging]` section as logger options (paths are already absolute after loadConfig). */
export function logOptionsFromConfig(config: Config): LogOptions {
  const logging = config.logging;
  return {
    level: logging.level,
    format: logging.format,
    file: logging.file,
    rotation: logging.rotation,
    maxSizeMb: logging.max_size_mb,
    maxFiles: logging.max_files,
  };
}

/**
 * The process logger: one consola instance whose reporter formats lines and hands them to a sink.
 * `setup` is what the process's role decides (target, a daemon's default file); reload keeps it.
 */
export function createLogger(options: LogOptions, setup: LoggerSetup = {}): Logger {
  let format: LogFormat = options.format;
  let sink: LogSink = openSink(options, setup);
  const consola = createConsola({
    level: CONSOLA_LEVELS[options.level],
    throttle: 0,
    reporters: [{ log: (entry) => sink.write(formatLine(format, toEntry(entry, setup.target))) }],
  });
  const emit = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (fields === undefined) consola[level](message);
    else consola[level](message, fields);
  };
  const logger: Logger = {
    trace: emit("trace"),
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    configure(next) {
      sink = switchSink(sink, next, setup);
      format = next.format;
      consola.level = CONSOLA_LEVELS[next.level];
    },
    reopen: () => sink.reopen(),
    flush: () => sink.flush(),
    close() {
      openLoggers.delete(logger);
      sink.close();
    },
    destination: () => (sink instanceof FileSink ? sink.path : undefined),
  };
  hookExit();
  openLoggers.add(logger);
  return logger;
}

function toEntry(entry: LogObject, target: string | undefined) {
  const [message, fields] = entry.args as [string, LogFields | undefined];
  return { date: entry.date, level: entry.type as LogLevel, message: String(message), fields, target };
}

function rotationOf(options: LogOptions): FileRotation {
  return {
    enabled: options.rotation,
    maxBytes: options.maxSizeBytes ?? options.maxSizeMb * 1024 * 1024,
    maxFiles: options.maxFiles,
  };
}

function openSink(options: LogOptions, setup: LoggerSetup): LogSink {
  const file = options.file ?? setup.defaultFile;
  if (file === undefined) return new StdoutSink();
  return new FileSink(file, rotationOf(options), {
    followRotation: setup.followRotation,
    onOpened: setup.onFileOpened,
  });
}

/** The sink for `next`: the same one (new rotation limits) when the destination is unchanged. */
function switchSink(current: LogSink, next: LogOptions, setup: LoggerSetup): LogSink {
  const file = next.file ?? setup.defaultFile;
  if (current instanceof FileSink && current.path === file) {
    current.rotation = rotationOf(next);
    return current;
  }
  if (current instanceof StdoutSink && file === undefined) return current;
  const opened = openSink(next, setup);
  current.close();
  return opened;
}

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on("exit", () => {
    for (const logger of openLoggers) logger.flush();
  });
}
