import type { Config } from "../config/schema.ts";

/**
 * Keys a reload cannot apply to a running process: reported as "requires restart" and kept. The
 * daemon.* restart settings shape the process tree (the supervisor reads them at start); the
 * [cluster] keys choose the store and the instance's place in the cluster.
 */
export const RESTART_KEYS = [
  "daemon.pid_file",
  "daemon.user",
  "daemon.group",
  "daemon.working_dir",
  "daemon.auto_restart",
  "daemon.max_restarts",
  "daemon.restart_cooldown_secs",
  "storage.data_dir",
  "cluster.enabled",
  "cluster.database_url",
  "cluster.database_password_file",
  "cluster.pool_size",
  "cluster.instance_name",
  "cluster.lease_expiry_secs",
  "cluster.heartbeat_interval_secs",
] as const;

type Sections = Record<string, Record<string, unknown>>;

/** Dotted keys whose value differs between two configs, in schema order. */
export function changedKeys(before: Config, after: Config): string[] {
  const a = before as unknown as Sections;
  const b = after as unknown as Sections;
  const keys: string[] = [];
  for (const section of Object.keys(b)) {
    const names = new Set([...Object.keys(a[section] ?? {}), ...Object.keys(b[section] ?? {})]);
    for (const name of names) {
      if (a[section]?.[name] !== b[section]?.[name]) keys.push(`${section}.${name}`);
    }
  }
  return keys;
}

/** `after` with every restart-only key put back to its running value, and the keys that differed. */
export function keepRestartKeys(before: Config, after: Config): { config: Config; restartKeys: string[] } {
  const config = structuredClone(after) as unknown as Sections;
  const running = before as unknown as Sections;
  const restartKeys: string[] = [];
  for (const key of RESTART_KEYS) {
    const [section = "", name = ""] = key.split(".");
    const target = config[section];
    if (target === undefined || target[name] === running[section]?.[name]) continue;
    restartKeys.push(key);
    target[name] = running[section]?.[name];
  }
  return { config: config as unknown as Config, restartKeys };
}

/** What a reload does with a newly loaded config: the config to run, what changed, what waits for a restart. */
export interface ReloadPlan {
  /** The loaded config with every restart-only key kept at its running value. */
  config: Config;
  /** Dotted keys that change live. */
  changed: string[];
  /** Restart-only keys whose new value is not applied. */
  restartKeys: string[];
}

/** The one decision of what a reload changes live and what needs a restart (pure). */
export function planReload(running: Config, loaded: Config): ReloadPlan {
  const { config, restartKeys } = keepRestartKeys(running, loaded);
  return { config, changed: changedKeys(running, config), restartKeys };
}

/**
 * Problems of restart-only keys are not a reason to refuse a reload: they are not applied, and
 * after a user switch the server may no longer reach where root put its PID file. The next start
 * reports them.
 */
export function affectsLiveKeys(problem: string): boolean {
  return !RESTART_KEYS.some((key) => problem.startsWith(`${key}:`));
}
