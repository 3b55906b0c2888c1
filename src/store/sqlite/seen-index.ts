import type { Id } from "../records.ts";
import type { UndoLog } from "./undo-log.ts";

/**
 * The dedupe lookup in memory: the first 48 bits of a message id -> row ids of the append-only
 * `seen` table (a few ids share a key at most; callers compare the full id). A B-tree keyed by random
 * ids costs one page write per message; the table stays in insertion order and this index is rebuilt
 * from it at open (about 50 bytes per record).
 */
export class SeenIndex {
  private readonly rows = new Map<number, number | number[]>();

  constructor(private readonly undo: UndoLog) {}

  get size(): number {
    return this.rows.size;
  }

  /** Row ids that may hold `messageId`. */
  candidates(messageId: Id): number[] {
    const found = this.rows.get(keyOf(messageId));
    if (found === undefined) return [];
    return typeof found === "number" ? [found] : found;
  }

  /** Adds a row; `undoable` ones are removed again if their transaction rolls back. */
  add(messageId: Id, rowId: number, undoable = true): void {
    const key = keyOf(messageId);
    const found = this.rows.get(key);
    if (found === undefined) this.rows.set(key, rowId);
    else this.rows.set(key, typeof found === "number" ? [found, rowId] : [...found, rowId]);
    if (undoable) this.undo.push(() => this.drop(key, rowId));
  }

  /** Removes a row (pruned), put back if the transaction rolls back. */
  remove(messageId: Id, rowId: number): void {
    const key = keyOf(messageId);
    if (this.drop(key, rowId)) this.undo.push(() => this.add(messageId, rowId, false));
  }

  private drop(key: number, rowId: number): boolean {
    const found = this.rows.get(key);
    if (found === rowId) return this.rows.delete(key);
    if (typeof found !== "object" || !found.includes(rowId)) return false;
    const rest = found.filter((id) => id !== rowId);
    this.rows.set(key, rest.length === 1 ? (rest[0] as number) : rest);
    return true;
  }
}

function keyOf(messageId: Id): number {
  const view = new DataView(messageId.buffer, messageId.byteOffset, messageId.byteLength);
  return messageId.byteLength >= 6 ? view.getUint32(0) * 65536 + view.getUint16(4) : bytesKey(messageId);
}

function bytesKey(bytes: Uint8Array): number {
  let key = bytes.byteLength;
  for (const byte of bytes) key = key * 256 + byte;
  return key;
}
