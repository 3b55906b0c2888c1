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
    this.addKey(keyOf(messageId), rowId, undoable);
  }

  /** Adds a row by the hex of its id's first 6 bytes (as the table scan at open reads it). */
  addHexKey(hexKey: string, rowId: number): void {
    this.addKey(Number.parseInt(hexKey, 16) || 0, rowId, false);
  }

  private addKey(key: number, rowId: number, undoable: boolean): void {
    const found = this.rows.get(key);
    if (found === undefined) this.rows.set(key, rowId);
    else this.rows.set(key, typeof found === "number" ? [found, rowId] : [...found, rowId]);
    if (undoable) this.undo.push(() => this.drop(key, rowId));
  }

  /** Removes a row (pruned), put back if the transaction rolls back. */
  remove(messageId: Id, rowId: number): void {
    const key = keyOf(messageId);
    if (this.drop(key, rowId)) this.undo.push(() => this.addKey(key, rowId, false));
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

/** The first 48 bits of an id, big-endian (fewer bytes for a shorter id). */
function keyOf(messageId: Id): number {
  let key = 0;
  for (let i = 0; i < Math.min(6, messageId.byteLength); i++) key = key * 256 + (messageId[i] ?? 0);
  return key;
}
