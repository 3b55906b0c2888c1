import type { QueueEntry } from "../store/records.ts";

/** Counters of the messaging domain, for the metrics endpoint (monotonic since start). */
export class RelayStats {
  messagesAccepted = 0;
  /** Resends answered with status 0 again (§8.3), stored once. */
  duplicatesAccepted = 0;
  messagesPushed = 0;
  receiptsPushed = 0;
  messagesAcked = 0;
  messagesExpired = 0;
  /** Messages purged by a revocation (§8.4). */
  messagesPurged = 0;
  receiptsDropped = 0;
  /** Refused frames by §9 code. */
  readonly refusedByCode = new Map<number, number>();
  /** Called on each push with the time from commit to push (the delivery-latency histogram). */
  onPushed: ((entry: QueueEntry, latencyMs: number) => void) | undefined;

  /** Counts one refusal with this code. */
  refused(code: number): void {
    this.refusedByCode.set(code, (this.refusedByCode.get(code) ?? 0) + 1);
  }

  /** Counts one entry handed to a session's socket at `nowMs`. */
  pushed(entry: QueueEntry, nowMs: number): void {
    if (entry.kind === "message") this.messagesPushed += 1;
    else this.receiptsPushed += 1;
    this.onPushed?.(entry, Math.max(0, nowMs - entry.enqueuedAtMs));
  }
}
