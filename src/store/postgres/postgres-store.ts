import { SQL } from "bun";
import type { HintBus, InstanceRecord, Lease, LeaseStore, LockoutStore } from "../cluster-ports.ts";
import { CONTACT_RESOLUTION_MS, type Store, type StoreOptions } from "../ports.ts";
import { QuotaTracker } from "../quota-tracker.ts";
import type {
  ContactRecord,
  DeviceRecord,
  Id,
  PresenceRecord,
  QueueEntry,
  QueueStats,
  SeenRecord,
  StoreOverview,
} from "../records.ts";
import { StoreError } from "../store-error.ts";
import type { CommitOutcome, RevokeOutcome, Work } from "../work.ts";
import { CallOrder } from "./call-order.ts";
import { checkSchema } from "./open-postgres.ts";
import { describeTarget, isRetryable, isSeenConflict, storeErrorOf } from "./postgres-errors.ts";
import { PostgresHintBus } from "./postgres-hint-bus.ts";
import * as leases from "./postgres-leases.ts";
import * as lockout from "./postgres-lockout.ts";
import * as maintenance from "./postgres-maintenance.ts";
import * as reads from "./postgres-reads.ts";
import { PostgresUsage } from "./postgres-usage.ts";
import { applyWork, devicesOf, hexOf, type PostgresWorkContext } from "./postgres-work.ts";

/** Options of the Postgres store ([cluster] database_url, database_password_file, pool_size). */
export interface PostgresStoreOptions extends StoreOptions {
  url: string;
  /** Overrides the URL's password (from database_password_file); never logged. */
  password?: string;
  /** Connections in the pool (each concurrent commit holds one for its transaction). */
  poolSize: number;
  /** Seconds to wait for a connection before a call fails (default 5). */
  connectTimeoutSecs?: number;
}

/** How many times a unit of work runs again after a deadlock, serialization failure or seen race. */
const MAX_ATTEMPTS = 4;

/**
 * The cluster store: every instance shares one Postgres database. Each commit is its own
 * transaction on the pool, so concurrent commits share the server's group commit; one recipient's
 * commits are ordered (CallOrder here, its device row lock across instances).
 */
export class PostgresStore implements Store, LeaseStore, LockoutStore {
  /** LISTEN/NOTIFY between instances. */
  readonly hints: HintBus;
  /** host:port/database, for logs and messages (no password). */
  readonly target: string;
  readonly usage: PostgresUsage;
  private readonly order = new CallOrder();
  private readonly context: PostgresWorkContext;
  private closed = false;

  private constructor(
    private readonly sql: SQL,
    private readonly options: PostgresStoreOptions,
  ) {
    this.target = describeTarget(options.url);
    this.hints = new PostgresHintBus(sql);
    this.usage = new PostgresUsage(sql, new QuotaTracker(options));
    this.context = {
      quota: this.usage.quota,
      usedBytes: () => this.usage.usedBytes,
      contactResolutionMs: options.contactResolutionMs ?? CONTACT_RESOLUTION_MS,
    };
  }

  /** Connects, checks the schema version and samples usage; throws StoreError saying what to do. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const sql = new SQL({
      url: options.url,
      ...(options.password === undefined ? {} : { password: options.password }),
      max: options.poolSize,
      connectionTimeout: options.connectTimeoutSecs ?? 5,
      connection: { application_name: "norc-server" },
    });
    const store = new PostgresStore(sql, options);
    try {
      await checkSchema(sql, store.target, options.password);
      await store.usage.sample();
      return store;
    } catch (error) {
      await sql.close({ timeout: 0 }).catch(() => {});
      throw storeErrorOf(error, "opening the store", store.target, options.password);
    }
  }

  getDevice(id: Id): Promise<DeviceRecord | undefined> {
    return this.read("getDevice", () => reads.getDevice(this.sql, id));
  }
  devicesOfUser(userId: string): Promise<DeviceRecord[]> {
    return this.read("devicesOfUser", () => reads.listDevices(this.sql, userId));
  }
  allDevices(): Promise<DeviceRecord[]> {
    return this.read("allDevices", () => reads.listDevices(this.sql));
  }
  overview(): Promise<StoreOverview> {
    return this.read("overview", () => reads.overview(this.sql));
  }
  mailboxPage(recipient: Id, afterSeq: number, limit: number): Promise<QueueEntry[]> {
    return this.read("mailboxPage", () => reads.mailboxPage(this.sql, recipient, afterSeq, limit));
  }
  findEntry(recipient: Id, messageId: Id): Promise<QueueEntry | undefined> {
    return this.read("findEntry", () => reads.findEntry(this.sql, recipient, messageId));
  }
  queueStats(recipient: Id): Promise<QueueStats> {
    return this.read("queueStats", () => reads.queueStats(this.sql, recipient));
  }
  getSeen(messageId: Id): Promise<SeenRecord | undefined> {
    return this.read("getSeen", () => reads.getSeen(this.sql, messageId));
  }
  contactsOf(device: Id, sinceMs: number): Promise<ContactRecord[]> {
    return this.read("contactsOf", () => reads.contactsOf(this.sql, device, sinceMs));
  }
  getPresence(device: Id): Promise<PresenceRecord | undefined> {
    return this.read("getPresence", () => reads.getPresence(this.sql, device));
  }

  commit(work: Work): Promise<CommitOutcome> {
    const keys = devicesOf(work).map(hexOf);
    return this.change("commit", () => this.order.keyed(keys, () => this.attempt(work)), writtenBytes(work));
  }

  sweepExpired(nowMs: number, limit: number): Promise<QueueEntry[]> {
    return this.barrier("sweepExpired", () => maintenance.sweepExpired(this.sql, nowMs, limit));
  }
  pruneSeen(beforeMs: number): Promise<number> {
    return this.barrier("pruneSeen", () => maintenance.pruneSeen(this.sql, beforeMs));
  }
  pruneContacts(beforeMs: number): Promise<number> {
    return this.barrier("pruneContacts", () => maintenance.pruneContacts(this.sql, beforeMs));
  }
  revokeDevice(id: Id, atMs: number): Promise<RevokeOutcome> {
    return this.barrier("revokeDevice", () => maintenance.revokeDevice(this.sql, id, atMs));
  }

  takeLease(device: Id, instance: string, nowMs: number): Promise<{ lease: Lease; previous?: Lease }> {
    const task = () => leases.takeLease(this.sql, device, instance, nowMs);
    return this.change("takeLease", () => this.order.keyed([hexOf(device)], task), 0);
  }
  getLease(device: Id): Promise<Lease | undefined> {
    return this.read("getLease", () => leases.getLease(this.sql, device));
  }
  releaseLease(device: Id, epoch: number): Promise<boolean> {
    const task = () => leases.releaseLease(this.sql, device, epoch);
    return this.change("releaseLease", () => this.order.keyed([hexOf(device)], task), 0);
  }
  fencedPage(recipient: Id, epoch: number, afterSeq: number, limit: number): Promise<QueueEntry[] | "stale"> {
    return this.read("fencedPage", () => leases.fencedPage(this.sql, recipient, epoch, afterSeq, limit));
  }
  heartbeat(instance: string, nowMs: number): Promise<void> {
    return this.read("heartbeat", () => leases.heartbeat(this.sql, instance, nowMs));
  }
  clearLeases(instance: string): Promise<number> {
    return this.barrier("clearLeases", () => leases.clearLeases(this.sql, instance));
  }
  expireInstances(beforeMs: number): Promise<number> {
    return this.barrier("expireInstances", () => leases.expireInstances(this.sql, beforeMs));
  }
  instances(): Promise<InstanceRecord[]> {
    return this.read("instances", () => leases.instances(this.sql));
  }

  recordAuthFailure(
    keys: readonly string[],
    nowMs: number,
    limits: { windowMs: number; maxFailures: number; lockoutMs: number },
  ): Promise<void> {
    return this.read("recordAuthFailure", () => lockout.recordAuthFailure(this.sql, keys, nowMs, limits));
  }
  lockedUntilMs(keys: readonly string[], nowMs: number): Promise<number> {
    return this.read("lockedUntilMs", () => lockout.lockedUntilMs(this.sql, keys, nowMs));
  }

  /** Whether the database answers now (for /readyz); never throws. */
  async reachable(timeoutMs = 2000): Promise<boolean> {
    if (this.closed) return false;
    const probe = this.sql`SELECT 1`.then(
      () => true,
      () => false,
    );
    const timeout = Bun.sleep(timeoutMs).then(() => false);
    return await Promise.race([probe, timeout]);
  }

  /** A new byte quota (a reload); the next sample reports a crossing it causes. */
  setQuotaBytes(quotaBytes: number | undefined): void {
    this.usage.quota.setLimit(quotaBytes);
    this.usage.afterChange(0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.order.idle();
    await this.usage.settled();
    await this.sql.close({ timeout: 5 });
  }

  /** One unit of work in its own transaction, run again on a deadlock or a lost markSeen race. */
  private async attempt(work: Work): Promise<CommitOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.sql.begin((tx) => applyWork(tx, this.context, work));
      } catch (error) {
        const again = isRetryable(error) || (isSeenConflict(error) && guardsSeen(work));
        if (!again || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private async read<T>(what: string, task: () => Promise<T>): Promise<T> {
    this.ensureOpen();
    try {
      return await task();
    } catch (error) {
      throw storeErrorOf(error, what, this.target, this.options.password);
    }
  }

  private async change<T>(what: string, task: () => Promise<T>, bytes: number): Promise<T> {
    const result = await this.read(what, task);
    this.usage.afterChange(bytes);
    return result;
  }

  private barrier<T>(what: string, task: () => Promise<T>): Promise<T> {
    return this.change(what, () => this.order.barrierCall(task), 0);
  }

  private ensureOpen(): void {
    if (this.closed) throw new StoreError("closed", "the store is closed");
  }
}

/** Opens the Postgres store (see PostgresStore.open). */
export function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  return PostgresStore.open(options);
}

/** Whether the work guards the message ids it marks seen (a lost race is then a `duplicate`). */
function guardsSeen(work: Work): boolean {
  return (work.guards ?? []).some((guard) => guard.type === "notSeen");
}

/** Bytes counted per queued entry besides its frame: tuple, two indexes, free space (measured ~1.1 KB). */
const ENTRY_OVERHEAD_BYTES = 1000;

/** About how many bytes a work adds (on the high side), for the usage estimate between samples. */
function writtenBytes(work: Work): number {
  let bytes = 0;
  for (const write of work.writes) {
    bytes += write.type === "enqueue" ? write.entry.frame.byteLength + ENTRY_OVERHEAD_BYTES : 100;
  }
  return bytes;
}
