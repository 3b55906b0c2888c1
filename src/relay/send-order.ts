/**
 * Keeps one sender's sends in arrival order up to their commit call. A send reads the store before
 * it commits (seen record, queued entry); with a networked store those reads of two pipelined sends
 * may finish in either order, and the later message would take the lower seq in the recipient's
 * queue (its E2E send chain then rejects the earlier one as stale). Each send waits for the sends
 * of its sender before it to have called commit (the store orders one recipient's commits by call).
 * Waiting for the commits themselves is not needed, cluster mode included: one chain is one
 * recipient, whose commits the Postgres store runs one at a time in call order (CallOrder), so a
 * kill -9 leaves a prefix of each chain stored and the client resends the rest, in order.
 */
export class SendOrder {
  private readonly tails = new Map<string, Promise<void>>();

  /**
   * A turn for the next send of `key`: `ready` once the earlier ones called commit; `release` once
   * this one did (or ended). The next turn waits for this one's `ready` as well as its release: a
   * send that ends early (a duplicate's status 0, a 502) releases before its own turn came, and
   * must not let the sends after it overtake the ones before it (measured: after a kill -9 a
   * duplicate resend let a later message of the chain commit before an earlier one).
   */
  turn(key: string): { ready: Promise<void>; release: () => void } {
    const ready = this.tails.get(key) ?? Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    const done = Promise.all([ready, promise]).then(() => {});
    this.tails.set(key, done);
    void done.then(() => {
      if (this.tails.get(key) === done) this.tails.delete(key);
    });
    return { ready, release: resolve };
  }

  /** Senders with a send under way (for tests). */
  get size(): number {
    return this.tails.size;
  }
}
