import { statSync } from "node:fs";
import { resolve } from "node:path";
import { ExitCode, NorcError } from "../errors.ts";
import { errnoCode } from "../util/errno.ts";
import type { ConfigSource } from "./config-source.ts";

/**
 * A config named with -c must exist, for every command: a mistyped path never falls back to the
 * defaults (for stop/status/reload: the default PID file, "not running" while the server runs).
 * `next` says what to do instead. Other read errors are left to loadConfig, which names them.
 */
export function requireNamedConfigFile(source: ConfigSource, next: string): void {
  if (!source.explicit) return;
  const absolute = resolve(source.cwd, source.path);
  try {
    statSync(absolute);
  } catch (error) {
    const code = errnoCode(error);
    if (code !== "ENOENT" && code !== "ENOTDIR") return;
    const shown = absolute === source.path ? "" : ` (${absolute})`;
    throw new NorcError(`config file "${source.path}"${shown} not found (${code}): ${next}`, ExitCode.config);
  }
}
