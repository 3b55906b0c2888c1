import { chownSync, existsSync, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ExitCode, NorcError } from "../errors.ts";

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
  const uid = idNumber(
    ["-u", user],
    `daemon.user "${user}" does not exist: create the account or fix daemon.user`,
  );
  const gid =
    group === undefined
      ? idNumber(["-g", user], `cannot find the primary group of daemon.user "${user}"`)
      : groupId(group);
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

function idNumber(args: string[], problem: string): number {
  const value = Number.parseInt(commandOutput(["id", ...args]).trim(), 10);
  if (!Number.isInteger(value)) throw new NorcError(problem, ExitCode.config);
  return value;
}

function groupId(group: string): number {
  if (/^\d+$/.test(group)) return Number(group);
  const gid = Number.parseInt(commandOutput(["getent", "group", group]).split(":")[2] ?? "", 10);
  if (Number.isInteger(gid)) return gid;
  if (process.platform === "darwin") {
    const dscl = commandOutput(["dscl", ".", "-read", `/Groups/${group}`, "PrimaryGroupID"]);
    const macGid = Number.parseInt(dscl.split(":")[1]?.trim() ?? "", 10);
    if (Number.isInteger(macGid)) return macGid;
  }
  throw new NorcError(
    `daemon.group "${group}" does not exist: create the group or fix daemon.group`,
    ExitCode.config,
  );
}

/** stdout of a successful command, "" when it fails or does not exist on this system. */
function commandOutput(cmd: string[]): string {
  try {
    const result = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "ignore" });
    return result.exitCode === 0 ? result.stdout.toString() : "";
  } catch {
    return "";
  }
}
