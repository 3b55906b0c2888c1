/** A §10 token bucket: capacity = burst, refilled continuously; a refused request costs nothing. */
export class TokenBucket {
  private tokens: number;
  private updatedMs: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.updatedMs = nowMs;
  }

  /** Takes one token: 0 when granted, else retry_after = ⌈seconds until the next token⌉ (at least 1). */
  take(nowMs: number): number {
    const wait = this.peek(nowMs);
    if (wait === 0) this.tokens -= 1;
    return wait;
  }

  /** What `take` would answer, without taking. A clock stepped back refills nothing and takes nothing. */
  peek(nowMs: number): number {
    const elapsedMs = Math.max(0, nowMs - this.updatedMs);
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs / 1000) * this.perSecond);
    this.updatedMs = nowMs;
    if (this.tokens >= 1) return 0;
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }
}
