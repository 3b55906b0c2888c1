import type { Config } from "../config/schema.ts";
import type { Logger } from "../log/logger.ts";
import { bindError, bindListener, listeningLine } from "./bind-listener.ts";
import type { HandlerFactory } from "./connection-handler.ts";
import { type ConnectionLimits, ConnectionRegistry } from "./connection-registry.ts";
import { discardHandlerFactory } from "./discard-handler.ts";
import type { ListenerContext } from "./listener.ts";
import { type MetricsServer, startMetricsServer } from "./metrics-server.ts";
import { reloadServer } from "./reload-server.ts";
import type { ServerHandle } from "./server-handle.ts";
import type { ServerState } from "./server-state.ts";
import { ServerStats } from "./server-stats.ts";
import { shutdownServer } from "./shutdown-server.ts";
import { loadTls } from "./tls/load-tls.ts";

/** What runServer needs: the checked config, the process logger, the protocol, and how to re-read config. */
export interface RunServerOptions {
  config: Config;
  logger: Logger;
  /** The protocol of each connection; default: read and discard. */
  handlerFactory?: HandlerFactory;
  /** Re-reads the same source (file, env, flags); throws NorcError listing every problem. */
  reloadConfig: () => Promise<Config>;
}

/** Connection limits of a config. */
export function limitsOf(config: Config): ConnectionLimits {
  return {
    maxConnections: config.network.max_connections,
    timeoutMs: config.network.connection_timeout_secs * 1000,
  };
}

/**
 * Starts the NORC listener (TLS as configured, or a generated certificate) and the metrics
 * endpoint. All or nothing: on any failure what was started is stopped and the NorcError thrown.
 */
export async function runServer(options: RunServerOptions): Promise<ServerHandle> {
  const { config, logger } = options;
  const stats = new ServerStats();
  const registry = new ConnectionRegistry(limitsOf(config), stats);
  const state = { config, logger, stats, registry, draining: false, closedAtShutdown: 0 } as ServerState;
  state.handlerFactory = options.handlerFactory ?? discardHandlerFactory;
  state.listenerContext = {
    registry,
    stats,
    logger,
    handlerFactory: (context) => state.handlerFactory(context),
    accepting: () => !state.draining,
  } satisfies ListenerContext;
  const tls = config.tls.enabled ? loadTls(config, logger) : undefined;
  const { bind_address, port } = config.network;
  state.listener = bindListener(bind_address, port, tls, state.listenerContext, true);
  try {
    state.metrics = startMetrics(state);
  } catch (error) {
    state.listener.stop();
    throw error;
  }
  logger.info(listeningLine(state.listener));
  return serverHandle(state, options.reloadConfig);
}

/** Starts the [metrics] endpoint when enabled; a bind failure is a NorcError (exit 75). */
export function startMetrics(state: ServerState): MetricsServer | undefined {
  const { enabled, bind_address, port } = state.config.metrics;
  if (!enabled) return undefined;
  try {
    return startMetricsServer(
      bind_address,
      port,
      () => ({
        stats: state.stats,
        openConnections: state.registry.size,
        ready: !state.draining,
        residentMemoryBytes: process.memoryUsage.rss(),
        nowMs: Date.now(),
      }),
      state.logger,
    );
  } catch (error) {
    throw bindError(bind_address, port, error);
  }
}

function serverHandle(state: ServerState, reloadConfig: () => Promise<Config>): ServerHandle {
  let closed: Promise<void> | undefined;
  let reloading = Promise.resolve();
  const stopped = Promise.withResolvers<void>();
  return {
    stopped: stopped.promise,
    get listen() {
      return state.listener.info;
    },
    reload: () => {
      const outcome = reloading.then(() => reloadServer(state, reloadConfig));
      reloading = outcome.then(() => undefined);
      return outcome;
    },
    shutdown: (mode) => {
      closed = shutdownServer(state, mode, closed);
      void closed.then(() => stopped.resolve());
      return closed;
    },
    status: () => ({
      listen: state.listener.info,
      connections: state.registry.size,
      acceptedTotal: state.stats.accepted,
      startedAtMs: state.stats.startedAtMs,
      identityFingerprint: state.handlerFactory.identityFingerprint,
    }),
    config: () => state.config,
  };
}
