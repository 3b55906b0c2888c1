import type { Id, QueueEntry, QueueStats } from "../records.ts";
import { EntryCache } from "./entry-cache.ts";
import type { Statements } from "./prepare-statements.ts";
import type { UndoLog } from "./undo-log.ts";

/** One device's queue: seqs ascending (commit order) with each entry's frame size. */
interface Queue {
  seqs: number[];
  sizes: number[];
  bytes: number;
}

/**
 * Each device's queue order and totals, in memory: built from one scan of `entries` at open, then
 * kept by every insert and delete (undone with their transaction). An index on (recipient, seq)
 * rewrote one page per recipient per batch, about 1.5 KB of WAL per 1 KiB message.
 */
export class QueueIndex {
  private readonly queues = new Map<string, Queue>();
  /** The newest entries themselves (a read cache; entries leave it as they leave the queue). */
  readonly recent: EntryCache;

  constructor(
    statements: Statements,
    private readonly undo: UndoLog,
  ) {
    this.recent = new EntryCache(undo);
    for (const row of statements.allEntrySeqs.iterate()) this.append(row.recipient, row.seq, row.frame_bytes);
  }

  stats(recipient: Id): QueueStats {
    const queue = this.queues.get(hex(recipient));
    return { frames: queue?.seqs.length ?? 0, bytes: queue?.bytes ?? 0 };
  }

  /** Up to `limit` seqs of the queue after `afterSeq`, in order. */
  page(recipient: Id, afterSeq: number, limit: number): number[] {
    const seqs = this.queues.get(hex(recipient))?.seqs ?? [];
    const start = firstAfter(seqs, afterSeq);
    return seqs.slice(start, start + Math.max(0, limit));
  }

  /** Records an entry just inserted (its seq is the newest), keeping `entry` in the read cache. */
  add(recipient: Id, seq: number, bytes: number, entry?: QueueEntry): void {
    const key = hex(recipient);
    this.append(key, seq, bytes);
    this.undo.push(() => this.drop(key, seq));
    if (entry !== undefined) this.recent.add(entry);
  }

  /** Forgets an entry about to be deleted; false if the queue does not hold it. */
  remove(recipient: Id, seq: number): boolean {
    const key = hex(recipient);
    const bytes = this.drop(key, seq);
    if (bytes === undefined) return false;
    this.undo.push(() => this.insert(key, seq, bytes));
    this.recent.drop(seq);
    return true;
  }

  private append(key: string, seq: number, bytes: number): void {
    const queue = this.queues.get(key) ?? { seqs: [], sizes: [], bytes: 0 };
    this.queues.set(key, queue);
    queue.seqs.push(seq);
    queue.sizes.push(bytes);
    queue.bytes += bytes;
  }

  private insert(key: string, seq: number, bytes: number): void {
    const queue = this.queues.get(key) ?? { seqs: [], sizes: [], bytes: 0 };
    this.queues.set(key, queue);
    const at = firstAfter(queue.seqs, seq);
    queue.seqs.splice(at, 0, seq);
    queue.sizes.splice(at, 0, bytes);
    queue.bytes += bytes;
  }

  private drop(key: string, seq: number): number | undefined {
    const queue = this.queues.get(key);
    if (queue === undefined) return undefined;
    const at = firstAfter(queue.seqs, seq - 1);
    if (queue.seqs[at] !== seq) return undefined;
    const bytes = queue.sizes[at] ?? 0;
    queue.seqs.splice(at, 1);
    queue.sizes.splice(at, 1);
    queue.bytes -= bytes;
    if (queue.seqs.length === 0) this.queues.delete(key);
    return bytes;
  }
}

/** The index of the first seq greater than `seq` (binary search). */
function firstAfter(seqs: number[], seq: number): number {
  let low = 0;
  let high = seqs.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((seqs[middle] ?? 0) <= seq) low = middle + 1;
    else high = middle;
  }
  return low;
}

function hex(id: Id): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString("hex");
}
