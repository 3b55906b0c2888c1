const PENDING = Number.POSITIVE_INFINITY;

/**
 * The receipts written to a socket whose deletion is pending or recent, shared by every cursor:
 * a page read before a deletion committed must not push the receipt again (at most once, §8.2).
 * A deleted receipt is remembered for `keepMs` after its deletion, longer than any page read takes.
 */
export class ReceiptLedger {
  private readonly written = new Map<number, number>();
  /** Deletions in the order they committed (seq, time): pruning takes the old ones off the front. */
  private readonly deletions: number[] = [];
  private head = 0;

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
    this.deletions.push(seq, nowMs);
    if (this.written.size > this.pruneAbove) this.prune(nowMs);
  }

  /** Whether the receipt `seq` was already written. */
  has(seq: number): boolean {
    return this.written.has(seq);
  }

  /** Forgets deletions older than keepMs, oldest first: amortized O(1) per deletion. */
  private prune(nowMs: number): void {
    const order = this.deletions;
    while (this.head < order.length && nowMs - (order[this.head + 1] as number) > this.keepMs) {
      const seq = order[this.head] as number;
      if (this.written.get(seq) === order[this.head + 1]) this.written.delete(seq);
      this.head += 2;
    }
    if (this.head > 8192 && this.head * 2 > order.length) {
      order.splice(0, this.head);
      this.head = 0;
    }
  }
}
