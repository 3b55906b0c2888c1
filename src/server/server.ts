import { checkConfigFiles } from "../config/load-config.ts";
import type { Config } from "../config/schema.ts";
import { errorMessage } from "../errors.ts";
import { logOptionsFromConfig } from "../log/create-logger.ts";
import type { Logger } from "../log/logger.ts";
import { rateLimitedLog } from "../log/rate-limited-log.ts";
import type { SessionFactory } from "../session/transport.ts";
import { listeningLine } from "./bind-listener.ts";
import { ConnectionRegistry } from "./connection-registry.ts";
import { discardSessionFactory } from "./discard-handler.ts";
import { ConnectionDrain } from "./drain-connections.ts";
import { connectionLimits, Generation, type GenerationRuntime, tlsContentChanged } from "./generation.ts";
import { sampleProcess } from "./process-sample.ts";
import { affectsLiveKeys, planReload } from "./reload-plan.ts";
import type { ListenInfo, ReloadOutcome, ServerHandle, ServerStatus } from "./server-handle.ts";
import { ServerStats } from "./server-stats.ts";

/** Refusals at max_connections: one WARN line, then at most one summary per this interval. */
const LIMIT_LOG_INTERVAL_MS = 10_000;

/** What a server needs: the checked config, the process logger, the sessions, and how to re-read config. */
export interface ServerOptions {
  config: Config;
  logger: Logger;
  /** The protocol of each connection; default: read and discard. */
  sessionFactory?: SessionFactory;
  /** Re-reads the same source (file, env, flags); throws NorcError listing every problem. */
  reloadConfig: () => Promise<Config>;
  /** Called after each applied reload with the config now in force (the store, the supervisor's log). */
  onReloaded?: (config: Config) => void;
  /** Metric families of the parts the server does not own, rendered per scrape. */
  metricsExtra?: () => string;
  /** Worker restarts by the auto_restart supervisor before this process (for /metrics). */
  restarts?: number;
  /** Called once, when the first shutdown begins (the service manager hears STOPPING=1). */
  onShutdown?: () => void;
  /** Whether the parts the server depends on can serve (cluster mode: the shared store answers); default yes. */
  ready?: () => boolean;
}

/**
 * The running server: the runtime that outlives reloads (connections, counters, sessions) and the
 * current config generation. Reload builds the next generation, starts it, swaps, stops the old;
 * a failure leaves the old one serving.
 */
export class Server implements ServerHandle {
  readonly stats = new ServerStats();
  readonly registry: ConnectionRegistry;
  private current: Generation;
  private draining = false;
  private reloading: Promise<unknown> = Promise.resolve();
  private drain?: ConnectionDrain;
  private readonly done = Promise.withResolvers<void>();
  private readonly runtime: GenerationRuntime;
  readonly stopped = this.done.promise;

  /** Starts the NORC listener and the metrics endpoint; all or nothing (throws NorcError). */
  static start(options: ServerOptions): Server {
    return new Server(options);
  }

  private constructor(private readonly options: ServerOptions) {
    const { config, logger } = options;
    this.registry = new ConnectionRegistry(connectionLimits(config), this.stats);
    const sessionFactory = options.sessionFactory ?? discardSessionFactory;
    this.runtime = {
      logger,
      listenerContext: {
        registry: this.registry,
        stats: this.stats,
        logger,
        sessionFactory,
        accepting: () => !this.draining,
        limitRefusals: rateLimitedLog(
          (message, fields) => logger.warn(message, fields),
          LIMIT_LOG_INTERVAL_MS,
          (count, last) =>
            `${count} more connections refused at max_connections in the last ${LIMIT_LOG_INTERVAL_MS / 1000} s (last: ${last})`,
        ),
      },
      metricsSample: () => ({
        stats: this.stats,
        openConnections: this.registry.size,
        ready: !this.draining && (options.ready?.() ?? true),
        process: sampleProcess(),
        nowMs: Date.now(),
        extraFamilies: options.metricsExtra?.(),
        certificateNotAfterMs: this.current?.tls?.notAfterMs,
        restarts: options.restarts ?? 0,
      }),
    };
    const first = Generation.build(config, this.runtime);
    first.start();
    this.current = first;
    logger.info(listeningLine(first.activeListener));
  }

  get listen(): ListenInfo {
    return this.current.listen;
  }

  config(): Config {
    return this.current.config;
  }

  status(): ServerStatus {
    return {
      listen: this.listen,
      connections: this.registry.size,
      acceptedTotal: this.stats.accepted,
      startedAtMs: this.stats.startedAtMs,
      identityFingerprint: this.runtime.listenerContext.sessionFactory.identityFingerprint,
    };
  }

  /** Re-reads the config and applies it live, one reload at a time, without dropping a connection. */
  reload(): Promise<ReloadOutcome> {
    const outcome = this.reloading.then(() => this.reloadNow());
    this.reloading = outcome.catch(() => undefined);
    return outcome;
  }

  /** Graceful: stop accepting, 501 to every session, wait up to shutdown_timeout_secs. "now": close everything. */
  shutdown(mode: "graceful" | "now"): Promise<void> {
    if (this.drain === undefined) {
      this.draining = true;
      this.options.onShutdown?.();
      this.current.activeListener.stop();
      const timeoutSecs = this.current.config.network.shutdown_timeout_secs;
      this.drain = new ConnectionDrain(this.registry, this.options.logger, timeoutSecs);
      void this.drain.run(mode).then(() => {
        this.current.stop();
        this.registry.stop();
        this.runtime.listenerContext.limitRefusals.flush();
        this.done.resolve();
      });
      return this.stopped;
    }
    void this.drain.run(mode);
    return this.stopped;
  }

  private async reloadNow(): Promise<ReloadOutcome> {
    const { logger } = this.options;
    if (this.draining) {
      logger.warn("reload ignored: the server is shutting down");
      return { result: "rejected", problems: ["the server is shutting down"] };
    }
    logger.info("reloading configuration");
    let next: Generation;
    let plan: ReturnType<typeof planReload>;
    try {
      const loaded = await this.options.reloadConfig();
      const problems = (await checkConfigFiles(loaded)).filter(affectsLiveKeys);
      if (problems.length > 0) throw new Error(problems.join("\n"));
      plan = planReload(this.current.config, loaded);
      next = Generation.build(plan.config, this.runtime);
      next.start(this.current);
      this.applyLogOptions(next);
    } catch (error) {
      const problems = errorMessage(error)
        .split("\n")
        .filter((line) => line.trim() !== "");
      for (const problem of problems) logger.error(`reload rejected, nothing changed: ${problem}`);
      this.stats.reloadsFailed++;
      return { result: "rejected", problems };
    }
    return this.swap(next, plan);
  }

  /** Switches the log to `next`'s settings; a destination that cannot be opened undoes `next.start`. */
  private applyLogOptions(next: Generation): void {
    try {
      this.options.logger.configure(logOptionsFromConfig(next.config));
    } catch (error) {
      next.stop(this.current);
      throw error;
    }
  }

  private swap(next: Generation, plan: ReturnType<typeof planReload>): ReloadOutcome {
    const { logger } = this.options;
    const { changed, restartKeys } = plan;
    if (tlsContentChanged(this.current.tls, next.tls) && !changed.some((key) => key.startsWith("tls."))) {
      changed.push("tls (certificate files)");
    }
    const previous = this.current;
    this.registry.limits = next.limits;
    this.current = next;
    previous.stop(next);
    if (next.newListener) logger.info(listeningLine(next.activeListener));
    this.stats.reloadsOk++;
    this.options.onReloaded?.(next.config);
    logger.info(
      `configuration reloaded: ${changed.length === 0 ? "nothing changed" : `changed ${changed.join(", ")}`}`,
    );
    if (restartKeys.length > 0) {
      logger.warn(`changed keys that need a restart (kept as they were): ${restartKeys.join(", ")}`);
    }
    return { result: "applied", changedKeys: changed, restartKeys };
  }
}
