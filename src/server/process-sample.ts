import { readdirSync, readFileSync } from "node:fs";

/** The standard `process_*` figures of this process (Prometheus client conventions). */
export interface ProcessSample {
  cpuSeconds: number;
  residentMemoryBytes: number;
  startTimeSeconds: number;
  /** Linux only (from /proc/self); undefined elsewhere. */
  openFds?: number;
  maxFds?: number;
}

/** Samples this process now: CPU time (user + system), RSS, start time, and on Linux its fds. */
export function sampleProcess(): ProcessSample {
  const cpu = process.cpuUsage();
  return {
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    residentMemoryBytes: process.memoryUsage.rss(),
    startTimeSeconds: Math.floor(performance.timeOrigin) / 1000,
    ...(process.platform === "linux" ? linuxFds() : {}),
  };
}

function linuxFds(): { openFds?: number; maxFds?: number } {
  const result: { openFds?: number; maxFds?: number } = {};
  try {
    result.openFds = readdirSync("/proc/self/fd").length;
  } catch {
    // no /proc here
  }
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((text) => text.startsWith("Max open files"));
    const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0];
    if (soft !== undefined && /^\d+$/.test(soft)) result.maxFds = Number(soft);
  } catch {
    // no /proc here
  }
  return result;
}
