import { chownSync, existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Config } from "../config/schema.ts";
import type { Logger } from "../log/logger.ts";
import { daemonLogFile } from "./daemon-log.ts";
import { chownTree, dropPrivileges, type Identity, resolveIdentity } from "./privileges.ts";
import { isDaemon } from "./readiness.ts";

/** The identity the serving process switches to, or undefined when daemon.user is not set. */
export function workerIdentity(config: Config): Identity | undefined {
  const { user, group } = config.daemon;
  if (user === undefined) return undefined;
  return resolveIdentity(user, group);
}

/**
 * Creates, before anything is written, the directories the server makes for itself (data_dir, the
 * log directory, and the PID file's when the serving process is the top one) and gives every level
 * it created to the identity: after the switch it can still rotate, reopen and write there.
 * Directories that already exist are left as they are (validate-config says when they do not fit).
 */
export function createOwnedDirectories(config: Config, identity: Identity | undefined): void {
  if (identity === undefined) return;
  const dirs = [config.storage.data_dir];
  const logFile = config.logging.file ?? (isDaemon() ? daemonLogFile(config) : undefined);
  if (logFile !== undefined) dirs.push(dirname(logFile));
  if (!config.daemon.auto_restart) dirs.push(dirname(config.daemon.pid_file));
  for (const dir of dirs) mkdirOwned(dir, identity);
}

function mkdirOwned(dir: string, identity: Identity): void {
  let first: string | undefined;
  try {
    first = mkdirSync(dir, { recursive: true, mode: 0o750 });
  } catch {
    return; // the part that needs it reports the failure with its own words
  }
  if (first === undefined) return;
  for (let level = dir; ; level = dirname(level)) {
    chownSync(level, identity.uid, identity.gid);
    if (level === first || dirname(level) === level) break;
  }
}

/**
 * Called right after the listener is bound: hands data_dir and the log file to the identity (so the
 * server keeps writing there), then initgroups -> setgid -> setuid, and logs the switch (audit).
 */
export function becomeWorkerIdentity(config: Config, identity: Identity | undefined, logger: Logger): void {
  if (identity === undefined) return;
  chownTree(config.storage.data_dir, identity);
  const logFile = config.logging.file;
  if (logFile !== undefined && existsSync(logFile)) chownSync(logFile, identity.uid, identity.gid);
  dropPrivileges(identity);
  const { user, uid, gid } = identity;
  logger.info(`dropped root privileges: serving as user ${user} (uid ${uid}, gid ${gid})`, {
    user,
    uid,
    gid,
  });
}
