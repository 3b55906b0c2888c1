import type { HintBus, InstanceRecord, Lease, LeaseStore, LockoutStore } from "../cluster-ports.ts";
import { copyDevice, copyEntry, copyPresence, copySeen } from "../copy-records.ts";
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
import { idKey, sameId } from "./id-key.ts";
import { invalidWriteOf, isQueued, refusalOf } from "./memory-checks.ts";
import { MemoryHintBus } from "./memory-hint-bus.ts";
import { type LockoutLimits, MemoryLockout } from "./memory-lockout.ts";
import { MemoryState, RECORD_OVERHEAD_BYTES } from "./memory-state.ts";

/**
 * The store in process memory: same contract as the durable stores, nothing survives close().
 * For tests and for running without a data directory. Every call applies at once, in call order.
 */
export class MemoryStore implements Store, LeaseStore, LockoutStore {
  /** Hints within this process (one node; in-process cluster tests share one bus by passing it). */
  readonly hints: HintBus;
  private readonly state: MemoryState;
  private readonly lockout = new MemoryLockout();
  private readonly quota: QuotaTracker;
  private closed = false;

  constructor(options: StoreOptions & { hints?: HintBus } = {}) {
    this.hints = options.hints ?? new MemoryHintBus();
    this.state = new MemoryState(options.contactResolutionMs ?? CONTACT_RESOLUTION_MS);
    this.quota = new QuotaTracker(options);
  }

  async getDevice(id: Id): Promise<DeviceRecord | undefined> {
    const device = this.open().devices.get(idKey(id));
    return device === undefined ? undefined : copyDevice(device);
  }

  async devicesOfUser(userId: string): Promise<DeviceRecord[]> {
    const devices = [...this.open().devices.values()].filter((device) => device.userId === userId);
    devices.sort((a, b) => a.registeredAtMs - b.registeredAtMs || Buffer.compare(a.id, b.id));
    return devices.map(copyDevice);
  }

  async allDevices(): Promise<DeviceRecord[]> {
    const devices = [...this.open().devices.values()];
    devices.sort((a, b) => a.registeredAtMs - b.registeredAtMs || Buffer.compare(a.id, b.id));
    return devices.map(copyDevice);
  }

  async overview(): Promise<StoreOverview> {
    const state = this.open();
    const devices = { registered: 0, active: 0, suspended: 0, revoked: 0 };
    for (const device of state.devices.values()) devices[device.state]++;
    const overview: StoreOverview = { devices, queueEntries: 0, queueBytes: 0 };
    for (const queue of state.queues.values()) {
      overview.queueEntries += queue.stats.frames;
      overview.queueBytes += queue.stats.bytes;
      const first = queue.entries.values().next();
      if (first.done) continue;
      const atMs = first.value.enqueuedAtMs;
      overview.oldestEnqueuedAtMs = Math.min(overview.oldestEnqueuedAtMs ?? atMs, atMs);
    }
    return overview;
  }

  async mailboxPage(recipient: Id, afterSeq: number, limit: number): Promise<QueueEntry[]> {
    const page: QueueEntry[] = [];
    for (const entry of this.open().queues.get(idKey(recipient))?.entries.values() ?? []) {
      if (page.length >= limit) break;
      if (entry.seq > afterSeq) page.push(copyEntry(entry));
    }
    return page;
  }

  async findEntry(recipient: Id, messageId: Id): Promise<QueueEntry | undefined> {
    for (const entry of this.open().queues.get(idKey(recipient))?.entries.values() ?? []) {
      if (sameId(entry.messageId, messageId)) return copyEntry(entry);
    }
    return undefined;
  }

  async queueStats(recipient: Id): Promise<QueueStats> {
    return { ...(this.open().queues.get(idKey(recipient))?.stats ?? { frames: 0, bytes: 0 }) };
  }

  async getSeen(messageId: Id): Promise<SeenRecord | undefined> {
    const seen = this.open().seen.get(idKey(messageId));
    return seen === undefined ? undefined : copySeen(seen);
  }

  async contactsOf(device: Id, sinceMs: number): Promise<ContactRecord[]> {
    const peers = [...(this.open().contacts.get(idKey(device))?.values() ?? [])];
    return peers
      .filter((c) => c.lastAtMs >= sinceMs)
      .map((c) => ({ peer: c.peer.slice(), lastAtMs: c.lastAtMs }));
  }

  async getPresence(device: Id): Promise<PresenceRecord | undefined> {
    const presence = this.open().presence.get(idKey(device));
    return presence === undefined ? undefined : copyPresence(presence);
  }

  async commit(work: Work): Promise<CommitOutcome> {
    const state = this.open();
    const refusal = refusalOf(state, work, this.quota);
    if (refusal !== undefined) return refusal;
    const invalid = invalidWriteOf(state, work.writes);
    if (invalid !== undefined) throw new StoreError("invalid_write", `unit of work refused: ${invalid}`);
    const seqs: number[] = [];
    for (const write of work.writes) {
      const seq = state.apply(write);
      if (seq !== undefined) seqs.push(seq);
    }
    this.quota.update(state.usedBytes);
    return { status: "ok", seqs };
  }

  async sweepExpired(nowMs: number, limit: number): Promise<QueueEntry[]> {
    const state = this.open();
    const expired: QueueEntry[] = [];
    for (const queue of state.queues.values()) {
      for (const entry of queue.entries.values()) if (entry.expiresAtMs <= nowMs) expired.push(entry);
    }
    expired.sort((a, b) => a.expiresAtMs - b.expiresAtMs || a.seq - b.seq);
    const swept = expired.slice(0, Math.max(0, limit));
    for (const entry of swept) state.deleteEntry(entry.recipient, entry.seq);
    this.quota.update(state.usedBytes);
    return swept;
  }

  async pruneSeen(beforeMs: number): Promise<number> {
    const state = this.open();
    let pruned = 0;
    for (const [key, seen] of state.seen) {
      if (seen.atMs >= beforeMs || isQueued(state, seen)) continue;
      state.seen.delete(key);
      pruned += 1;
    }
    state.usedBytes -= pruned * RECORD_OVERHEAD_BYTES;
    this.quota.update(state.usedBytes);
    return pruned;
  }

  async pruneContacts(beforeMs: number): Promise<number> {
    const state = this.open();
    let halves = 0;
    for (const peers of state.contacts.values()) {
      for (const [key, contact] of peers) {
        if (contact.lastAtMs >= beforeMs) continue;
        peers.delete(key);
        halves += 1;
      }
    }
    state.usedBytes -= halves * RECORD_OVERHEAD_BYTES;
    this.quota.update(state.usedBytes);
    return halves / 2;
  }

  async revokeDevice(id: Id, atMs: number): Promise<RevokeOutcome> {
    const state = this.open();
    const device = state.devices.get(idKey(id));
    if (device === undefined) return { status: "unknown_device" };
    if (device.state === "revoked") return { status: "already_revoked" };
    Object.assign(device, { state: "revoked", updatedAtMs: atMs });
    const purged = [...(state.queues.get(idKey(id))?.entries.values() ?? [])];
    for (const entry of purged) state.deleteEntry(id, entry.seq);
    this.quota.update(state.usedBytes);
    return { status: "revoked", purged };
  }

  async takeLease(device: Id, instance: string, nowMs: number): Promise<{ lease: Lease; previous?: Lease }> {
    return this.open().leases.take(device, instance, nowMs);
  }

  async getLease(device: Id): Promise<Lease | undefined> {
    return this.open().leases.get(device);
  }

  async releaseLease(device: Id, epoch: number): Promise<boolean> {
    return this.open().leases.release(device, epoch);
  }

  async fencedPage(
    recipient: Id,
    epoch: number,
    afterSeq: number,
    limit: number,
  ): Promise<QueueEntry[] | "stale"> {
    if (!this.open().leases.holds(recipient, epoch)) return "stale";
    return this.mailboxPage(recipient, afterSeq, limit);
  }

  async heartbeat(instance: string, nowMs: number): Promise<void> {
    this.open().leases.heartbeat(instance, nowMs);
  }

  async clearLeases(instance: string): Promise<number> {
    return this.open().leases.clear(instance);
  }

  async expireInstances(beforeMs: number): Promise<number> {
    return this.open().leases.expire(beforeMs);
  }

  async instances(): Promise<InstanceRecord[]> {
    return this.open().leases.instances();
  }

  async recordAuthFailure(keys: readonly string[], nowMs: number, limits: LockoutLimits): Promise<void> {
    this.open();
    this.lockout.record(keys, nowMs, limits);
  }

  async lockedUntilMs(keys: readonly string[], nowMs: number): Promise<number> {
    this.open();
    return this.lockout.lockedUntilMs(keys, nowMs);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private open(): MemoryState {
    if (this.closed) throw new StoreError("closed", "the store is closed");
    return this.state;
  }
}
