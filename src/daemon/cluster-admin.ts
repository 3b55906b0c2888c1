import { refuseInClusterMode } from "../config/cluster-settings.ts";
import type { Config } from "../config/schema.ts";
import type { Logger } from "../log/logger.ts";
import type { Relay } from "../relay/relay.ts";
import type { PostgresStore } from "../store/postgres/postgres-store.ts";
import type { ClusterStatus } from "./cluster-status.ts";
import { runDeviceRequest } from "./device-admin.ts";
import { overviewFigures, type StoreStatus } from "./store-status.ts";
import { relayEffects, type WorkerAdmin } from "./worker-admin.ts";

/** The shared store's figures as `status` and /metrics show them, with the cluster view. */
export async function clusterStoreStatus(
  store: PostgresStore,
  cluster: ClusterStatus,
  nowMs = Date.now(),
): Promise<StoreStatus> {
  const overview = await store.overview();
  return {
    file: `postgres ${store.target}`,
    usedBytes: store.usage.usedBytes,
    limitBytes: store.usage.quota.limitBytes,
    ...overviewFigures(overview, nowMs),
    backups: { okTotal: 0, failedTotal: 0, keptBytes: 0 },
    cluster,
  };
}

/**
 * The admin answers of a cluster instance: device requests on the shared store through this
 * instance's relay (so revocation closes the session on whichever instance holds it), the store
 * and cluster status; backups refuse (pg_dump is the operator's).
 */
export function clusterAdmin(
  config: Config,
  store: PostgresStore,
  relay: Relay,
  logger: Logger,
  status: () => Promise<StoreStatus>,
): WorkerAdmin {
  const effects = relayEffects(relay);
  return {
    store: status,
    async backup() {
      refuseInClusterMode(config, "backup");
      throw new Error("unreachable: cluster mode refuses backups");
    },
    async device(request) {
      const reply = await runDeviceRequest(store, request, Date.now(), effects);
      if (reply.note !== undefined && request.action !== "list" && request.action !== "show") {
        logger.info(`operator (control channel): ${reply.note}`);
      }
      return reply;
    },
  };
}
