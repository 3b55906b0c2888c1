import type { QueueEntry } from "../store/records.ts";

/** The relay requests whose refusals are counted, by the facade method that takes them. */
export type RelayRequest = "register" | "authenticate" | "send" | "ack" | "presence" | "directory" | "revoke";

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
  /** Refused frames by request (`send`, `ack`, `register`, ...), then by §9 code. */
  readonly refusedByRequest = new Map<RelayRequest, Map<number, number>>();
  /** Called on each push with the time from commit to push (the delivery-latency histogram). */
  onPushed: ((entry: QueueEntry, latencyMs: number) => void) | undefined;

  /** Counts one refusal of `request` with this code. */
  refused(code: number, request: RelayRequest): void {
    this.refusedByCode.set(code, (this.refusedByCode.get(code) ?? 0) + 1);
    const codes = this.refusedByRequest.get(request) ?? new Map<number, number>();
    codes.set(code, (codes.get(code) ?? 0) + 1);
    this.refusedByRequest.set(request, codes);
  }

  /** Counts one entry handed to a session's socket at `nowMs`. */
  pushed(entry: QueueEntry, nowMs: number): void {
    if (entry.kind === "message") this.messagesPushed += 1;
    else this.receiptsPushed += 1;
    this.onPushed?.(entry, Math.max(0, nowMs - entry.enqueuedAtMs));
  }
}
