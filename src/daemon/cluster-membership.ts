import { errorMessage } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { InstanceRecord, LeaseStore } from "../store/cluster-ports.ts";

/** What a member needs: the shared leases, its name, the [cluster] timings, a logger. */
export interface ClusterMembershipDeps {
  leases: LeaseStore;
  instance: string;
  heartbeatIntervalMs: number;
  leaseExpiryMs: number;
  logger: Logger;
  clock?: () => number;
}

/** The instance's view of the cluster, for `status` and /metrics. */
export interface ClusterView {
  instance: string;
  /** Instances (this one included) whose last heartbeat is within lease_expiry_secs. */
  alive: InstanceRecord[];
  /** Leases this instance holds in the shared store. */
  leasesHeld: number;
  /** Whether the last heartbeat reached the store. */
  reachable: boolean;
  /** Leases of dead instances ended by this instance since start. */
  expiredLeases: number;
}

/**
 * This instance's membership of the cluster: at start it ends the leases it left behind (a crash
 * or kill -9 before) and registers; then it heartbeats every heartbeat_interval_secs and ends the
 * leases of instances silent for lease_expiry_secs; a clean stop releases its own leases. A store
 * outage is logged once when it starts and once when it ends; the beats go on.
 */
export class ClusterMembership {
  private timer?: ReturnType<typeof setInterval>;
  private beating?: Promise<void>;
  private reachableNow = true;
  private expired = 0;
  private readonly clock: () => number;

  constructor(private readonly deps: ClusterMembershipDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  /** Clears this instance's old leases, beats once (the store must answer: start-up is all or nothing), starts the timer. */
  async start(): Promise<void> {
    const { leases, instance, logger } = this.deps;
    const cleared = await leases.clearLeases(instance);
    if (cleared > 0)
      logger.info(`cluster: ended ${cleared} leases this instance (${instance}) held before its start`);
    await leases.heartbeat(instance, this.clock());
    this.timer = setInterval(() => {
      this.beating ??= this.beat().finally(() => {
        this.beating = undefined;
      });
    }, this.deps.heartbeatIntervalMs);
    this.timer.unref?.();
  }

  /** One heartbeat and expiry pass (the timer's tick). */
  async beat(): Promise<void> {
    const { leases, instance, logger, leaseExpiryMs } = this.deps;
    try {
      const now = this.clock();
      await leases.heartbeat(instance, now);
      const ended = await leases.expireInstances(now - leaseExpiryMs);
      if (ended > 0) {
        this.expired += ended;
        logger.warn(`cluster: ended ${ended} leases of instances silent for ${leaseExpiryMs / 1000} s`);
      }
      if (!this.reachableNow) logger.info("cluster: the shared store answers again");
      this.reachableNow = true;
    } catch (error) {
      if (this.reachableNow)
        logger.error(`cluster: heartbeat failed, retrying every beat: ${errorMessage(error)}`);
      this.reachableNow = false;
    }
  }

  /** Whether the last heartbeat reached the store. */
  get reachable(): boolean {
    return this.reachableNow;
  }

  /** The cluster as the shared store sees it now. */
  async view(): Promise<ClusterView> {
    const now = this.clock();
    const all = await this.deps.leases.instances();
    const alive = all.filter((record) => record.heartbeatAtMs >= now - this.deps.leaseExpiryMs);
    const self = all.find((record) => record.name === this.deps.instance);
    return {
      instance: this.deps.instance,
      alive,
      leasesHeld: self?.leases ?? 0,
      reachable: this.reachableNow,
      expiredLeases: this.expired,
    };
  }

  /** Stops beating; a clean stop (the sessions are gone by now) releases this instance's leases. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
    await this.deps.leases.clearLeases(this.deps.instance).catch(() => 0);
  }
}
