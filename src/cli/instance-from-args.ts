import { resolve } from "node:path";
import { type ConfigSource, configSourceFromArgs } from "../config/config-source.ts";
import { loadConfig } from "../config/load-config.ts";
import { readConfigFile } from "../config/read-config-file.ts";
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
    const pidFile = error instanceof NorcError ? await pidFileOfInvalidConfig(source) : undefined;
    if (pidFile === undefined) throw error;
    return {
      paths: instancePaths(pidFile),
      shutdownTimeoutSecs: defaultConfig().network.shutdown_timeout_secs,
    };
  }
}

/**
 * daemon.pid_file of a config that does not validate (flag/env, then file, then default). A TOML
 * syntax error elsewhere in the file does not hide it; one in [daemon] itself does (undefined).
 */
async function pidFileOfInvalidConfig(source: ConfigSource): Promise<string | undefined> {
  let content: Awaited<ReturnType<typeof readConfigFile>>;
  try {
    content = await readConfigFile(resolve(source.cwd, source.path), source.path, false);
  } catch {
    return undefined;
  }
  const daemon = content?.data.daemon;
  const written = [...(content?.lines.keys() ?? [])].some((key) => key.split(".")[0] === "daemon");
  if (written && !isTable(daemon)) return undefined;
  const fromFile = isTable(daemon) ? daemon.pid_file : undefined;
  const chosen = source.env.NORC_DAEMON_PID_FILE || fromFile || defaultConfig().daemon.pid_file;
  return typeof chosen === "string" && chosen !== "" ? resolve(source.cwd, chosen) : undefined;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** `127.0.0.1:8443` or `[::1]:8443`. */
export function formatAddress(listen: ListenInfo): string {
  return listen.address.includes(":")
    ? `[${listen.address}]:${listen.port}`
    : `${listen.address}:${listen.port}`;
}
