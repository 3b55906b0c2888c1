import { readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { unlinkQuietly } from "../util/atomic-write.ts";
import { errnoCode } from "../util/errno.ts";
import { isAlive, isNorcServer } from "./process-probe.ts";

/** The outcome of trying to become the one instance for a PID file. */
export type LockResult = { acquired: true; release: () => void } | { acquired: false; ownerPid: number };

export interface LockOptions {
  pid?: number;
  /** Whether a pid named in the lock file is a live instance (default: alive and a norc-server). */
  isInstance?: (pid: number) => boolean;
}

const WRITE_GRACE_MS = 2000;
const MAX_ATTEMPTS = 200;

/**
 * Takes the single-instance lock: `lockFile` created with O_EXCL holding our pid. A lock naming a
 * dead pid, or a live process that is not a norc-server, is stale and taken over. Takeovers are
 * serialised by a second O_EXCL file (`.break`), and a stale lock is only removed if it still holds
 * the content judged stale, so two racing starts can never both win.
 */
export function acquireInstanceLock(lockFile: string, options: LockOptions = {}): LockResult {
  const pid = options.pid ?? process.pid;
  const isInstance = options.isInstance ?? isNorcServer;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (tryCreate(lockFile, pid)) {
      return { acquired: true, release: () => releaseLock(lockFile, pid) };
    }
    const seen = readText(lockFile);
    if (seen === undefined) continue;
    const owner = parsePid(seen);
    if (owner === undefined) {
      if (ageMs(lockFile) < WRITE_GRACE_MS) Bun.sleepSync(20);
      else breakStale(lockFile, seen, pid);
      continue;
    }
    if (owner !== pid && isInstance(owner)) return { acquired: false, ownerPid: owner };
    breakStale(lockFile, seen, pid);
  }
  throw new Error(`could not take the instance lock ${lockFile} after ${MAX_ATTEMPTS} attempts`);
}

/** Removes the lock if it is still ours. */
export function releaseLock(lockFile: string, pid: number = process.pid): void {
  if (parsePid(readText(lockFile) ?? "") !== pid) return;
  try {
    unlinkSync(lockFile);
  } catch {
    // already gone, or the directory is no longer writable after a privilege drop
  }
}

function tryCreate(path: string, pid: number): boolean {
  try {
    writeFileSync(path, `${pid}\n`, { flag: "wx", mode: 0o600 });
    return true;
  } catch (error) {
    if (errnoCode(error) === "EEXIST") return false;
    throw error;
  }
}

/** Removes a stale lock unless someone changed it since we looked; one breaker at a time. */
function breakStale(lockFile: string, seen: string, pid: number): void {
  const breaker = `${lockFile}.break`;
  if (!tryCreate(breaker, pid)) {
    const holder = parsePid(readText(breaker) ?? "");
    const dead = holder === undefined ? ageMs(breaker) > WRITE_GRACE_MS : !isAlive(holder);
    if (dead) unlinkQuietly(breaker);
    else Bun.sleepSync(10);
    return;
  }
  try {
    if (readText(lockFile) === seen) unlinkQuietly(lockFile);
  } finally {
    unlinkQuietly(breaker);
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function parsePid(text: string): number | undefined {
  const trimmed = text.trim();
  const pid = Number.parseInt(trimmed, 10);
  return pid > 0 && String(pid) === trimmed ? pid : undefined;
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
