import { checkConfigFiles } from "../config/load-config.ts";
import type { Config } from "../config/schema.ts";
import { errorMessage } from "../errors.ts";
import { logOptionsFromConfig } from "../log/create-logger.ts";
import { type ActiveListener, bindListener, listeningLine } from "./bind-listener.ts";
import { changedKeys, keepRestartKeys, RESTART_KEYS } from "./config-diff.ts";
import { limitsOf, startMetrics } from "./run-server.ts";
import type { ReloadOutcome } from "./server-handle.ts";
import type { ServerState } from "./server-state.ts";
import { loadTls, type TlsMaterial } from "./tls/load-tls.ts";

/**
 * Re-reads the config and applies it live without dropping a connection: read, check, build
 * everything new (TLS context, listener), then swap. Any failure logs every problem at ERROR and
 * leaves the server as it was.
 */
export async function reloadServer(
  state: ServerState,
  reloadConfig: () => Promise<Config>,
): Promise<ReloadOutcome> {
  const { logger } = state;
  if (state.draining) {
    logger.warn("reload ignored: the server is shutting down");
    return { result: "rejected", problems: ["the server is shutting down"] };
  }
  logger.info("reloading configuration");
  let prepared: { config: Config; restartKeys: string[]; changed: string[]; listener?: ActiveListener };
  try {
    prepared = await prepare(state, await reloadConfig());
  } catch (error) {
    const problems = errorMessage(error)
      .split("\n")
      .filter((line) => line.trim() !== "");
    for (const problem of problems) logger.error(`reload rejected, nothing changed: ${problem}`);
    state.stats.reloadsFailed++;
    return { result: "rejected", problems };
  }
  apply(state, prepared);
  state.stats.reloadsOk++;
  const { changed, restartKeys } = prepared;
  logger.info(
    `configuration reloaded: ${changed.length === 0 ? "nothing changed" : `changed ${changed.join(", ")}`}`,
  );
  if (restartKeys.length > 0) {
    logger.warn(`changed keys that need a restart (kept as they were): ${restartKeys.join(", ")}`);
  }
  return { result: "applied", changedKeys: changed, restartKeys };
}

async function prepare(state: ServerState, loaded: Config) {
  const { config, restartKeys } = keepRestartKeys(state.config, loaded);
  // Restart-only keys are not applied, and after a user switch the server may no longer be able
  // to write where root put its PID file: their problems are for the next start to report.
  const problems = (await checkConfigFiles(loaded)).filter(
    (problem) => !RESTART_KEYS.some((key) => problem.startsWith(`${key}:`)),
  );
  if (problems.length > 0) throw new Error(problems.join("\n"));
  const changed = changedKeys(state.config, config);
  const tls = config.tls.enabled ? loadTls(config, state.logger) : undefined;
  if (tlsContentChanged(state.listener.tls, tls) && !changed.some((key) => key.startsWith("tls."))) {
    changed.push("tls (certificate files)");
  }
  const network = config.network;
  const old = state.listener.info;
  const moved = network.bind_address !== old.address || (network.port !== 0 && network.port !== old.port);
  let listener: ActiveListener | undefined;
  if (moved || tlsContentChanged(state.listener.tls, tls)) {
    const port = moved ? network.port : old.port;
    listener = bindListener(network.bind_address, port, tls, state.listenerContext, moved);
  }
  return { config, restartKeys, changed, listener };
}

function tlsContentChanged(before: TlsMaterial | undefined, after: TlsMaterial | undefined): boolean {
  if (before === undefined || after === undefined) return before !== after;
  return (
    before.cert !== after.cert ||
    before.key !== after.key ||
    before.ca !== after.ca ||
    before.minVersion !== after.minVersion ||
    before.requireClientCerts !== after.requireClientCerts
  );
}

function apply(
  state: ServerState,
  prepared: { config: Config; changed: string[]; listener?: ActiveListener },
): void {
  const { config, changed, listener } = prepared;
  state.logger.configure(logOptionsFromConfig(config));
  state.registry.limits = limitsOf(config);
  if (listener !== undefined) {
    state.listener.stop();
    state.listener = listener;
    state.logger.info(listeningLine(listener));
  }
  const previous = state.config;
  state.config = config;
  if (changed.some((key) => key.startsWith("metrics."))) restartMetrics(state, previous);
}

/** Moves the metrics endpoint; if the new one cannot start, the old settings are started again. */
function restartMetrics(state: ServerState, previous: Config): void {
  state.metrics?.stop();
  state.metrics = undefined;
  try {
    state.metrics = startMetrics(state);
  } catch (error) {
    state.logger.error(`metrics endpoint not moved, keeping the previous one: ${errorMessage(error)}`);
    state.config = { ...state.config, metrics: previous.metrics };
    try {
      state.metrics = startMetrics(state);
    } catch (again) {
      state.logger.error(`metrics endpoint stopped: ${errorMessage(again)}`);
    }
  }
}
