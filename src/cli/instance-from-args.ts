import { resolve } from "node:path";
import { parseTOML } from "confbox";
import { type ConfigSource, configSourceFromArgs } from "../config/config-source.ts";
import { loadConfig } from "../config/load-config.ts";
import { requireNamedConfigFile } from "../config/named-config-file.ts";
import { readLimited } from "../config/read-config-file.ts";
import { defaultConfig } from "../config/schema.ts";
import { splitAtHeaders } from "../config/toml-lines.ts";
import { type InstancePaths, instancePaths } from "../daemon/instance-paths.ts";
import { NorcError } from "../errors.ts";
import { errnoCode } from "../util/errno.ts";

/** What a lifecycle command needs to find and stop an instance. */
export interface InstanceTarget {
  paths: InstancePaths;
  shutdownTimeoutSecs: number;
}

/**
 * The instance a lifecycle command acts on, found through the config's daemon.pid_file (-c). A
 * config that no longer validates (edited since the start) still names its PID file, so `reload`
 * can report the server's own verdict and `stop` can stop it, even past a TOML syntax error outside
 * the [daemon] table.
 */
export async function instanceFromArgs(args: Record<string, unknown>): Promise<InstanceTarget> {
  const source = configSourceFromArgs(args);
  requireNamedConfigFile(
    source,
    "give the -c FILE the server was started with: its daemon.pid_file names the instance",
  );
  try {
    const { config } = await loadConfig(source);
    return {
      paths: instancePaths(config.daemon.pid_file),
      shutdownTimeoutSecs: config.network.shutdown_timeout_secs,
    };
  } catch (error) {
    if (!(error instanceof NorcError)) throw error;
    const pidFile = await pidFileOfInvalidConfig(source);
    if (pidFile === undefined)
      throw new NorcError(
        `${error.message}\ncannot find the instance's PID file through this config: fix the [daemon] table, or give its path with NORC_DAEMON_PID_FILE=...`,
        error.exitCode,
      );
    return {
      paths: instancePaths(pidFile),
      shutdownTimeoutSecs: defaultConfig().network.shutdown_timeout_secs,
    };
  }
}

/**
 * daemon.pid_file of a config that does not validate (flag/env, then file, then default). A TOML
 * syntax error elsewhere in the file does not hide it: the tables that parse are read one by one.
 */
async function pidFileOfInvalidConfig(source: ConfigSource): Promise<string | undefined> {
  let fromFile: unknown;
  try {
    fromFile = pidFileInText(readLimited(resolve(source.cwd, source.path), source.path));
  } catch (error) {
    if (errnoCode(error) !== "ENOENT") return undefined;
  }
  if (fromFile === null) return undefined;
  const chosen = source.env.NORC_DAEMON_PID_FILE || fromFile || defaultConfig().daemon.pid_file;
  return typeof chosen === "string" && chosen !== "" ? resolve(source.cwd, chosen) : undefined;
}

/** The pid_file written in TOML text; undefined when not set, null when the part that sets it does not parse. */
function pidFileInText(text: string): unknown {
  const pidFileOf = (toml: string) =>
    (parseTOML(toml) as { daemon?: { pid_file?: unknown } }).daemon?.pid_file;
  try {
    return pidFileOf(text);
  } catch {
    // a syntax error somewhere: read the tables that parse
  }
  let found: unknown;
  for (const chunk of splitAtHeaders(text)) {
    try {
      found ??= pidFileOf(chunk.text);
    } catch {
      if (/\bpid_file\b/.test(chunk.text)) return null;
    }
  }
  return found;
}
