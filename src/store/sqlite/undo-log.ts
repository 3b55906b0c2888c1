/**
 * In-memory changes made inside a transaction, undone in reverse when their savepoint or the whole
 * batch rolls back, so memory never holds what the database does not.
 */
export class UndoLog {
  private readonly steps: (() => void)[] = [];

  /** Records how to undo a change just made. */
  push(undo: () => void): void {
    this.steps.push(undo);
  }

  /** A position to roll back to. */
  mark(): number {
    return this.steps.length;
  }

  /** Undoes every change made after `mark`, newest first. */
  rollbackTo(mark: number): void {
    while (this.steps.length > mark) this.steps.pop()?.();
  }

  /** Forgets the changes: they are committed. */
  clear(): void {
    this.steps.length = 0;
  }
}
