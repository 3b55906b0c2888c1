import { lookupGroup, lookupUser } from "../util/accounts.ts";
import type { Config } from "./schema.ts";

/**
 * daemon.user and daemon.group (Unix only): they must exist, and switching to another user needs
 * the server to be started as root.
 */
export async function checkAccounts(daemon: Config["daemon"]): Promise<string[]> {
  if (process.platform === "win32") {
    return [daemon.user, daemon.group].some(Boolean)
      ? ["daemon.user/daemon.group: not supported on Windows: remove them (use the service account instead)"]
      : [];
  }
  const problems: string[] = [];
  if (daemon.user) {
    const uid = lookupUser(daemon.user)?.uid;
    if (uid === undefined) {
      problems.push(
        `daemon.user: no user "${daemon.user}" on this system: create it (useradd --system ${daemon.user}) or fix the name`,
      );
    } else if (process.getuid?.() !== 0 && process.getuid?.() !== uid) {
      problems.push(
        `daemon.user: switching to user "${daemon.user}" needs root (EPERM): start the server as root, or remove daemon.user`,
      );
    }
  }
  if (daemon.group && lookupGroup(daemon.group) === undefined) {
    problems.push(
      `daemon.group: no group "${daemon.group}" on this system: create it (groupadd --system ${daemon.group}) or fix the name`,
    );
  }
  return problems;
}
