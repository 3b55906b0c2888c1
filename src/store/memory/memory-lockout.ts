/** The limits of one recordAuthFailure call (§6.3 auth_failures). */
export interface LockoutLimits {
  windowMs: number;
  maxFailures: number;
  lockoutMs: number;
}

/**
 * The §6.3 lockout kept by a store, with relay/auth-lockout.ts's sliding window: failures within
 * `windowMs` count per key; the max-th locks the key for `lockoutMs` and clears its count.
 */
export class MemoryLockout {
  private readonly keys = new Map<
    string,
    { failuresMs: number[]; lockedUntilMs: number; staleAtMs: number }
  >();

  record(keys: readonly string[], nowMs: number, limits: LockoutLimits): void {
    for (const [key, entry] of this.keys) if (entry.staleAtMs <= nowMs) this.keys.delete(key);
    for (const key of new Set(keys)) {
      const entry = this.keys.get(key) ?? { failuresMs: [], lockedUntilMs: 0, staleAtMs: 0 };
      entry.failuresMs = entry.failuresMs.filter((at) => nowMs - at < limits.windowMs);
      entry.failuresMs.push(nowMs);
      if (entry.failuresMs.length >= limits.maxFailures) {
        entry.lockedUntilMs = nowMs + limits.lockoutMs;
        entry.failuresMs = [];
      }
      entry.staleAtMs = Math.max(entry.lockedUntilMs, nowMs + limits.windowMs);
      this.keys.set(key, entry);
    }
  }

  lockedUntilMs(keys: readonly string[], nowMs: number): number {
    let until = 0;
    for (const key of keys) until = Math.max(until, this.keys.get(key)?.lockedUntilMs ?? 0);
    return until > nowMs ? until : 0;
  }
}
