import { toHex } from "../protocol/bytes.ts";
import type { NcpClientError } from "./client-error.ts";

/** A 0x10 waiting for the server's status 0 (§8.3): resent with the same message_id until then. */
export interface OutboxEntry {
  /** 64 hex characters: the key of acks and error refs. */
  id: string;
  messageId: Uint8Array;
  /** The inner frame as composed; each send restamps it (new timestamp and signature). */
  inner: Uint8Array;
  /** Times it was written to a connection. */
  sends: number;
  /** Its send chain (§6.5), when it has one: a waiting entry holds back the later ones of its chain. */
  chain?: string;
}

interface Tracked extends OutboxEntry {
  inFlightSinceMs?: number;
  notBeforeMs: number;
  settle: { resolve: () => void; reject: (error: NcpClientError) => void };
}

/** The outbox's timing: at most `window` frames unanswered (§7.3), resend after `resendAfterMs` (§8.3). */
export interface OutboxOptions {
  window?: number;
  resendAfterMs?: number;
}

/** What a refusal did to a message: wait and resend, failed for good, or not one of ours. */
export type RefusalOutcome = "retry" | "failed" | "unknown";

/**
 * Resend bookkeeping of §8.3, without timers or sockets: messages in commit order, each sent,
 * resent when no status 0 or error came within `resendAfterMs` or the connection dropped, waited
 * out after a 502/500 (retry_after), failed on any other error.
 */
export class Outbox {
  private readonly entries = new Map<string, Tracked>();
  private readonly window: number;
  private readonly resendAfterMs: number;

  constructor(options: OutboxOptions = {}) {
    this.window = options.window ?? 64;
    this.resendAfterMs = options.resendAfterMs ?? 30_000;
  }

  /** Messages not yet accepted. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Adds a composed 0x10 (on `chain`, if given); the promise settles on its status 0 or a final
   * refusal. Entries of one chain must be added in the chain's order.
   */
  add(messageId: Uint8Array, inner: Uint8Array, chain?: string): Promise<void> {
    const id = toHex(messageId);
    if (this.entries.has(id)) throw new RangeError(`message ${id} is already in the outbox`);
    return new Promise((resolve, reject) => {
      const settle = { resolve, reject };
      this.entries.set(id, { id, messageId, inner, sends: 0, notBeforeMs: 0, chain, settle });
    });
  }

  /**
   * A refused (waiting) entry sealed again at the end of its chain: `inner` replaces its frame and
   * it moves behind every entry added so far, so it is written after them. False when not waiting.
   */
  resealed(ref: string, inner: Uint8Array): boolean {
    const entry = this.entries.get(ref);
    if (entry === undefined || entry.inFlightSinceMs !== undefined) return false;
    this.entries.delete(ref);
    this.entries.set(ref, { ...entry, inner });
    return true;
  }

  /**
   * The entries to write now, oldest first, each marked in flight at `nowMs`: in-flight ones
   * unanswered for `resendAfterMs`, then waiting ones, as long as at most `window` are in flight.
   * A waiting entry still inside its retry_after holds back the later entries of its chain, so a
   * chain's frames are written in its order.
   */
  takeDue(nowMs: number): OutboxEntry[] {
    const due: Tracked[] = [];
    let inFlight = 0;
    for (const entry of this.entries.values()) {
      if (entry.inFlightSinceMs === undefined) continue;
      if (nowMs - entry.inFlightSinceMs >= this.resendAfterMs) due.push(entry);
      else inFlight++;
    }
    inFlight += due.length;
    const held = new Set<string>();
    for (const entry of this.entries.values()) {
      if (inFlight >= this.window) break;
      if (entry.inFlightSinceMs !== undefined) continue;
      if (entry.chain !== undefined && held.has(entry.chain)) continue;
      if (entry.notBeforeMs > nowMs) {
        if (entry.chain !== undefined) held.add(entry.chain);
        continue;
      }
      due.push(entry);
      inFlight++;
    }
    for (const entry of due) {
      entry.inFlightSinceMs = nowMs;
      entry.sends++;
    }
    return due;
  }

  /**
   * The earliest time something becomes due (a resend or the end of a retry_after), if any; an
   * entry held back by an earlier waiting one of its chain is due no sooner than that one, and
   * waiting entries not at all while the window is full (a status 0 makes room and pumps again).
   */
  nextDueMs(): number | undefined {
    let next: number | undefined;
    const waiting = new Set<string>();
    let inFlight = 0;
    for (const entry of this.entries.values()) if (entry.inFlightSinceMs !== undefined) inFlight++;
    for (const entry of this.entries.values()) {
      if (entry.inFlightSinceMs === undefined && inFlight >= this.window) continue;
      if (entry.inFlightSinceMs === undefined && entry.chain !== undefined) {
        if (waiting.has(entry.chain)) continue;
        waiting.add(entry.chain);
      }
      const at =
        entry.inFlightSinceMs !== undefined ? entry.inFlightSinceMs + this.resendAfterMs : entry.notBeforeMs;
      next = next === undefined ? at : Math.min(next, at);
    }
    return next;
  }

  /** Status 0 for `ref` (hex): the message is durably queued; false when it is not ours. */
  accepted(ref: string): boolean {
    const entry = this.entries.get(ref);
    if (entry === undefined) return false;
    this.entries.delete(ref);
    entry.settle.resolve();
    return true;
  }

  /**
   * An Error frame whose ref is `ref`: 502 (rate limit, queue full) and 500 (nothing stored) wait
   * retry_after (at least 1 s) and resend; any other code fails the message.
   */
  refused(ref: string, error: NcpClientError, nowMs: number): RefusalOutcome {
    const entry = this.entries.get(ref);
    if (entry === undefined) return "unknown";
    if (error.code === 502 || error.code === 500) {
      entry.inFlightSinceMs = undefined;
      entry.notBeforeMs = nowMs + Math.max(1, error.retryAfterSecs) * 1_000;
      return "retry";
    }
    this.entries.delete(ref);
    entry.settle.reject(error);
    return "failed";
  }

  /** The connection dropped: everything in flight is resent on the next one (§8.3). */
  connectionLost(): void {
    for (const entry of this.entries.values()) entry.inFlightSinceMs = undefined;
  }

  /** Fails every message still waiting (the client stops for good). */
  failAll(error: NcpClientError): void {
    for (const entry of this.entries.values()) entry.settle.reject(error);
    this.entries.clear();
  }
}
