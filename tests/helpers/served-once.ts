import type { ClusterInstance } from "./cluster.ts";

/** One authenticated session as an instance's log shows it: from its start line to its end line. */
interface Served {
  instance: string;
  device: string;
  startMs: number;
  endMs: number;
}

const LINE =
  /^(\S+Z) +INFO norc_server: NCP-1 session (started|ended) device=([0-9a-f]+) session=([0-9a-f]+)/;

/**
 * Each instance's sessions from its log. A session with no end line ends at `endedAtMs` of its
 * instance (the moment it was killed), or now.
 */
function servedBy(instance: ClusterInstance, endedAtMs: number): Served[] {
  const open = new Map<string, Served>();
  const done: Served[] = [];
  for (const line of instance.process.output().split("\n")) {
    const match = LINE.exec(line);
    if (match === null) continue;
    const [, at, what, device, session] = match as unknown as [string, string, string, string, string];
    const atMs = Date.parse(at);
    if (what === "started")
      open.set(session, { instance: instance.name, device, startMs: atMs, endMs: endedAtMs });
    const started = open.get(session);
    if (what === "ended" && started !== undefined) {
      open.delete(session);
      done.push({ ...started, endMs: atMs });
    }
  }
  return [...done, ...open.values()];
}

/**
 * The longest time any device was served by two instances at once, from the instances' session
 * start and end lines (`killedAtMs`: when an instance was killed, so its sessions end there).
 * Within one instance the router allows one session per device; across instances the old holder
 * ends its session on the lease hint, after the new one started: that overlap is the supersede.
 */
export function longestDoubleService(
  instances: ClusterInstance[],
  killedAtMs: Map<string, number> = new Map(),
): { overlapMs: number; device?: string; sessions: number } {
  const now = Date.now();
  const all = instances.flatMap((instance) => servedBy(instance, killedAtMs.get(instance.name) ?? now));
  let longest: { overlapMs: number; device?: string } = { overlapMs: 0 };
  for (const a of all) {
    for (const b of all) {
      if (a.device !== b.device || a.instance >= b.instance) continue;
      const overlapMs = Math.min(a.endMs, b.endMs) - Math.max(a.startMs, b.startMs);
      if (overlapMs > longest.overlapMs) longest = { overlapMs, device: a.device };
    }
  }
  return { ...longest, sessions: all.length };
}
