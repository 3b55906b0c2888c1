import type { Id, SeenRecord } from "../records.ts";
import { StoreError } from "../store-error.ts";
import type { Statements } from "./prepare-statements.ts";
import type { SeenRow } from "./rows.ts";
import { SeenIndex } from "./seen-index.ts";
import type { UndoLog } from "./undo-log.ts";

/**
 * Seen records: rows appended to `seen` in commit order, found through the in-memory SeenIndex
 * (built from the table at open). A record linked to a queued entry outlives the dedupe window
 * until that entry leaves the queue.
 */
export class SeenLog {
  private readonly index: SeenIndex;

  constructor(
    private readonly statements: Statements,
    undo: UndoLog,
  ) {
    this.index = new SeenIndex(undo);
    for (const row of statements.seenKeys.iterate()) this.index.addHexKey(row.key, row.id);
  }

  /** The row for `messageId`, if it was seen. */
  find(messageId: Id): SeenRow | undefined {
    for (const rowId of this.index.candidates(messageId)) {
      const row = this.statements.seenRow.get(rowId);
      if (row !== null && Buffer.from(row.message_id).equals(messageId)) return row;
    }
    return undefined;
  }

  /** Appends a record, linked to the entry `seq` sent with it; a message id seen before is refused. */
  insert(seen: SeenRecord, seq: number | null): void {
    if (this.find(seen.messageId) !== undefined) {
      throw new StoreError("invalid_write", "unit of work refused: markSeen of a message id already seen");
    }
    const { messageId, sender, recipient, atMs } = seen;
    const rowId = Number(
      this.statements.insertSeen.run(messageId, sender, recipient, atMs, seq).lastInsertRowid,
    );
    this.index.add(messageId, rowId);
  }

  /** Deletes records older than `beforeMs` whose entry left the queue; returns how many. */
  prune(beforeMs: number): number {
    const pruned = this.statements.pruneSeen.all(beforeMs);
    for (const row of pruned) this.index.remove(row.message_id, row.id);
    return pruned.length;
  }
}
