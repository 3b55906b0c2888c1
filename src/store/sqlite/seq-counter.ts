import type { Statements } from "./prepare-statements.ts";

/**
 * Hands out queue seqs in commit order. The high-water mark is saved with each batch that used one,
 * so a seq is never reused, even after the newest entries were deleted and the store reopened.
 */
export class SeqCounter {
  private last: number;
  private dirty = false;

  constructor(private readonly statements: Statements) {
    this.last = Math.max(statements.savedSeq.get()?.value ?? 0, statements.maxSeq.get()?.seq ?? 0);
  }

  next(): number {
    this.dirty = true;
    return ++this.last;
  }

  /** Writes the high-water mark inside the batch's transaction, if it moved. */
  save(): void {
    if (!this.dirty) return;
    this.statements.saveSeq.run(this.last);
    this.dirty = false;
  }
}
