import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseTOML } from "confbox";
import { type ConfigSource, configSourceFromArgs } from "../config/config-source.ts";
import { loadConfig } from "../config/load-config.ts";
import { defaultConfig } from "../config/schema.ts";
import { type InstancePaths, instancePaths } from "../daemon/instance-paths.ts";
import { NorcError } from "../errors.ts";
import type { ListenInfo } from "../server/server-handle.ts";

/** What a lifecycle command needs to find and stop an instance. */
export interface InstanceTarget {
  paths: InstancePaths;
  shutdownTimeoutSecs: number;
}

/**
 * The instance a lifecycle command acts on, found through the config's daemon.pid_file (-c). A
 * config that no longer validates (edited since the start) still names its PID file, so `reload`
 * can report the server's own verdict and `stop` can stop it; only unreadable TOML is an error.
 */
export async function instanceFromArgs(args: Record<string, unknown>): Promise<InstanceTarget> {
  const source = configSourceFromArgs(args);
  try {
    const { config } = await loadConfig(source);
    return {
      paths: instancePaths(config.daemon.pid_file),
      shutdownTimeoutSecs: config.network.shutdown_timeout_secs,
    };
  } catch (error) {
    const pidFile = error instanceof NorcError ? pidFileOfInvalidConfig(source) : undefined;
    if (pidFile === undefined) throw error;
    return {
      paths: instancePaths(pidFile),
      shutdownTimeoutSecs: defaultConfig().network.shutdown_timeout_secs,
    };
  }
}

/** daemon.pid_file of a config that parses as TOML but does not validate (flag/env, then file, then default). */
function pidFileOfInvalidConfig(source: ConfigSource): string | undefined {
  let fromFile: unknown;
  try {
    const text = readFileSync(resolve(source.cwd, source.path), "utf8");
    fromFile = (parseTOML(text) as { daemon?: { pid_file?: unknown } }).daemon?.pid_file;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") return undefined;
  }
  const chosen = source.env.NORC_DAEMON_PID_FILE || fromFile || defaultConfig().daemon.pid_file;
  return typeof chosen === "string" && chosen !== "" ? resolve(source.cwd, chosen) : undefined;
}

/** `127.0.0.1:8443` or `[::1]:8443`. */
export function formatAddress(listen: ListenInfo): string {
  return listen.address.includes(":")
    ? `[${listen.address}]:${listen.port}`
    : `${listen.address}:${listen.port}`;
}
