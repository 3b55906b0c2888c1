import { clusterInstanceName } from "../config/cluster-settings.ts";
import { loadConfig } from "../config/load-config.ts";
import type { Config } from "../config/schema.ts";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import { ClusterRouter } from "../relay/cluster-router.ts";
import { relaySettings } from "../relay/settings.ts";
import type { Sweeper } from "../relay/sweeper.ts";
import { Server } from "../server/server.ts";
import { createSessionFactory } from "../session/session-factory.ts";
import type { PostgresStore } from "../store/postgres/postgres-store.ts";
import type { Part } from "../util/lifecycle.ts";
import { WorkTracker } from "../util/work-tracker.ts";
import { clusterAdmin, clusterStoreStatus } from "./cluster-admin.ts";
import { ClusterMembership } from "./cluster-membership.ts";
import { clusterMetrics, clusterStatus } from "./cluster-status.ts";
import { openClusterStore } from "./open-cluster-store.ts";
import { type OpenRelay, openRelay, startSweeper } from "./open-relay.ts";
import { quotaBytes } from "./open-store.ts";
import { RelayMetrics } from "./relay-metrics.ts";
import { storeMetrics } from "./store-metrics.ts";
import type { StoreStatus } from "./store-status.ts";
import { IN_FLIGHT_WORK_MS } from "./timeouts.ts";
import type { WorkerAdmin } from "./worker-admin.ts";
import type { WorkerPartOptions } from "./worker-parts.ts";

/** How often /readyz's view of the store is refreshed (a probe query). */
const REACHABLE_PROBE_MS = 1_000;
/** How old the store and cluster figures on /metrics may be. */
const METRICS_MAX_AGE_MS = 5_000;

/**
 * The process-lifetime parts of a cluster instance, in start order (stopped in reverse): the
 * shared Postgres store, the membership (own old leases cleared, heartbeats, dead peers' leases
 * expired), the relay with the cluster router listening on this instance's channel, in-flight
 * work, the server. /readyz is 503 while the store does not answer.
 */
export class ClusterParts {
  store?: PostgresStore;
  server?: Server;
  readonly instance: string;
  private membership?: ClusterMembership;
  private router?: ClusterRouter;
  private opened?: OpenRelay;
  private sweeper?: Sweeper;
  private relayMetrics?: RelayMetrics;
  private probe?: ReturnType<typeof setInterval>;
  private reachable = true;
  private readonly tracker = new WorkTracker();
  private snapshot?: StoreStatus;
  private snapshotAtMs = 0;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly options: WorkerPartOptions,
  ) {
    this.instance = clusterInstanceName(config);
  }

  /** The parts for startParts, in start order. */
  list(): Part[] {
    return [
      { name: "cluster store", start: () => this.openStore(), stop: () => this.closeStore() },
      {
        name: "cluster membership",
        start: () => this.join(),
        stop: () => this.membership?.stop(),
      },
      { name: "relay", start: () => this.startRelay(), stop: () => this.stopRelay() },
      { name: "in-flight work", start: () => {}, stop: (mode) => this.waitForWork(mode) },
      {
        name: "server",
        start: () => {
          this.server = this.startServer();
        },
        stop: (mode) => this.server?.shutdown(mode),
      },
    ];
  }

  /** The operator requests the running instance answers (devices on the shared store, status). */
  admin(): WorkerAdmin {
    const { relay } = this.opened as OpenRelay;
    return clusterAdmin(this.config, this.store as PostgresStore, relay, this.logger, () => this.status());
  }

  /** The shared store's figures and this instance's cluster view, read now. */
  async status(): Promise<StoreStatus> {
    const store = this.store as PostgresStore;
    const router = this.router as ClusterRouter;
    const view = await (this.membership as ClusterMembership).view();
    const status = await clusterStoreStatus(store, clusterStatus(view, router.stats, router.size));
    this.snapshot = status;
    return status;
  }

  private async openStore(): Promise<void> {
    this.store = await openClusterStore(this.config, this.logger);
    this.logger.info(`cluster mode: instance ${this.instance} on postgres ${this.store.target}`);
    this.probe = setInterval(() => {
      void this.store?.reachable(REACHABLE_PROBE_MS).then((answers) => {
        if (answers !== this.reachable) {
          if (answers) this.logger.info("cluster store reachable again: ready");
          else
            this.logger.error(
              `cluster store ${this.store?.target} unreachable: not ready, sends refused with 500`,
            );
        }
        this.reachable = answers;
      });
    }, REACHABLE_PROBE_MS);
    this.probe.unref?.();
  }

  private async closeStore(): Promise<void> {
    if (this.probe !== undefined) clearInterval(this.probe);
    await this.store?.close();
  }

  private async join(): Promise<void> {
    const { cluster } = this.config;
    this.membership = new ClusterMembership({
      leases: this.store as PostgresStore,
      instance: this.instance,
      heartbeatIntervalMs: cluster.heartbeat_interval_secs * 1000,
      leaseExpiryMs: cluster.lease_expiry_secs * 1000,
      logger: this.logger,
    });
    await this.membership.start();
  }

  private async startRelay(): Promise<void> {
    const store = this.store as PostgresStore;
    this.router = new ClusterRouter({
      leases: store,
      hints: store.hints,
      instance: this.instance,
      onError: (what, error) => this.logger.warn(`cluster: ${what} failed: ${errorMessage(error)}`),
    });
    this.opened = openRelay(this.config, store, this.logger, { router: this.router, lockout: store });
    this.relayMetrics = new RelayMetrics(this.opened.relay);
    this.sweeper = startSweeper(this.opened.relay, this.logger);
    await this.router.listen();
    this.snapshotAtMs = Date.now();
    await this.status().catch(() => undefined);
  }

  private async stopRelay(): Promise<void> {
    this.sweeper?.stop();
    await this.router?.stop();
  }

  private startServer(): Server {
    const { config, logger, tracker } = this;
    const { identity, relay } = this.opened as OpenRelay;
    return Server.start({
      config,
      logger,
      sessionFactory: createSessionFactory(identity, relay, { track: (work) => tracker.track(work) }),
      reloadConfig: async () => (await loadConfig(this.options.source)).config,
      onReloaded: (next) => {
        relay.applySettings(relaySettings(next));
        this.store?.setQuotaBytes(quotaBytes(next));
        this.options.onReloaded?.(next);
      },
      metricsExtra: () => this.metricsNow(),
      restarts: this.options.restarts,
      onShutdown: this.options.onShutdown,
      ready: () => this.reachable,
    });
  }

  /** Store and cluster metrics from a snapshot at most METRICS_MAX_AGE_MS old (a scrape never waits on SQL). */
  private metricsNow(): string {
    const now = Date.now();
    if (now - this.snapshotAtMs > METRICS_MAX_AGE_MS) {
      this.snapshotAtMs = now;
      void this.status().catch(() => undefined);
    }
    const snapshot = this.snapshot;
    const parts = [
      snapshot === undefined ? "" : storeMetrics(snapshot),
      snapshot?.cluster === undefined ? "" : clusterMetrics(snapshot.cluster),
      this.relayMetrics?.render() ?? "",
    ];
    return parts.filter((part) => part !== "").join("\n");
  }

  private async waitForWork(mode: "graceful" | "now"): Promise<void> {
    if (this.tracker.size === 0) return;
    const settled = mode === "now" ? false : await this.tracker.settled(IN_FLIGHT_WORK_MS);
    if (!settled)
      this.logger.warn(`${this.tracker.size} in-flight operations did not finish before shutdown`);
  }
}
