import { readFileSync } from "node:fs";

/**
 * The one user/group lookup of the program (validate-config and start must agree): a number is
 * taken as an id; a name is looked up in /etc/passwd or /etc/group, then in the system databases
 * (NSS: LDAP, NIS, ...; `id`, `getent`, macOS `dscl`). Undefined when the account does not exist.
 */
export function lookupUser(name: string): { uid: number; gid: number } | undefined {
  const line = /^\d+$/.test(name) ? undefined : etcEntry("/etc/passwd", name);
  if (line !== undefined) return { uid: Number(line[2]), gid: Number(line[3]) };
  const uid = integer(commandOutput(["id", "-u", name]));
  const gid = integer(commandOutput(["id", "-g", name]));
  return uid === undefined || gid === undefined ? undefined : { uid, gid };
}

/** The id of group `name` (see lookupUser), or undefined when there is no such group. */
export function lookupGroup(name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  const line = etcEntry("/etc/group", name) ?? commandOutput(["getent", "group", name]).split(":");
  const gid = integer(line[2] ?? "");
  if (gid !== undefined || process.platform !== "darwin") return gid;
  const dscl = commandOutput(["dscl", ".", "-read", `/Groups/${name}`, "PrimaryGroupID"]);
  return integer(dscl.split(":")[1] ?? "");
}

/**
 * The supplementary groups `initgroups` gives `name` (ids of every group listing it), from
 * `id -G`, else /etc/group; [] when unknown.
 */
export function lookupGroups(name: string): number[] {
  const fromId = commandOutput(["id", "-G", name]).trim().split(/\s+/).filter(Boolean).map(Number);
  if (fromId.length > 0 && fromId.every(Number.isInteger)) return fromId;
  let text = "";
  try {
    text = readFileSync("/etc/group", "utf8");
  } catch {
    return [];
  }
  const ids: number[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    if ((fields[3] ?? "").split(",").includes(name)) ids.push(Number(fields[2]));
  }
  return ids.filter(Number.isInteger);
}

function etcEntry(path: string, name: string): string[] | undefined {
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    if (fields.length > 3 && fields[0] === name) return fields;
  }
  return undefined;
}

function integer(text: string): number | undefined {
  const value = Number.parseInt(text.trim(), 10);
  return Number.isInteger(value) && String(value) === text.trim() ? value : undefined;
}

/** stdout of a successful command, "" when it fails or does not exist on this system. */
function commandOutput(cmd: string[]): string {
  if (!Bun.which(cmd[0] as string)) return "";
  try {
    const result = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "ignore" });
    return result.exitCode === 0 ? result.stdout.toString() : "";
  } catch {
    return "";
  }
}
