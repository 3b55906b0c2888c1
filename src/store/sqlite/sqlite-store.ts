import type { Database, Statement } from "bun:sqlite";
import type { HintBus, InstanceRecord, Lease, LeaseStore, LockoutStore } from "../cluster-ports.ts";
import { MemoryHintBus } from "../memory/memory-hint-bus.ts";
import { CONTACT_RESOLUTION_MS, type Store, type StoreOptions } from "../ports.ts";
import { QuotaTracker } from "../quota-tracker.ts";
import type {
  ContactRecord,
  DeviceRecord,
  DeviceState,
  Id,
  PresenceRecord,
  QueueEntry,
  QueueStats,
  SeenRecord,
  StoreOverview,
} from "../records.ts";
import { StoreError } from "../store-error.ts";
import type { CommitOutcome, RevokeOutcome, Work } from "../work.ts";
import { applyWork, type WorkContext } from "./apply-work.ts";
import { BackgroundWork } from "./background-work.ts";
import { type BackupOutcome, writeBackup } from "./backup.ts";
import { Checkpointer } from "./checkpointer.ts";
import { PackingProbe } from "./frame-packing.ts";
import { GroupCommit, type GroupCommitStats } from "./group-commit.ts";
import { entriesAt, findQueued, revokeDeviceTask, sweepExpiredTask } from "./maintenance-tasks.ts";
import { type DatabaseSettings, databaseSettings, openDatabase } from "./open-database.ts";
import { prepareStatements, type Statements } from "./prepare-statements.ts";
import { QueueIndex } from "./queue-index.ts";
import { deviceOf, presenceOf, seenOf } from "./rows.ts";
import { SeenLog } from "./seen-log.ts";
import { SeqCounter } from "./seq-counter.ts";
import { SqliteLeases } from "./sqlite-leases.ts";
import { type LockoutLimits, SqliteLockout } from "./sqlite-lockout.ts";
import { StoreUsage } from "./store-usage.ts";

/** Options of the sqlite store beyond the common ones. */
export interface SqliteStoreOptions extends StoreOptions {
  /** storage.compression_enabled: stored frames zstd-compressed where that saves >= 10 % (default off). */
  compressFrames?: boolean;
  /**
   * Checkpoint the WAL from a worker thread instead of inside COMMITs (default false: on this 2-core
   * machine it did not raise throughput and it slowed single commits 2-4x; see bench-store).
   */
  backgroundCheckpoint?: boolean;
  /** How often the worker checkpoints (default CHECKPOINT_INTERVAL_MS). */
  checkpointIntervalMs?: number;
  /**
   * How long a statement waits for a lock another process holds (default 5000). bun:sqlite waits on
   * the calling thread, so a server keeps this short: a held write lock then fails commits (500)
   * instead of stopping the event loop for every other session.
   */
  busyTimeoutMs?: number;
}

/** Above this WAL size a batch checkpoints itself: the background checkpointer is not keeping up. */
export const WAL_INLINE_CHECKPOINT_BYTES = 64 * 1024 * 1024;

/**
 * The embedded durable store: one bun:sqlite database in a data directory. Reads see committed
 * state only; every change goes through the group commit, so changes keep call order.
 */
export class SqliteStore implements Store, LeaseStore, LockoutStore {
  /** Bytes on disk against the quota (backups add theirs). */
  readonly usage: StoreUsage;
  /** Hints within this process: one node has no other instance to tell. */
  readonly hints: HintBus = new MemoryHintBus();
  private readonly leases: SqliteLeases;
  private readonly lockout: SqliteLockout;
  private readonly statements: Statements;
  private readonly group: GroupCommit;
  private readonly context: WorkContext;
  private readonly seen: SeenLog;
  private readonly checkpointer: Checkpointer | undefined;
  private readonly background = new BackgroundWork();
  private closed = false;
  private readonly freePages: Statement<{ n: number }, []>;

  private constructor(
    private readonly db: Database,
    readonly file: string,
    options: SqliteStoreOptions,
  ) {
    // Free pages are reused by SQLite: they do not count against the quota (acks make room).
    this.freePages = db.prepare(
      "SELECT freelist_count * (SELECT page_size FROM pragma_page_size) AS n FROM pragma_freelist_count",
    );
    this.usage = new StoreUsage(
      file,
      new QuotaTracker(options),
      () => this.freeBytes(),
      () => this.foldWal(),
    );
    this.statements = prepareStatements(db);
    const seqs = new SeqCounter(this.statements);
    this.group = new GroupCommit(db, {
      beforeCommit: () => seqs.save(),
      afterCommit: () => this.afterBatch(),
    });
    this.seen = new SeenLog(this.statements, this.group.undo);
    this.leases = new SqliteLeases(db);
    this.lockout = new SqliteLockout(db);
    this.context = {
      statements: this.statements,
      seen: this.seen,
      queues: new QueueIndex(this.statements, this.group.undo),
      nextSeq: () => seqs.next(),
      quota: this.usage.quota,
      usedBytes: () => this.usage.usedBytes,
      contactResolutionMs: options.contactResolutionMs ?? CONTACT_RESOLUTION_MS,
      compressFrames: options.compressFrames ?? false,
      leaseEpochOf: (device) => this.leases.epochOf(device),
      packing: new PackingProbe(),
    };
    if (options.backgroundCheckpoint ?? false) {
      db.run("PRAGMA wal_autocheckpoint = 0");
      const onFailure = () => {
        if (!this.closed) db.run("PRAGMA wal_autocheckpoint = 1000");
      };
      this.checkpointer = Checkpointer.start(file, onFailure, options.checkpointIntervalMs);
    }
  }

  /** Opens (creating if needed) the store in `dir`; throws StoreError saying what to do if it cannot. */
  static open(dir: string, options: SqliteStoreOptions = {}): SqliteStore {
    const { db, file } = openDatabase(dir);
    try {
      if (options.busyTimeoutMs !== undefined)
        db.run(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
      return new SqliteStore(db, file, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  async getDevice(id: Id): Promise<DeviceRecord | undefined> {
    const row = this.open().getDevice.get(id);
    return row === null ? undefined : deviceOf(row);
  }

  async devicesOfUser(userId: string): Promise<DeviceRecord[]> {
    return this.open().devicesOfUser.all(userId).map(deviceOf);
  }

  async allDevices(): Promise<DeviceRecord[]> {
    return this.open().allDevices.all().map(deviceOf);
  }

  async overview(): Promise<StoreOverview> {
    const db = this.db;
    const devices = { registered: 0, active: 0, suspended: 0, revoked: 0 };
    const byState = db.query("SELECT state, count(*) AS n FROM devices GROUP BY state").all() as Array<{
      state: DeviceState;
      n: number;
    }>;
    for (const row of byState) devices[row.state] = row.n;
    const queue = db
      .query(
        "SELECT count(*) AS n, coalesce(sum(length(frame)), 0) AS bytes, min(enqueued_at_ms) AS oldest FROM entries",
      )
      .get() as { n: number; bytes: number; oldest: number | null };
    return {
      devices,
      queueEntries: queue.n,
      queueBytes: queue.bytes,
      oldestEnqueuedAtMs: queue.oldest ?? undefined,
    };
  }

  async mailboxPage(recipient: Id, afterSeq: number, limit: number): Promise<QueueEntry[]> {
    this.open();
    return entriesAt(this.context, this.context.queues.page(recipient, afterSeq, limit));
  }

  async findEntry(recipient: Id, messageId: Id): Promise<QueueEntry | undefined> {
    this.open();
    const seen = this.seen.find(messageId);
    if (seen?.seq != null && Buffer.from(seen.recipient).equals(recipient)) {
      const [entry] = entriesAt(this.context, [seen.seq]);
      if (entry !== undefined) return entry;
    }
    return findQueued(this.context, recipient, messageId);
  }

  async queueStats(recipient: Id): Promise<QueueStats> {
    this.open();
    return this.context.queues.stats(recipient);
  }

  async getSeen(messageId: Id): Promise<SeenRecord | undefined> {
    this.open();
    const row = this.seen.find(messageId);
    return row === undefined ? undefined : seenOf(row);
  }

  async contactsOf(device: Id, sinceMs: number): Promise<ContactRecord[]> {
    return this.open()
      .contactsOf.all(device, sinceMs)
      .map((row) => ({ peer: row.peer, lastAtMs: row.last_at_ms }));
  }

  async getPresence(device: Id): Promise<PresenceRecord | undefined> {
    const row = this.open().getPresence.get(device);
    return row === null ? undefined : presenceOf(row);
  }

  commit(work: Work): Promise<CommitOutcome> {
    return this.change(() => applyWork(this.context, work));
  }

  sweepExpired(nowMs: number, limit: number): Promise<QueueEntry[]> {
    return this.change(() => sweepExpiredTask(this.context, nowMs, limit));
  }

  pruneSeen(beforeMs: number): Promise<number> {
    return this.change(() => this.seen.prune(beforeMs));
  }

  pruneContacts(beforeMs: number): Promise<number> {
    return this.change(() => this.statements.pruneContacts.run(beforeMs).changes / 2);
  }

  revokeDevice(id: Id, atMs: number): Promise<RevokeOutcome> {
    return this.change(() => revokeDeviceTask(this.context, id, atMs));
  }

  takeLease(device: Id, instance: string, nowMs: number): Promise<{ lease: Lease; previous?: Lease }> {
    return this.change(() => this.leases.take(device, instance, nowMs));
  }

  async getLease(device: Id): Promise<Lease | undefined> {
    this.open();
    return this.leases.get(device);
  }

  releaseLease(device: Id, epoch: number): Promise<boolean> {
    return this.change(() => this.leases.release(device, epoch));
  }

  async fencedPage(
    recipient: Id,
    epoch: number,
    afterSeq: number,
    limit: number,
  ): Promise<QueueEntry[] | "stale"> {
    this.open();
    if (this.leases.epochOf(recipient) !== epoch) return "stale";
    return entriesAt(this.context, this.context.queues.page(recipient, afterSeq, limit));
  }

  heartbeat(instance: string, nowMs: number): Promise<void> {
    return this.change(() => this.leases.heartbeat(instance, nowMs));
  }

  clearLeases(instance: string): Promise<number> {
    return this.change(() => this.leases.clear(instance));
  }

  expireInstances(beforeMs: number): Promise<number> {
    return this.change(() => this.leases.expire(beforeMs));
  }

  async instances(): Promise<InstanceRecord[]> {
    this.open();
    return this.leases.instances();
  }

  recordAuthFailure(keys: readonly string[], nowMs: number, limits: LockoutLimits): Promise<void> {
    return this.change(() => this.lockout.record(keys, nowMs, limits));
  }

  async lockedUntilMs(keys: readonly string[], nowMs: number): Promise<number> {
    this.open();
    return this.lockout.lockedUntilMs(keys, nowMs);
  }

  /** The connection's durability settings, for the start-up log line and for tests. */
  settings(): DatabaseSettings {
    return databaseSettings(this.db);
  }

  /** Turns per-frame compression on or off for frames stored from now on (a reload). */
  setCompressFrames(on: boolean): void {
    this.context.compressFrames = on;
  }

  /** How many transactions served how many changes since open (group commit at work). */
  groupStats(): GroupCommitStats {
    return this.group.stats();
  }

  /**
   * Backs up the database into `target` while writes go on (see writeBackup: a worker thread, so
   * the event loop keeps serving); close() waits for it.
   */
  backup(target: string, compress: boolean, nowMs = Date.now()): Promise<BackupOutcome> {
    if (this.closed) return Promise.reject(new StoreError("closed", "the store is closed"));
    return this.background.track(writeBackup(this.file, target, compress, nowMs));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.background.settled();
    await this.group.idle();
    await this.checkpointer?.stop();
    for (const statement of Object.values(this.statements)) statement.finalize();
    this.leases.finalize();
    this.lockout.finalize();
    this.freePages.finalize();
    this.group.finalize();
    this.db.close(true);
  }

  private change<T>(task: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError("closed", "the store is closed"));
    return this.group.run(task);
  }

  /** Bytes of the database's free pages (0 once closed). */
  private freeBytes(): number {
    return this.closed ? 0 : (this.freePages.get()?.n ?? 0);
  }

  /** Near the quota: the WAL is copied into the database and truncated (best effort: busy or full may stop it). */
  private foldWal(): void {
    try {
      this.db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch {
      // the next batch tries again; until then the WAL counts as it is
    }
  }

  /** Measures the files for the quota; checkpoints here if the WAL outgrew the background worker. */
  private afterBatch(): void {
    this.usage.measure();
    if (this.usage.walBytes > WAL_INLINE_CHECKPOINT_BYTES) this.db.run("PRAGMA wal_checkpoint(PASSIVE)");
  }

  private open(): Statements {
    if (this.closed) throw new StoreError("closed", "the store is closed");
    return this.statements;
  }
}
