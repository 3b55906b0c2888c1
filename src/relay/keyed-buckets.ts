import { TokenBucket } from "./token-bucket.ts";

/** One token bucket per key (source address, user_id, ...), created on first use and pruned when the map is full. */
export class KeyedBuckets {
  private readonly buckets = new Map<string, { bucket: TokenBucket; lastMs: number }>();

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly maxKeys = 100_000,
  ) {}

  /**
   * Takes a token from every key's bucket, or from none: 0 when granted, else the largest
   * retry_after among the refusing buckets (a refused request costs nothing).
   */
  take(keys: readonly string[], nowMs: number): number {
    const entries = keys.map((key) => this.entry(key, nowMs));
    const waits = entries.map((entry) => entry.bucket.peek(nowMs));
    const wait = Math.max(0, ...waits);
    if (wait > 0) return wait;
    for (const entry of entries) entry.bucket.take(nowMs);
    return 0;
  }

  private entry(key: string, nowMs: number): { bucket: TokenBucket; lastMs: number } {
    let entry = this.buckets.get(key);
    if (entry === undefined) {
      if (this.buckets.size >= this.maxKeys) this.prune(nowMs);
      entry = { bucket: new TokenBucket(this.burst, this.perSecond, nowMs), lastMs: nowMs };
      this.buckets.set(key, entry);
    }
    entry.lastMs = nowMs;
    return entry;
  }

  /** Drops buckets that have refilled completely (they are as good as new), then the oldest. */
  private prune(nowMs: number): void {
    const fullAfterMs = (this.burst / this.perSecond) * 1000;
    for (const [key, entry] of this.buckets)
      if (nowMs - entry.lastMs >= fullAfterMs) this.buckets.delete(key);
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < this.maxKeys) break;
      this.buckets.delete(key);
    }
  }
}
