import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { basename } from "node:path";
import { errnoCode } from "../util/errno.ts";

/** True when a process with this pid exists and is not a zombie (signal 0; EPERM still means it exists). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (errnoCode(error) !== "EPERM") return false;
  }
  return !isZombie(pid);
}

/**
 * An exited process its parent has not reaped yet (Linux): it serves nothing and holds no lock.
 * A zombie leader whose other threads are still exiting still holds its sockets: not yet.
 */
function isZombie(pid: number): boolean {
  if (process.platform !== "linux") return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state === "Z" && readdirSync(`/proc/${pid}/task`).length <= 1;
  } catch {
    return false;
  }
}

/**
 * True when `pid` is alive and runs a norc-server binary: on Linux its /proc exe or argv[0] is
 * named norc-server* (or is this very executable); elsewhere `ps -o comm=`. A recycled pid (pid 1,
 * a shell) is not ours, so a stale PID file naming it never blocks a start.
 */
export function isNorcServer(pid: number): boolean {
  if (!isAlive(pid)) return false;
  if (pid === process.pid) return true;
  const names = process.platform === "linux" ? linuxNames(pid) : psNames(pid);
  const own = basename(process.execPath);
  return names.some(
    (name) => name.startsWith("norc-server") || (own.startsWith("norc-server") && name === own),
  );
}

function linuxNames(pid: number): string[] {
  const names: string[] = [];
  try {
    names.push(basename(readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, "")));
  } catch {
    // another user's process: exe is unreadable, argv[0] below still is
  }
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
    if (argv0 !== "") names.push(basename(argv0));
  } catch {
    // the process ended between the checks
  }
  return names;
}

function psNames(pid: number): string[] {
  const result = Bun.spawnSync(["ps", "-p", String(pid), "-o", "comm="], {
    stdout: "pipe",
    stderr: "ignore",
  });
  const name = result.stdout.toString().trim();
  return name === "" ? [] : [basename(name)];
}

/** The live child processes of `pid` (the supervisor's worker), from /proc on Linux or `pgrep -P`. */
export function childrenOf(pid: number): number[] {
  if (process.platform === "linux") {
    const children: number[] = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (Number(fields[1]) === pid) children.push(Number(entry));
      } catch {
        // ended while we looked
      }
    }
    return children;
  }
  try {
    const result = Bun.spawnSync(["pgrep", "-P", String(pid)], { stdout: "pipe", stderr: "ignore" });
    return result.stdout.toString().split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
