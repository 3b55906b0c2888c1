const PENDING = Number.POSITIVE_INFINITY;

/**
 * The receipts written to a socket whose deletion is pending or recent, shared by every cursor:
 * a page read before a deletion committed must not push the receipt again (at most once, §8.2).
 * A deleted receipt is remembered for `keepMs` after its deletion, longer than any page read takes.
 */
export class ReceiptLedger {
  private readonly written = new Map<number, number>();

  constructor(
    private readonly keepMs = 60_000,
    private readonly pruneAbove = 4096,
  ) {}

  /** The receipt `seq` was written: no cursor pushes it again. */
  begin(seq: number): void {
    this.written.set(seq, PENDING);
  }

  /** Its deletion committed at `nowMs`. */
  deleted(seq: number, nowMs: number): void {
    this.written.set(seq, nowMs);
    if (this.written.size > this.pruneAbove) this.prune(nowMs);
  }

  /** Whether the receipt `seq` was already written. */
  has(seq: number): boolean {
    return this.written.has(seq);
  }

  private prune(nowMs: number): void {
    for (const [seq, deletedAtMs] of this.written)
      if (nowMs - deletedAtMs > this.keepMs) this.written.delete(seq);
  }
}
