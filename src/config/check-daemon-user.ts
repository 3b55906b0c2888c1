import { existsSync } from "node:fs";
import { dirname } from "node:path";
import {
  type AccessIdentity,
  deniedAs,
  READ,
  SEARCH,
  unsearchableAncestor,
  WRITE,
} from "../util/access-as.ts";
import { lookupGroup, lookupGroups, lookupUser } from "../util/accounts.ts";
import type { Config } from "./schema.ts";

/** The account the server switches to after binding, when it will switch (root and daemon.user set). */
interface SwitchTarget extends AccessIdentity {
  user: string;
}

function switchTarget(daemon: Config["daemon"]): SwitchTarget | undefined {
  if (daemon.user === undefined || process.platform === "win32" || process.getuid?.() !== 0) return undefined;
  const account = lookupUser(daemon.user);
  const gid = daemon.group === undefined ? account?.gid : lookupGroup(daemon.group);
  if (account === undefined || gid === undefined || account.uid === 0) return undefined;
  return { user: daemon.user, uid: account.uid, gids: [gid, ...lookupGroups(daemon.user)] };
}

/** "daemon.user "x" cannot reach PATH (...)" when a directory above `path` cannot be searched by `who`. */
function unreachable(key: string, path: string, who: SwitchTarget): string | undefined {
  const blocked = unsearchableAncestor(path, who);
  if (blocked === undefined) return undefined;
  return `${key}: daemon.user "${who.user}" cannot reach "${path}" after the switch (no search permission on "${blocked.dir}", ${blocked.why}): let that user search it (chmod o+x, or a group it is in), or choose a path it can reach`;
}

/**
 * What the server needs after it switches to daemon.user and cannot get: data_dir and the log
 * directory must be reachable, and with rotation the log directory writable (the server hands
 * what it creates to the user; a directory that exists stays as it is). Same words for
 * validate-config and start.
 */
export function daemonUserProblems(config: Config): string[] {
  const who = switchTarget(config.daemon);
  if (who === undefined) return [];
  const problems = [unreachable("storage.data_dir", config.storage.data_dir, who)];
  const { file, rotation } = config.logging;
  if (file !== undefined) {
    const dir = dirname(file);
    problems.push(unreachable("logging.file", file, who));
    const why = existsSync(dir) ? deniedAs(dir, who, WRITE | SEARCH) : undefined;
    if (rotation && why !== undefined) {
      problems.push(
        `logging.file: daemon.user "${who.user}" cannot create files in "${dir}" (${why}), which rotation needs after the switch: chown ${who.user} "${dir}", or set logging.rotation = false and rotate with logrotate`,
      );
    }
  }
  return problems.filter((problem): problem is string => problem !== undefined);
}

/**
 * Files a reload re-reads that daemon.user cannot read: the config file (every reload would be
 * rejected) and the TLS files (the copy read at start is kept; a renewed file is not picked up).
 */
export function daemonUserWarnings(config: Config, configFile: string | undefined): string[] {
  const who = switchTarget(config.daemon);
  if (who === undefined) return [];
  const group = config.daemon.group ?? String(who.gids[0]);
  const fix = (path: string) => `chgrp ${group} "${path}" && chmod 640 "${path}"`;
  const warnings: string[] = [];
  const unreadable = (path: string) => unsearchableAncestor(path, who)?.why ?? deniedAs(path, who, READ);
  if (configFile !== undefined) {
    const why = unreadable(configFile);
    if (why !== undefined) {
      warnings.push(
        `config file "${configFile}" is not readable by daemon.user "${who.user}" (${why}): every reload after the switch will be rejected; ${fix(configFile)}`,
      );
    }
  }
  const { tls } = config;
  const files = tls.enabled ? { cert_file: tls.cert_file, key_file: tls.key_file, ca_file: tls.ca_file } : {};
  for (const [key, path] of Object.entries(files)) {
    const why = path === undefined ? undefined : unreadable(path);
    if (path === undefined || why === undefined) continue;
    warnings.push(
      `tls.${key}: "${path}" is not readable by daemon.user "${who.user}" (${why}): a reload keeps the copy read at start and cannot pick up a renewed file; ${fix(path)}`,
    );
  }
  return warnings;
}
