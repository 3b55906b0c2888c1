import type { MailboxStore, UnitOfWork } from "../store/ports.ts";
import type { Id, QueueEntry } from "../store/records.ts";
import type { Guard } from "../store/work.ts";
import type { ReceiptLedger } from "./receipt-ledger.ts";
import type { RelayStats } from "./relay-stats.ts";

/** Hands one entry to the session's socket: false when it cannot take it now (above `outbound_high_water`). */
export type PushEntry = (entry: QueueEntry) => boolean;

/** What a cursor needs: the store, its device, the window, the shared set of receipts being deleted, a clock. */
export interface MailboxCursorDeps {
  store: MailboxStore & UnitOfWork;
  device: Id;
  /** `delivery_window`, read at each pull (it may change on reload). */
  deliveryWindow: () => number;
  /** Receipts written and being deleted: no other cursor pushes them again (at most once). */
  receipts: ReceiptLedger;
  nowMs: () => number;
  /** Counts pushes and reports each one (delivery latency). */
  stats?: RelayStats;
  /**
   * Cluster mode: reads the page fenced by the session's lease ("stale": a newer session holds the
   * device, nothing more is pushed here). Default: the store's mailboxPage.
   */
  page?: (afterSeq: number, limit: number) => Promise<QueueEntry[] | "stale">;
  /** Cluster mode: the guards of a receipt's deletion (the session's leaseEpoch). Default: none. */
  fence?: () => Promise<Guard[]>;
  /** A receipt's deletion failed (it stays stored, and stays out of later pushes in this process). */
  onDeleteError?: (error: unknown) => void;
}

const PAGE_LIMIT = 64;

/**
 * The §7.3/§8.2 delivery model of one session: pulls, in commit order, the entries after the last
 * one pushed, while fewer than `delivery_window` pushed messages are unacked (a full window holds
 * back receipts too: one FIFO). A new session starts
 * at the queue's head, so what an earlier session left unacked is pushed again. Receipts are
 * deleted once written (delivered at most once); messages stay until acked, expired or revoked.
 */
export class MailboxCursor {
  private lastSeq = 0;
  private readonly unacked = new Set<number>();
  private running: Promise<number> | undefined;
  private again = false;
  private closed = false;
  private readonly deletions = new Set<Promise<void>>();

  constructor(private readonly deps: MailboxCursorDeps) {}

  /**
   * Pushes what may be pushed now; resolves with how many entries were pushed. Calls while a pull
   * runs join it (it pulls once more), so entries are pushed in order and each at most once.
   */
  drain(push: PushEntry): Promise<number> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = this.run(push).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** The device acked (or the queue dropped) the entry `seq`: true when it was pushed here and unacked. */
  acked(seq: number): boolean {
    return this.unacked.delete(seq);
  }

  /** Pushed messages not yet acked on this session. */
  get unackedCount(): number {
    return this.unacked.size;
  }

  /** Resolves when the running pull and every receipt deletion it started have finished. */
  async settled(): Promise<void> {
    await this.running;
    await Promise.all([...this.deletions]);
  }

  /** The session ended: nothing more is pushed through this cursor. */
  close(): void {
    this.closed = true;
  }

  private async run(push: PushEntry): Promise<number> {
    let pushed = 0;
    do {
      this.again = false;
      pushed += await this.pass(push);
    } while (this.again && !this.closed);
    return pushed;
  }

  private async pass(push: PushEntry): Promise<number> {
    let pushed = 0;
    for (;;) {
      const room = this.deps.deliveryWindow() - this.unacked.size;
      if (this.closed || room <= 0) return pushed;
      const page = await this.readPage(Math.min(room, PAGE_LIMIT));
      if (page === "stale") {
        this.closed = true;
        return pushed;
      }
      if (page.length === 0) return pushed;
      for (const entry of page) {
        if (this.closed) return pushed;
        if (this.unacked.size >= this.deps.deliveryWindow()) return pushed;
        if (this.skips(entry)) {
          this.lastSeq = entry.seq;
          continue;
        }
        if (!push(entry)) return pushed;
        this.lastSeq = entry.seq;
        pushed += 1;
        this.deps.stats?.pushed(entry, this.deps.nowMs());
        if (entry.kind === "message") this.unacked.add(entry.seq);
        else this.deleteReceipt(entry);
      }
    }
  }

  private readPage(limit: number): Promise<QueueEntry[] | "stale"> {
    const { page, store, device } = this.deps;
    return page === undefined ? store.mailboxPage(device, this.lastSeq, limit) : page(this.lastSeq, limit);
  }

  /** Expired entries wait for the sweeper (which sends the failure receipt); receipts in flight went already. */
  private skips(entry: QueueEntry): boolean {
    if (entry.expiresAtMs <= this.deps.nowMs()) return true;
    return entry.kind === "receipt" && this.deps.receipts.has(entry.seq);
  }

  private deleteReceipt(entry: QueueEntry): void {
    const { store, receipts, onDeleteError } = this.deps;
    receipts.begin(entry.seq);
    const guards = this.deps.fence?.() ?? Promise.resolve([]);
    const deletion = guards
      .then((fence) =>
        store.commit({
          guards: fence,
          writes: [{ type: "deleteEntry", recipient: entry.recipient, seq: entry.seq }],
        }),
      )
      .then(
        () => receipts.deleted(entry.seq, this.deps.nowMs()),
        (error: unknown) => onDeleteError?.(error),
      )
      .finally(() => this.deletions.delete(deletion));
    this.deletions.add(deletion);
  }
}
