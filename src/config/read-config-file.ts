import { closeSync, openSync, readSync } from "node:fs";
import { parseTOML } from "confbox";
import { ExitCode, NorcError } from "../errors.ts";
import { errnoCode } from "../util/errno.ts";
import { isTable } from "../util/is-table.ts";
import { keyLines, splitAtHeaders } from "./toml-lines.ts";

/** A config file as read: its data, the lines of its keys, and syntax errors (FILE:LINE:COL: ...). */
export interface ConfigFileContent {
  data: Record<string, unknown>;
  lines: Map<string, number>;
  syntaxErrors: string[];
}

type Table = Record<string, unknown>;

/**
 * Reads and parses a TOML config file. A syntax error does not stop the check: the file is parsed
 * again table by table, so the other tables are still validated and every error is reported at once.
 * Returns undefined for a missing file that was not asked for explicitly (= built-in defaults).
 */
export async function readConfigFile(
  path: string,
  shownAs: string,
  explicit: boolean,
): Promise<ConfigFileContent | undefined> {
  let text: string;
  try {
    text = readLimited(path, shownAs);
  } catch (error) {
    if (error instanceof NorcError) throw error;
    const code = errnoCode(error) ?? "error";
    if (code === "ENOENT" && !explicit) return undefined;
    throw new NorcError(readFailure(shownAs, code), ExitCode.config);
  }
  const lines = keyLines(text);
  try {
    return { data: plain(parseTOML<Table>(text)), lines, syntaxErrors: [] };
  } catch (error) {
    return { ...parseByTable(text, shownAs, error), lines };
  }
}

/** Config files are small: this many bytes at most (so `-c /dev/zero` fails instead of eating memory). */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** The file's text, or a NorcError when it is larger than MAX_CONFIG_BYTES; fs errors propagate. */
export function readLimited(path: string, shownAs: string): string {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_CONFIG_BYTES) {
      throw new NorcError(
        `config file "${shownAs}" is larger than 1 MiB: give the path of a TOML config file`,
        ExitCode.config,
      );
    }
    return buffer.toString("utf8", 0, length);
  } finally {
    closeSync(fd);
  }
}

function readFailure(shownAs: string, code: string): string {
  if (code === "ENOENT" && shownAs === "-") {
    return `config file "-" not found (ENOENT): a config is not read from standard input; give the path of a TOML file`;
  }
  if (code === "ENOENT") {
    return `config file "${shownAs}" not found (ENOENT): create it with "norc-server generate-config -o ${shownAs}", or give another file with -c`;
  }
  if (code === "EISDIR")
    return `config file "${shownAs}" is a directory (EISDIR): give the path of a TOML file`;
  return `cannot read config file "${shownAs}" (${code}): check its permissions, or give another file with -c`;
}

function syntaxError(shownAs: string, error: unknown, lineOffset: number): string {
  const e = error as { line?: number; column?: number; message?: string };
  const reason = (e.message ?? String(error)).split("\n")[0]?.replace(/^Invalid TOML document:\s*/, "");
  const where = e.line === undefined ? "" : `${e.line + lineOffset}:${e.column ?? 1}:`;
  return `${shownAs}:${where} syntax error: ${reason}`;
}

function parseByTable(text: string, shownAs: string, wholeError: unknown) {
  const data: Table = {};
  const syntaxErrors: string[] = [];
  for (const chunk of splitAtHeaders(text)) {
    try {
      merge(data, plain(parseTOML<Table>(chunk.text)));
    } catch (error) {
      syntaxErrors.push(syntaxError(shownAs, error, chunk.firstLine - 1));
    }
  }
  const whole = syntaxError(shownAs, wholeError, 0);
  if (!syntaxErrors.includes(whole)) syntaxErrors.unshift(whole);
  return { data, syntaxErrors };
}

/** A deep copy with ordinary prototypes (confbox returns null-prototype objects with a symbol key). */
function plain(value: Table): Table {
  const copy: Table = {};
  for (const [key, item] of Object.entries(value)) copy[key] = isTable(item) ? plain(item) : item;
  return copy;
}

function merge(target: Table, source: Table): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isTable(existing) && isTable(value)) merge(existing, value);
    else target[key] = value;
  }
}
