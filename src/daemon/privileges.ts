import { chownSync, existsSync, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ExitCode, NorcError } from "../errors.ts";
import { lookupGroup, lookupUser } from "../util/accounts.ts";

/** The numeric identity `daemon.user` / `daemon.group` name. */
export interface Identity {
  user: string;
  uid: number;
  gid: number;
  group: string;
}

/**
 * Resolves user (and group, default: the user's primary group) with `id`. Undefined when we already
 * run as them (a service manager set the user); refuses when we are someone else and not root.
 */
export function resolveIdentity(user: string, group?: string): Identity | undefined {
  if (process.platform === "win32") {
    throw new NorcError(
      "daemon.user/daemon.group are Unix only: remove them on Windows (run the service as the account instead)",
      ExitCode.config,
    );
  }
  const account = lookupUser(user);
  if (account === undefined) {
    throw new NorcError(
      `daemon.user "${user}" does not exist: create the account or fix daemon.user`,
      ExitCode.config,
    );
  }
  const { uid } = account;
  const gid = group === undefined ? account.gid : lookupGroup(group);
  if (gid === undefined) {
    throw new NorcError(
      `daemon.group "${group}" does not exist: create the group or fix daemon.group`,
      ExitCode.config,
    );
  }
  if (process.getuid?.() === uid && process.getgid?.() === gid) return undefined;
  if (process.getuid?.() !== 0) {
    throw new NorcError(
      `daemon.user = "${user}" needs the server to be started as root (it binds, then switches to that user); running as uid ${process.getuid?.()}: start it as root, or remove daemon.user/daemon.group`,
      ExitCode.config,
    );
  }
  return { user, uid, gid, group: group ?? String(gid) };
}

/** Drops root for good: initgroups, then setgid, then setuid (this order; setuid last). */
export function dropPrivileges(identity: Identity): void {
  const withInitgroups = process as unknown as { initgroups?: (user: string, gid: number) => void };
  withInitgroups.initgroups?.(identity.user, identity.gid);
  process.setgid?.(identity.gid);
  process.setuid?.(identity.uid);
  if (process.getuid?.() !== identity.uid || process.geteuid?.() !== identity.uid) {
    throw new NorcError(`could not switch to user ${identity.user} (uid ${identity.uid})`, ExitCode.failure);
  }
}

/** Gives `path` (recursively, not following links) to the identity, so it can keep writing there. */
export function chownTree(path: string, identity: Identity): void {
  if (!existsSync(path)) return;
  chownSync(path, identity.uid, identity.gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) {
    const child = join(path, name);
    if (lstatSync(child).isSymbolicLink()) continue;
    chownTree(child, identity);
  }
}
