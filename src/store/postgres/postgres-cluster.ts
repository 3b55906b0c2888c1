import type { InstanceRecord, Lease, LeaseStore, LockoutStore } from "../cluster-ports.ts";
import type { Id, QueueEntry } from "../records.ts";
import { PostgresCalls } from "./postgres-calls.ts";
import * as leases from "./postgres-leases.ts";
import * as lockout from "./postgres-lockout.ts";
import { hexOf } from "./postgres-work.ts";

/** The cluster ports of the Postgres store (cluster-ports.ts): leases, instances, the shared lockout. */
export abstract class PostgresClusterPorts extends PostgresCalls implements LeaseStore, LockoutStore {
  takeLease(device: Id, instance: string, nowMs: number): Promise<{ lease: Lease; previous?: Lease }> {
    return this.change("takeLease", [hexOf(device)], () =>
      leases.takeLease(this.sql, device, instance, nowMs),
    );
  }
  getLease(device: Id): Promise<Lease | undefined> {
    return this.read("getLease", () => leases.getLease(this.sql, device));
  }
  releaseLease(device: Id, epoch: number): Promise<boolean> {
    return this.change("releaseLease", [hexOf(device)], () => leases.releaseLease(this.sql, device, epoch));
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
}
