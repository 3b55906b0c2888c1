import { idHex } from "./ids.ts";
import { failRemoved } from "./receipts.ts";
import type { RelayContext } from "./relay-context.ts";

/** What one sweep removed and queued. */
export interface SweepReport {
  /** Expired messages (each sender got, or was offered, a status-3 receipt). */
  expiredMessages: number;
  expiredReceipts: number;
  receiptsQueued: number;
  seenPruned: number;
  contactsPruned: number;
}

/**
 * One maintenance pass (§8.3): expired entries leave their queues and each expired message queues
 * a server-signed status 3 for its sender; seen records past `dedupe_window` and contact pairs past
 * `presence_contact_days` are pruned. `batch` bounds each store call.
 */
export async function sweepOnce(ctx: RelayContext, nowMs: number, batch = 1000): Promise<SweepReport> {
  const report: SweepReport = {
    expiredMessages: 0,
    expiredReceipts: 0,
    receiptsQueued: 0,
    seenPruned: 0,
    contactsPruned: 0,
  };
  for (;;) {
    const swept = await ctx.store.sweepExpired(nowMs, batch);
    const messages = swept.filter((entry) => entry.kind === "message").length;
    report.expiredMessages += messages;
    report.expiredReceipts += swept.length - messages;
    ctx.stats.messagesExpired += messages;
    for (const entry of swept) {
      if (ctx.cursors.get(idHex(entry.recipient))?.acked(entry.seq)) ctx.router.wake(entry.recipient);
    }
    report.receiptsQueued += await failRemoved(ctx, swept, nowMs);
    if (swept.length < batch) break;
  }
  report.seenPruned = await ctx.store.pruneSeen(nowMs - ctx.settings.dedupeWindowMs);
  report.contactsPruned = await ctx.store.pruneContacts(nowMs - ctx.settings.presenceContactMs);
  return report;
}

/** Runs `sweep` every `intervalMs` (never two at once) until stopped; a failed pass is reported and retried next time. */
export class Sweeper {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly sweep: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Starts the timer (it does not keep the process alive). */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref?.();
  }

  /** One pass now, unless one is running (then that one). */
  runOnce(): Promise<void> {
    this.running ??= this.sweep()
      .then(
        () => undefined,
        (error: unknown) => this.onError(error),
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Stops the timer and waits for a running pass (before the store closes). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
