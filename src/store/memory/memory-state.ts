import { copyDevice, copyEntry, copyPresence, copySeen } from "../copy-records.ts";
import { contactMoves } from "../ports.ts";
import type { DeviceRecord, Id, PresenceRecord, QueueEntry, QueueStats, SeenRecord } from "../records.ts";
import type { Write } from "../work.ts";
import { idKey } from "./id-key.ts";
import { MemoryLeases } from "./memory-leases.ts";

/** Bytes counted for each record besides its frame, so the quota also sees seen records and pairs. */
export const RECORD_OVERHEAD_BYTES = 128;

/** A device's queue: entries by seq in insertion (= commit) order, with running totals. */
export interface MemoryQueue {
  entries: Map<number, QueueEntry>;
  stats: QueueStats;
}

/** Everything a memory store holds, with the writes that change it (they never fail: check first). */
export class MemoryState {
  readonly devices = new Map<string, DeviceRecord>();
  readonly queues = new Map<string, MemoryQueue>();
  readonly seen = new Map<string, SeenRecord>();
  /** device -> peer -> last time, both directions of every pair. */
  readonly contacts = new Map<string, Map<string, { peer: Id; lastAtMs: number }>>();
  readonly presence = new Map<string, PresenceRecord>();
  /** Session leases and instance heartbeats (cluster-ports.ts). */
  readonly leases = new MemoryLeases();
  usedBytes = 0;
  private lastSeq = 0;

  constructor(private readonly contactResolutionMs: number) {}

  queue(recipient: Id): MemoryQueue {
    const key = idKey(recipient);
    let queue = this.queues.get(key);
    if (queue === undefined) {
      queue = { entries: new Map(), stats: { frames: 0, bytes: 0 } };
      this.queues.set(key, queue);
    }
    return queue;
  }

  /** Applies one write; returns the seq given to an enqueued entry. */
  apply(write: Write): number | undefined {
    switch (write.type) {
      case "enqueue": {
        const entry: QueueEntry = { ...copyEntry(write.entry), seq: ++this.lastSeq };
        const queue = this.queue(entry.recipient);
        queue.entries.set(entry.seq, entry);
        this.count(queue, entry, 1);
        return entry.seq;
      }
      case "deleteEntry":
        this.deleteEntry(write.recipient, write.seq);
        return undefined;
      case "markSeen":
        this.seen.set(idKey(write.seen.messageId), copySeen(write.seen));
        this.usedBytes += RECORD_OVERHEAD_BYTES;
        return undefined;
      case "touchContact":
        this.touch(write.a, write.b, write.atMs);
        this.touch(write.b, write.a, write.atMs);
        return undefined;
      case "putDevice":
        this.putDevice(write.device);
        return undefined;
      case "setDeviceState": {
        const device = this.devices.get(idKey(write.device));
        if (device !== undefined) Object.assign(device, { state: write.state, updatedAtMs: write.atMs });
        return undefined;
      }
      case "putPresence":
        this.putPresence(write.presence);
        return undefined;
    }
  }

  deleteEntry(recipient: Id, seq: number): QueueEntry | undefined {
    const queue = this.queues.get(idKey(recipient));
    const entry = queue?.entries.get(seq);
    if (queue === undefined || entry === undefined) return undefined;
    queue.entries.delete(seq);
    this.count(queue, entry, -1);
    return entry;
  }

  private count(queue: MemoryQueue, entry: QueueEntry, sign: 1 | -1): void {
    queue.stats.frames += sign;
    queue.stats.bytes += sign * entry.frame.byteLength;
    this.usedBytes += sign * (entry.frame.byteLength + RECORD_OVERHEAD_BYTES);
  }

  private touch(device: Id, peer: Id, atMs: number): void {
    const key = idKey(device);
    let peers = this.contacts.get(key);
    if (peers === undefined) {
      peers = new Map();
      this.contacts.set(key, peers);
    }
    const peerKey = idKey(peer);
    const known = peers.get(peerKey);
    if (!contactMoves(known?.lastAtMs, atMs, this.contactResolutionMs)) return;
    if (known === undefined) this.usedBytes += RECORD_OVERHEAD_BYTES;
    peers.set(peerKey, { peer: peer.slice(), lastAtMs: atMs });
  }

  private putDevice(device: DeviceRecord): void {
    const key = idKey(device.id);
    if (!this.devices.has(key)) this.usedBytes += RECORD_OVERHEAD_BYTES;
    this.devices.set(key, copyDevice(device));
  }

  private putPresence(presence: PresenceRecord): void {
    const key = idKey(presence.device);
    const previous = this.presence.get(key);
    const freedBytes = previous === undefined ? -RECORD_OVERHEAD_BYTES : previous.frame.byteLength;
    this.usedBytes += presence.frame.byteLength - freedBytes;
    this.presence.set(key, copyPresence(presence));
  }
}
