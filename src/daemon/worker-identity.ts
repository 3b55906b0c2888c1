import { chownSync, existsSync } from "node:fs";
import type { Config } from "../config/schema.ts";
import type { Logger } from "../log/logger.ts";
import { chownTree, dropPrivileges, type Identity, resolveIdentity } from "./privileges.ts";

/** The identity the serving process switches to, or undefined when daemon.user is not set. */
export function workerIdentity(config: Config): Identity | undefined {
  const { user, group } = config.daemon;
  if (user === undefined) return undefined;
  return resolveIdentity(user, group);
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
