import type { Database } from "bun:sqlite";
import { errorMessage } from "../../errors.ts";
import { StoreError } from "../store-error.ts";
import { UndoLog } from "./undo-log.ts";

interface Pending {
  task: () => unknown;
  resolve: (value: never) => void;
  reject: (error: unknown) => void;
}

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Hooks around each batch: `beforeCommit` writes inside the transaction, `afterCommit` after it. */
export interface BatchHooks {
  beforeCommit?: () => void;
  afterCommit?: () => void;
}

/** Counters for tests and metrics: how many transactions served how many tasks. */
export interface GroupCommitStats {
  batches: number;
  tasks: number;
  largestBatch: number;
}

/**
 * Group commit: tasks queued while the event loop is busy join one batch, run in call order inside
 * one IMMEDIATE transaction (each in its own SAVEPOINT, so a task that throws is undone alone) and
 * share one COMMIT. A task's promise settles only after that COMMIT returned (synchronous=FULL: on
 * disk); if the COMMIT fails, every task of the batch rejects and nothing of it is stored.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  private readonly counters: GroupCommitStats = { batches: 0, tasks: 0, largestBatch: 0 };
  /** In-memory changes of the open batch, undone with their savepoint or the batch. */
  readonly undo = new UndoLog();
  private readonly sql;

  constructor(
    private readonly db: Database,
    private readonly hooks: BatchHooks = {},
    private readonly maxBatch = 1024,
  ) {
    this.sql = {
      begin: db.prepare("BEGIN IMMEDIATE"),
      commit: db.prepare("COMMIT"),
      rollback: db.prepare("ROLLBACK"),
      savepoint: db.prepare("SAVEPOINT work"),
      release: db.prepare("RELEASE work"),
      undo: db.prepare("ROLLBACK TO work"),
    };
  }

  /** Queues a synchronous task for the next batch; resolves with its result once committed. */
  run<T>(task: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ task, resolve: resolve as (value: never) => void, reject });
      this.schedule();
    });
  }

  /** Resolves once every task queued so far has settled. */
  idle(): Promise<void> {
    if (!this.scheduled && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Releases the prepared statements (a connection with live statements never really closes). */
  finalize(): void {
    for (const statement of Object.values(this.sql)) statement.finalize();
  }

  stats(): GroupCommitStats {
    return { ...this.counters };
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue.splice(0, this.maxBatch);
    if (this.queue.length > 0) this.schedule();
    const settled = this.execute(batch);
    batch.forEach((pending, i) => {
      const result = settled[i];
      if (result?.ok) pending.resolve(result.value as never);
      else pending.reject(result?.error);
    });
    if (!this.scheduled) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private execute(batch: Pending[]): Settled[] {
    try {
      this.sql.begin.run();
      const settled = batch.map((pending) => this.runOne(pending.task));
      this.hooks.beforeCommit?.();
      this.sql.commit.run();
      this.undo.clear();
      this.count(batch.length);
      this.afterCommit();
      return settled;
    } catch (error) {
      this.rollback();
      const failure = new StoreError("io", `commit failed, nothing stored (${errorMessage(error)})`, {
        cause: error,
      });
      return batch.map(() => ({ ok: false, error: failure }));
    }
  }

  /** Undoes the batch; a ROLLBACK that fails too (SQLite may have rolled back already) is ignored. */
  private rollback(): void {
    try {
      if (this.db.inTransaction) this.sql.rollback.run();
    } catch {
      // the connection has no transaction left to roll back
    }
    this.undo.rollbackTo(0);
  }

  /** The batch is committed whatever the hook does, so its failure must not fail the tasks. */
  private afterCommit(): void {
    try {
      this.hooks.afterCommit?.();
    } catch {
      // bookkeeping only (quota measurement): the next batch measures again
    }
  }

  private runOne(task: () => unknown): Settled {
    this.sql.savepoint.run();
    const mark = this.undo.mark();
    try {
      const value = task();
      this.sql.release.run();
      return { ok: true, value };
    } catch (error) {
      this.sql.undo.run();
      this.sql.release.run();
      this.undo.rollbackTo(mark);
      return { ok: false, error };
    }
  }

  private count(tasks: number): void {
    this.counters.batches += 1;
    this.counters.tasks += tasks;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, tasks);
  }
}
