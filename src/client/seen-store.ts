/** How long a recipient remembers the message_ids it has shown (§8.3: at least 8 days). */
export const DEDUPE_WINDOW_MS = 8 * 24 * 60 * 60 * 1000;

/**
 * Recipient deduplication by message_id (§8.3), supplied by the caller so it can outlive the
 * process. Ids are 64 lowercase hex characters. Methods may be synchronous or return promises.
 */
export interface SeenStore {
  has(messageId: string): boolean | Promise<boolean>;
  add(messageId: string, seenAtMs: number): void | Promise<void>;
  /** Forgets ids seen before `beforeMs`; the client calls it with now − DEDUPE_WINDOW_MS. */
  prune(beforeMs: number): void | Promise<void>;
}

/** A SeenStore in memory (one process; a restarted client shows redeliveries again). */
export class MemorySeenStore implements SeenStore {
  private readonly seen = new Map<string, number>();

  has(messageId: string): boolean {
    return this.seen.has(messageId);
  }

  add(messageId: string, seenAtMs: number): void {
    this.seen.set(messageId, seenAtMs);
  }

  prune(beforeMs: number): void {
    for (const [id, at] of this.seen) if (at < beforeMs) this.seen.delete(id);
  }

  /** The ids held and when they were seen (for a file store to persist). */
  entries(): [string, number][] {
    return [...this.seen];
  }
}
