import { readFileSync, unlinkSync } from "node:fs";
import { writeFileAtomic } from "../util/atomic-write.ts";

/** The pid a PID (or lock) file names, or undefined when it is missing, empty or garbled. */
export function readPidFile(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 && String(pid) === text.trim() ? pid : undefined;
}

/** Writes `pid` atomically (temp file + rename, mode 0640): readers never see a partial file. */
export function writePidFile(path: string, pid: number): void {
  writeFileAtomic(path, `${pid}\n`, 0o640);
}

/** Removes the PID file only if it still names `pid` (a newer instance's file is left alone). */
export function removePidFileIfOwned(path: string, pid: number): boolean {
  if (readPidFile(path) !== pid) return false;
  try {
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}
