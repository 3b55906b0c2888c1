import { readFile } from "node:fs/promises";
import type { Config } from "./schema.ts";

/** Names (field 0) and ids (field 2) of a passwd/group style file; empty when it cannot be read. */
async function accountTable(path: string): Promise<Map<string, number>> {
  const text = await readFile(path, "utf8").catch(() => "");
  const table = new Map<string, number>();
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    if (fields.length > 2 && fields[0] && !fields[0].startsWith("#")) table.set(fields[0], Number(fields[2]));
  }
  return table;
}

/** Asks the system databases (NSS: LDAP, NIS, ...) what /etc files do not list. */
function lookup(database: "passwd" | "group", name: string): number | undefined {
  const command =
    database === "passwd" ? ["id", "-u", name] : Bun.which("getent") ? ["getent", "group", name] : undefined;
  if (!command || !Bun.which(command[0] as string)) return undefined;
  const result = Bun.spawnSync(command, { stdout: "pipe", stderr: "ignore" });
  if (result.exitCode !== 0) return undefined;
  const out = result.stdout.toString().trim();
  return Number(database === "passwd" ? out : out.split(":")[2]);
}

async function resolveId(database: "passwd" | "group", name: string): Promise<number | undefined> {
  if (/^\d+$/.test(name)) return Number(name);
  const table = await accountTable(`/etc/${database}`);
  return table.get(name) ?? lookup(database, name);
}

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
    const uid = await resolveId("passwd", daemon.user);
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
  if (daemon.group && (await resolveId("group", daemon.group)) === undefined) {
    problems.push(
      `daemon.group: no group "${daemon.group}" on this system: create it (groupadd --system ${daemon.group}) or fix the name`,
    );
  }
  return problems;
}
