import type { ReplyValue } from "./handlers/frame-context.ts";

/** A settled reply slot: the inner reply (or null for none), or why the frame failed. */
export type ReplyOutcome = { reply: ReplyValue } | { error: unknown };

/**
 * Replies in the order their frames arrived, even when some wait (an ack waits for its commit):
 * a settled reply goes out as soon as every earlier one has. `deliver` returns false to stop (the
 * session closes): later replies are dropped.
 */
export class ReplyQueue {
  private readonly slots: Array<{ outcome?: ReplyOutcome }> = [];

  constructor(private readonly deliver: (outcome: ReplyOutcome) => boolean) {}

  /** Replies still waiting to be sent (pending or behind a pending one). */
  get pending(): number {
    return this.slots.length;
  }

  /** Queues the outcome of one frame, in arrival order. */
  push(result: ReplyValue | Promise<ReplyValue>): void {
    if (!(result instanceof Promise)) {
      this.settled({ reply: result });
      return;
    }
    const slot: { outcome?: ReplyOutcome } = {};
    this.slots.push(slot);
    result.then(
      (reply) => this.settle(slot, { reply }),
      (error: unknown) => this.settle(slot, { error }),
    );
  }

  /** Queues a failure known at once (the frame did not even reach a handler). */
  fail(error: unknown): void {
    this.settled({ error });
  }

  /** Drops every reply still waiting (the connection is gone). */
  clear(): void {
    this.slots.length = 0;
  }

  private settled(outcome: ReplyOutcome): void {
    if (this.slots.length === 0) {
      if (!this.deliver(outcome)) this.clear();
      return;
    }
    this.slots.push({ outcome });
  }

  private settle(slot: { outcome?: ReplyOutcome }, outcome: ReplyOutcome): void {
    slot.outcome = outcome;
    while (this.slots[0]?.outcome !== undefined) {
      const head = this.slots.shift() as { outcome: ReplyOutcome };
      if (!this.deliver(head.outcome)) {
        this.clear();
        return;
      }
    }
  }
}
