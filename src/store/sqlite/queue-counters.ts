import type { Id, QueueStats } from "../records.ts";
import type { Statements } from "./prepare-statements.ts";
import type { UndoLog } from "./undo-log.ts";

/**
 * Frames and bytes queued per device, in memory: counted from the recipient index at open, then kept
 * by every insert and delete (undone with their transaction). A trigger on the device row did the
 * same at the price of one more page written per message.
 */
export class QueueCounters {
  private readonly counts = new Map<string, QueueStats>();

  constructor(
    statements: Statements,
    private readonly undo: UndoLog,
  ) {
    for (const row of statements.queueTotals.iterate()) {
      this.counts.set(hex(row.recipient), { frames: row.frames, bytes: row.bytes });
    }
  }

  of(recipient: Id): QueueStats {
    return { ...(this.counts.get(hex(recipient)) ?? { frames: 0, bytes: 0 }) };
  }

  /** Adds (or with negative numbers removes) entries of a queue. */
  add(recipient: Id, frames: number, bytes: number): void {
    const key = hex(recipient);
    this.change(key, frames, bytes);
    this.undo.push(() => this.change(key, -frames, -bytes));
  }

  /** Empties a queue (revocation). */
  clear(recipient: Id): void {
    const { frames, bytes } = this.of(recipient);
    if (frames !== 0 || bytes !== 0) this.add(recipient, -frames, -bytes);
  }

  private change(key: string, frames: number, bytes: number): void {
    const current = this.counts.get(key) ?? { frames: 0, bytes: 0 };
    const next = { frames: current.frames + frames, bytes: current.bytes + bytes };
    if (next.frames === 0) this.counts.delete(key);
    else this.counts.set(key, next);
  }
}

function hex(id: Id): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString("hex");
}
