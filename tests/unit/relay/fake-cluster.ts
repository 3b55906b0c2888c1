import type {
  HintBus,
  InstanceRecord,
  Lease,
  LeaseStore,
  LockoutStore,
} from "../../../src/store/cluster-ports.ts";
import type { Id, QueueEntry } from "../../../src/store/records.ts";

const hex = (id: Id) => Buffer.from(id).toString("hex");

/** A LeaseStore in memory (the contract suite specifies the real ones): leases, epochs and a queue per device. */
export class FakeLeases implements LeaseStore {
  readonly leases = new Map<string, Lease>();
  readonly epochs = new Map<string, number>();
  readonly queues = new Map<string, QueueEntry[]>();
  failing = false;

  async takeLease(device: Id, instance: string, nowMs: number) {
    if (this.failing) throw new Error("store unreachable");
    const key = hex(device);
    const previous = this.leases.get(key);
    const epoch = (this.epochs.get(key) ?? 0) + 1;
    this.epochs.set(key, epoch);
    const lease = { device, instance, epoch, takenAtMs: nowMs };
    this.leases.set(key, lease);
    return { lease, previous };
  }
  async getLease(device: Id) {
    return this.leases.get(hex(device));
  }
  async releaseLease(device: Id, epoch: number) {
    const lease = this.leases.get(hex(device));
    if (lease?.epoch !== epoch) return false;
    this.leases.delete(hex(device));
    return true;
  }
  async fencedPage(recipient: Id, epoch: number, afterSeq: number, limit: number) {
    if (this.leases.get(hex(recipient))?.epoch !== epoch) return "stale" as const;
    return (this.queues.get(hex(recipient)) ?? []).filter((e) => e.seq > afterSeq).slice(0, limit);
  }
  readonly beats = new Map<string, { startedAtMs: number; heartbeatAtMs: number }>();
  async heartbeat(instance: string, nowMs: number) {
    if (this.failing) throw new Error("store unreachable");
    this.beats.set(instance, {
      startedAtMs: this.beats.get(instance)?.startedAtMs ?? nowMs,
      heartbeatAtMs: nowMs,
    });
  }
  async clearLeases(instance: string) {
    let n = 0;
    for (const [key, lease] of this.leases) {
      if (lease.instance === instance) {
        this.leases.delete(key);
        n++;
      }
    }
    return n;
  }
  async expireInstances(beforeMs: number) {
    let ended = 0;
    for (const [name, beat] of this.beats) {
      if (beat.heartbeatAtMs >= beforeMs) continue;
      this.beats.delete(name);
      ended += await this.clearLeases(name);
    }
    return ended;
  }
  async instances(): Promise<InstanceRecord[]> {
    const held = (name: string) =>
      [...this.leases.values()].filter((lease) => lease.instance === name).length;
    return [...this.beats].map(([name, beat]) => ({ name, ...beat, leases: held(name) }));
  }
}

/** A HintBus in memory: `drop` loses hints (as a dropped LISTEN connection would); `relisten` re-subscribes. */
export class FakeHints implements HintBus {
  drop = false;
  readonly published: { channel: string; payload: string }[] = [];
  private readonly listeners = new Map<string, { onHint: (p: string) => void; onListening: () => void }>();

  async publish(channel: string, payload: string) {
    this.published.push({ channel, payload });
    if (!this.drop) queueMicrotask(() => this.listeners.get(channel)?.onHint(payload));
  }
  async listen(channel: string, onHint: (p: string) => void, onListening: () => void) {
    this.listeners.set(channel, { onHint, onListening });
    onListening();
    return async () => {
      this.listeners.delete(channel);
    };
  }
  relisten(channel: string) {
    this.listeners.get(channel)?.onListening();
  }
}

/** Lets queued microtasks and promise chains run. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A LockoutStore in memory with the port's rule (the stores' own ones are in the contract suite). */
export class FakeLockout implements LockoutStore {
  private readonly failures = new Map<string, number[]>();
  private readonly locked = new Map<string, number>();

  async recordAuthFailure(
    keys: readonly string[],
    nowMs: number,
    limits: { windowMs: number; maxFailures: number; lockoutMs: number },
  ) {
    for (const key of keys) {
      const recent = (this.failures.get(key) ?? []).filter((at) => nowMs - at < limits.windowMs);
      recent.push(nowMs);
      if (recent.length >= limits.maxFailures) {
        this.locked.set(key, nowMs + limits.lockoutMs);
        recent.length = 0;
      }
      this.failures.set(key, recent);
    }
  }
  async lockedUntilMs(keys: readonly string[], nowMs: number) {
    const until = Math.max(0, ...keys.map((key) => this.locked.get(key) ?? 0));
    return until > nowMs ? until : 0;
  }
}
