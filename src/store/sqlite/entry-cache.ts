import type { QueueEntry } from "../records.ts";
import type { UndoLog } from "./undo-log.ts";

/** Frames of recently enqueued entries kept in memory; about 6,000 entries of 1 KiB. */
export const ENTRY_CACHE_BYTES = 8 * 1024 * 1024;

/**
 * The newest queued entries by seq, so the push that follows a commit (and the ack that deletes
 * the entry) reads memory instead of a row and its frame. A hint only: an entry not held here is
 * read from the table; one that leaves the queue leaves the cache; the oldest go first past `maxBytes`.
 */
export class EntryCache {
  private readonly entries = new Map<number, QueueEntry>();
  private bytes = 0;

  constructor(
    private readonly undo: UndoLog,
    private readonly maxBytes = ENTRY_CACHE_BYTES,
  ) {}

  /** A copy of the cached entry `seq`, if held (a caller may change what it is given). */
  get(seq: number): QueueEntry | undefined {
    const entry = this.entries.get(seq);
    return entry === undefined ? undefined : copyOf(entry);
  }

  /** Whether the cached entry `seq` has this message id (no copy made); undefined when not held. */
  hasMessageId(seq: number, messageId: Uint8Array): boolean | undefined {
    const entry = this.entries.get(seq);
    if (entry === undefined) return undefined;
    const id = entry.messageId;
    return Buffer.from(id.buffer, id.byteOffset, id.byteLength).equals(messageId);
  }

  /** Holds a copy of an entry just inserted in the open transaction (dropped again if it rolls back). */
  add(inserted: QueueEntry): void {
    if (inserted.frame.byteLength > this.maxBytes) return;
    const entry = copyOf(inserted);
    this.entries.set(entry.seq, entry);
    this.bytes += entry.frame.byteLength;
    this.undo.push(() => this.drop(entry.seq));
    for (const [seq, oldest] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(seq);
      this.bytes -= oldest.frame.byteLength;
    }
  }

  /** Forgets `seq` (deleted, or its insert undone). */
  drop(seq: number): void {
    const entry = this.entries.get(seq);
    if (entry === undefined) return;
    this.entries.delete(seq);
    this.bytes -= entry.frame.byteLength;
  }
}

/** The entry with buffers of its own (copied even from a Buffer, whose slice() is a view), as a row read gives it. */
function copyOf(entry: QueueEntry): QueueEntry {
  return {
    seq: entry.seq,
    recipient: new Uint8Array(entry.recipient),
    kind: entry.kind,
    messageId: new Uint8Array(entry.messageId),
    sender: new Uint8Array(entry.sender),
    frame: new Uint8Array(entry.frame),
    enqueuedAtMs: entry.enqueuedAtMs,
    expiresAtMs: entry.expiresAtMs,
  };
}
