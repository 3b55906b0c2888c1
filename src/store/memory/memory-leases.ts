import type { InstanceRecord, Lease } from "../cluster-ports.ts";
import type { Id } from "../records.ts";
import { idKey } from "./id-key.ts";

/** A device's lease slot: kept after a release (instance undefined) so epochs never repeat. */
interface LeaseSlot {
  device: Id;
  instance: string | undefined;
  epoch: number;
  takenAtMs: number;
}

/** Leases and instance heartbeats in process memory (the LeaseStore of MemoryStore, minus its queue). */
export class MemoryLeases {
  private readonly slots = new Map<string, LeaseSlot>();
  private readonly known = new Map<string, { startedAtMs: number; heartbeatAtMs: number }>();

  take(device: Id, instance: string, nowMs: number): { lease: Lease; previous?: Lease } {
    const key = idKey(device);
    const slot = this.slots.get(key);
    const previous = slot === undefined ? undefined : leaseOf(slot);
    const next: LeaseSlot = {
      device: device.slice(),
      instance,
      epoch: (slot?.epoch ?? 0) + 1,
      takenAtMs: nowMs,
    };
    this.slots.set(key, next);
    const lease = leaseOf(next) as Lease;
    return previous === undefined ? { lease } : { lease, previous };
  }

  get(device: Id): Lease | undefined {
    const slot = this.slots.get(idKey(device));
    return slot === undefined ? undefined : leaseOf(slot);
  }

  /** Whether the device's lease is held now with `epoch`. */
  holds(device: Id, epoch: number): boolean {
    return this.get(device)?.epoch === epoch;
  }

  release(device: Id, epoch: number): boolean {
    const slot = this.slots.get(idKey(device));
    if (slot?.instance === undefined || slot.epoch !== epoch) return false;
    slot.instance = undefined;
    return true;
  }

  heartbeat(instance: string, nowMs: number): void {
    const known = this.known.get(instance);
    if (known === undefined) this.known.set(instance, { startedAtMs: nowMs, heartbeatAtMs: nowMs });
    else known.heartbeatAtMs = Math.max(known.heartbeatAtMs, nowMs);
  }

  clear(instance: string): number {
    let ended = 0;
    for (const slot of this.slots.values()) {
      if (slot.instance !== instance) continue;
      slot.instance = undefined;
      ended += 1;
    }
    return ended;
  }

  expire(beforeMs: number): number {
    let ended = 0;
    for (const [name, known] of this.known) {
      if (known.heartbeatAtMs >= beforeMs) continue;
      this.known.delete(name);
      ended += this.clear(name);
    }
    return ended;
  }

  instances(): InstanceRecord[] {
    const held = new Map<string, number>();
    for (const slot of this.slots.values()) {
      if (slot.instance !== undefined) held.set(slot.instance, (held.get(slot.instance) ?? 0) + 1);
    }
    return [...this.known]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, known]) => ({ name, ...known, leases: held.get(name) ?? 0 }));
  }
}

function leaseOf(slot: LeaseSlot): Lease | undefined {
  if (slot.instance === undefined) return undefined;
  return {
    device: slot.device.slice(),
    instance: slot.instance,
    epoch: slot.epoch,
    takenAtMs: slot.takenAtMs,
  };
}
