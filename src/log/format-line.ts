import type { LogFormat, LogLevel } from "../config/schema.ts";
import { escapeControls, jsonValue, textValue } from "./field-value.ts";
import type { LogFields } from "./logger.ts";

/** The `target` of the server's lines (the seed's Rust crate name). */
export const LOG_TARGET = "norc_server";
/** The `target` of the auto-restart supervisor's lines, told apart from its worker's in one file. */
export const SUPERVISOR_TARGET = "norc_server::supervisor";

/** The keys every json line starts with, in this order; fields with these names get a `_` prefix. */
const FIXED_KEYS = ["timestamp", "level", "target", "message"];

const LABELS: Record<LogLevel, string> = {
  trace: "TRACE",
  debug: "DEBUG",
  info: "INFO",
  warn: "WARN",
  error: "ERROR",
};

/** One log entry before formatting. */
export interface LogEntry {
  date: Date;
  level: LogLevel;
  message: string;
  fields?: LogFields;
  /** Which part of the program wrote it; default LOG_TARGET. */
  target?: string;
}

/**
 * One entry as exactly one line (ending in "\n") in the seed README's json, pretty or compact shape.
 * compact names the target only when it is not the server's own (`INFO norc_server::supervisor: ...`).
 */
export function formatLine(format: LogFormat, entry: LogEntry): string {
  if (format === "json") return `${jsonLine(entry)}\n`;
  const label = LABELS[entry.level];
  const target = entry.target ?? LOG_TARGET;
  const text = `${escapeControls(entry.message)}${textFields(entry.fields)}`;
  if (format === "compact")
    return target === LOG_TARGET ? `${label} ${text}\n` : `${label} ${target}: ${text}\n`;
  return `${entry.date.toISOString()} ${label.padStart(5)} ${target}: ${text}\n`;
}

/** `{"timestamp":…,"level":…,"target":…,"message":…}` then the fields as further top-level keys. */
function jsonLine(entry: LogEntry): string {
  let line =
    `{"timestamp":"${entry.date.toISOString()}","level":"${LABELS[entry.level]}",` +
    `"target":${JSON.stringify(entry.target ?? LOG_TARGET)},"message":${JSON.stringify(entry.message)}`;
  const fields = entry.fields;
  if (fields === undefined) return `${line}}`;
  const names = Object.keys(fields);
  const keys = names.some((name) => FIXED_KEYS.includes(name)) ? uniqueKeys(names) : names;
  for (let index = 0; index < names.length; index++) {
    line += `,${JSON.stringify(keys[index])}:${jsonValue(fields[names[index] as string])}`;
  }
  return `${line}}`;
}

/** Field names made distinct from the fixed keys and each other by `_` prefixes, first come first kept. */
function uniqueKeys(names: string[]): string[] {
  const used = new Set(FIXED_KEYS);
  return names.map((name) => {
    let key = name;
    while (used.has(key)) key = `_${key}`;
    used.add(key);
    return key;
  });
}

/** ` key=value` for each field. */
function textFields(fields: LogFields | undefined): string {
  let text = "";
  for (const [name, value] of Object.entries(fields ?? {})) {
    text += ` ${escapeControls(name)}=${textValue(value)}`;
  }
  return text;
}
