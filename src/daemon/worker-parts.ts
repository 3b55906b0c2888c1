import { type ConfigSource, loadConfig } from "../config/load-config.ts";
import type { Config } from "../config/schema.ts";
import type { Logger } from "../log/logger.ts";
import { relaySettings } from "../relay/settings.ts";
import type { Sweeper } from "../relay/sweeper.ts";
import { Server } from "../server/server.ts";
import { createSessionFactory } from "../session/session-factory.ts";
import type { SqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { Part } from "../util/lifecycle.ts";
import { WorkTracker } from "../util/work-tracker.ts";
import { BackupSchedule } from "./backups.ts";
import { type OpenRelay, openRelay, startSweeper } from "./open-relay.ts";
import { openStore, quotaBytes } from "./open-store.ts";
import { RelayMetrics } from "./relay-metrics.ts";
import { storeMetrics } from "./store-metrics.ts";
import { type StoreStatus, storeStatus } from "./store-status.ts";
import { IN_FLIGHT_WORK_MS } from "./timeouts.ts";
import { type WorkerAdmin, workerAdmin } from "./worker-admin.ts";

/** How old the store figures on /metrics may be. */
const STORE_METRICS_MAX_AGE_MS = 5_000;

/** What the parts take from the worker's options. */
export interface WorkerPartOptions {
  source: ConfigSource;
  restarts?: number;
  onReloaded?: (config: Config) => void;
  /** Called once, when the first shutdown begins (the service manager hears STOPPING=1). */
  onShutdown?: () => void;
}

/**
 * The process-lifetime parts of a worker, in start order (stopped in reverse, which is the
 * shutdown order of MESSAGING.md): the store, its backup schedule, in-flight work, the server.
 */
export class WorkerParts {
  store?: SqliteStore;
  backups?: BackupSchedule;
  server?: Server;
  private readonly tracker = new WorkTracker();
  private opened?: OpenRelay;
  private sweeper?: Sweeper;
  private relayMetrics?: RelayMetrics;
  private storeSnapshot?: StoreStatus;
  private storeSnapshotAtMs = 0;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    /** The worker's source, restart count (for /metrics) and reload listener. */
    private readonly options: WorkerPartOptions,
  ) {}

  /** The parts for startParts, in start order. */
  list(): Part[] {
    return [
      {
        name: "store",
        start: () => {
          this.store = openStore(this.config, this.logger);
        },
        stop: () => this.store?.close(),
      },
      {
        name: "backups",
        start: () => {
          const store = this.store as SqliteStore;
          this.backups = new BackupSchedule(this.config, store, this.logger, (bytes) => {
            store.usage.backupBytes = bytes;
            store.usage.measure();
          });
          this.backups.start();
          void storeStatus(store, this.backups.state).then((status) => {
            this.storeSnapshot = status;
          });
        },
        stop: async () => {
          this.backups?.stop();
          await this.backups?.idle();
        },
      },
      {
        name: "relay",
        start: () => {
          this.opened = openRelay(this.config, this.store as SqliteStore, this.logger);
          this.relayMetrics = new RelayMetrics(this.opened.relay);
          this.sweeper = startSweeper(this.opened.relay, this.logger);
        },
        stop: () => this.sweeper?.stop(),
      },
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

  /** The operator requests the running worker answers (devices, backups). */
  admin(): WorkerAdmin {
    const relay = (this.opened as OpenRelay).relay;
    return workerAdmin(this.store as SqliteStore, this.backups as BackupSchedule, this.logger, relay);
  }

  /** The server with NCP-1 sessions under the identity of `storage.data_dir` (fingerprint logged). */
  private startServer(): Server {
    const { config, logger, tracker } = this;
    const { identity, relay } = this.opened as OpenRelay;
    return Server.start({
      config,
      logger,
      sessionFactory: createSessionFactory(identity, relay, { track: (work) => tracker.track(work) }),
      reloadConfig: async () => (await loadConfig(this.options.source)).config,
      onReloaded: (next) => {
        this.applyStorage(next);
        this.options.onReloaded?.(next);
      },
      metricsExtra: () =>
        [this.storeMetricsNow(), this.relayMetrics?.render() ?? ""].filter((part) => part !== "").join("\n"),
      restarts: this.options.restarts,
      onShutdown: this.options.onShutdown,
    });
  }

  /** Store metrics from a snapshot at most STORE_METRICS_MAX_AGE_MS old (a scrape never waits on SQL). */
  private storeMetricsNow(): string {
    const now = Date.now();
    if (
      this.store !== undefined &&
      this.backups !== undefined &&
      now - this.storeSnapshotAtMs > STORE_METRICS_MAX_AGE_MS
    ) {
      this.storeSnapshotAtMs = now;
      void storeStatus(this.store, this.backups.state).then((status) => {
        this.storeSnapshot = status;
      });
    }
    return this.storeSnapshot === undefined ? "" : storeMetrics(this.storeSnapshot);
  }

  /** The [storage] keys a reload applies: the quota and the backup schedule. */
  private applyStorage(config: Config): void {
    this.backups?.configure(config);
    this.opened?.relay.applySettings(relaySettings(config));
    if (this.store === undefined) return;
    this.store.usage.quota.setLimit(quotaBytes(config));
    this.store.setCompressFrames(config.storage.compression_enabled);
    this.store.usage.measure();
  }

  /** Shutdown waits for replies that wait on commits (and, later, backups) before the store closes. */
  private async waitForWork(mode: "graceful" | "now"): Promise<void> {
    if (this.tracker.size === 0) return;
    const settled = mode === "now" ? false : await this.tracker.settled(IN_FLIGHT_WORK_MS);
    if (!settled)
      this.logger.warn(`${this.tracker.size} in-flight operations did not finish before shutdown`);
  }
}
