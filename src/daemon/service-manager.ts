import { readFileSync } from "node:fs";

/** Env variables systemd sets for the processes of a unit (any type) and for Type=notify units. */
const SYSTEMD_ENV = ["INVOCATION_ID", "NOTIFY_SOCKET"];

/**
 * "systemd (unit norc-server.service)" when systemd runs this process: its env has the unit's
 * variables and its parent (through a `start --daemon` CLI) is systemd itself. A shell in a
 * terminal that a systemd user service runs inherits INVOCATION_ID too, but its parent is no systemd.
 */
export function serviceManagerOf(
  env: Record<string, string | undefined>,
  pid: number = process.pid,
): string | undefined {
  if (!SYSTEMD_ENV.some((name) => env[name]) || !startedBySystemd(pid)) return undefined;
  const unit = unitOf(pid);
  return unit === undefined ? "systemd" : `systemd (unit ${unit})`;
}

/**
 * Why `restart` must not run: the instance, or this command, belongs to a service manager, and a
 * detached copy would run outside (or inside the wrong) unit. Undefined when restart may go on.
 */
export function restartRefusal(
  instance: { pid: number; serviceManager?: string } | undefined,
): string | undefined {
  const own = serviceManagerOf(process.env);
  const manager = instance?.serviceManager ?? own;
  if (manager === undefined) return undefined;
  const unit = /\(unit (.+)\)$/.exec(manager)?.[1]?.replace(/\.service$/, "") ?? "<unit>";
  const who = instance?.serviceManager
    ? `norc-server (pid ${instance.pid}) runs under ${manager}`
    : `this command runs under ${manager}`;
  return `${who}: restart it with "systemctl restart ${unit}"; "norc-server restart" would start a copy outside the unit`;
}

/** True when the parent of `pid`, or of the norc-server that started it, is a process named systemd. */
function startedBySystemd(pid: number): boolean {
  let current = pid;
  for (let depth = 0; depth < 3; depth++) {
    const parent = parentOf(current);
    const name = parent === undefined ? undefined : procText(parent, "comm");
    if (parent === undefined || name === undefined) return false;
    if (name === "systemd") return true;
    if (!name.startsWith("norc-server")) return false;
    current = parent;
  }
  return false;
}

function parentOf(pid: number): number | undefined {
  const stat = procText(pid, "stat");
  const ppid = stat === undefined ? Number.NaN : Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
}

function procText(pid: number, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** The systemd unit of a process, from its cgroup path (".../norc-server.service"); Linux only. */
function unitOf(pid: number): string | undefined {
  try {
    const lines = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n");
    for (const line of lines) {
      const unit = line
        .split(":")
        .at(-1)
        ?.split("/")
        .findLast((part) => part.endsWith(".service"));
      if (unit !== undefined) return unit;
    }
  } catch {
    // not Linux, or the process is gone
  }
  return undefined;
}
