import type { Config } from "../config/schema.ts";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { ServerIdentity } from "../protocol/server-handshake.ts";
import { Relay } from "../relay/relay.ts";
import type { Router } from "../relay/router.ts";
import { relaySettings } from "../relay/settings.ts";
import type { Sweeper } from "../relay/sweeper.ts";
import { relayFrames } from "../session/relay-frames.ts";
import type { LockoutStore } from "../store/cluster-ports.ts";
import type { Store } from "../store/ports.ts";
import { loadOrCreateIdentity } from "./identity.ts";

/** The relay of a server (or of an offline admin command) and the identity that signs its frames. */
export interface OpenRelay {
  identity: ServerIdentity;
  relay: Relay;
}

/** Cluster mode: the router across instances and the shared lockout. */
export interface ClusterRelayParts {
  router: Router;
  lockout: LockoutStore;
}

/**
 * The identity of storage.data_dir (created on first use, fingerprint logged) and a relay over
 * `store`, routing in process, or across the cluster with `cluster`.
 */
export function openRelay(
  config: Config,
  store: Store,
  logger?: Logger,
  cluster?: ClusterRelayParts,
): OpenRelay {
  const identity = loadOrCreateIdentity(config.storage.data_dir);
  if (identity.created) logger?.info(`created the server identity key ${identity.file}`);
  logger?.info(`server identity fingerprint: ${identity.fingerprint}`);
  const relay = new Relay({
    store,
    frames: relayFrames(identity),
    settings: relaySettings(config),
    router: cluster?.router,
    lockout: cluster?.lockout,
    onClockStep: ({ stepMs, heldBackMs }) =>
      logger?.warn(
        `the system clock stepped ${stepMs > 0 ? "forward" : "back"} by ${Math.round(Math.abs(stepMs) / 1000)} s: queue expiry now runs ${Math.round(heldBackMs / 1000)} s behind it, so no queued entry expires early by the step (freshness checks follow the new clock)`,
      ),
  });
  return { identity, relay };
}

/** How often expired entries are swept: a tenth of queue_ttl, between 1 s and 60 s. */
export function sweepIntervalMs(relay: Relay): number {
  return Math.min(60_000, Math.max(1_000, Math.floor(relay.settings.queueTtlMs / 10)));
}

/** The TTL sweeper (§8.3), its failures logged (the entries stay; the next pass retries). */
export function startSweeper(relay: Relay, logger: Logger): Sweeper {
  const sweeper = relay.sweeper(sweepIntervalMs(relay), (error) =>
    logger.error(`queue sweep failed (retried at the next pass): ${errorMessage(error)}`),
  );
  sweeper.start();
  return sweeper;
}
