/**
 * The `auth_failures` limit of §6.3/§10: failures of 0x03 steps 3–5 are counted per device_id and
 * per source address; five within 60 s lock that key out for 300 s. Shared by all connections.
 */
export class AuthLockout {
  private readonly entries = new Map<string, { failuresMs: number[]; lockedUntilMs: number }>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly maxFailures = 5,
    private readonly lockoutMs = 300_000,
    private readonly maxEntries = 100_000,
  ) {}

  /** Seconds of lockout left on any of `keys` (rounded up), or 0 when none is locked. */
  remainingSecs(keys: readonly string[], nowMs: number): number {
    let until = 0;
    for (const key of keys) until = Math.max(until, this.entries.get(key)?.lockedUntilMs ?? 0);
    return until > nowMs ? Math.ceil((until - nowMs) / 1000) : 0;
  }

  /** Counts one failure against every key; the fifth within the window starts a lockout. */
  recordFailure(keys: readonly string[], nowMs: number): void {
    if (this.entries.size >= this.maxEntries) this.prune(nowMs);
    for (const key of keys) {
      const entry = this.entries.get(key) ?? { failuresMs: [], lockedUntilMs: 0 };
      entry.failuresMs = entry.failuresMs.filter((at) => nowMs - at < this.windowMs);
      entry.failuresMs.push(nowMs);
      if (entry.failuresMs.length >= this.maxFailures) {
        entry.lockedUntilMs = nowMs + this.lockoutMs;
        entry.failuresMs = [];
      }
      this.entries.set(key, entry);
    }
  }

  private prune(nowMs: number): void {
    for (const [key, entry] of this.entries) {
      const stale =
        entry.lockedUntilMs <= nowMs && entry.failuresMs.every((at) => nowMs - at >= this.windowMs);
      if (stale) this.entries.delete(key);
    }
    for (const key of this.entries.keys()) {
      if (this.entries.size < this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}
