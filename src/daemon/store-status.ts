import type { DeviceState, StoreOverview } from "../store/records.ts";
import type { GroupCommitStats } from "../store/sqlite/group-commit.ts";
import type { SqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { BackupState } from "./backups.ts";
import { type ClusterStatus, clusterLines } from "./cluster-status.ts";

/** The store as `status` and /metrics show it. */
export interface StoreStatus {
  file: string;
  usedBytes: number;
  limitBytes?: number;
  devices: Record<DeviceState, number>;
  queueEntries: number;
  queueBytes: number;
  oldestAgeSecs?: number;
  backups: BackupState;
  /** Cluster mode: the instance's view of the cluster (the store is then the shared Postgres). */
  cluster?: ClusterStatus;
  /** Group commit so far: transactions, the writes they carried, the largest batch. */
  commits?: GroupCommitStats;
}

/** Reads the store's figures now. */
export async function storeStatus(
  store: SqliteStore,
  backups: BackupState,
  nowMs = Date.now(),
): Promise<StoreStatus> {
  const overview: StoreOverview = await store.overview();
  return {
    file: store.file,
    usedBytes: store.usage.usedBytes,
    limitBytes: store.usage.quota.limitBytes,
    ...overviewFigures(overview, nowMs),
    backups: { ...backups },
    commits: store.groupStats(),
  };
}

/** `status` lines for the store: size against the limit, queues, devices, the last backup. */
export function storeLines(store: StoreStatus): string[] {
  const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
  const limit =
    store.limitBytes === undefined
      ? ""
      : ` of ${mib(store.limitBytes)} (${Math.round((100 * store.usedBytes) / store.limitBytes)} %)`;
  const devices = Object.entries(store.devices)
    .filter(([, count]) => count > 0)
    .map(([state, count]) => `${count} ${state}`);
  const oldest = store.oldestAgeSecs === undefined ? "" : `, oldest ${Math.round(store.oldestAgeSecs)} s`;
  const b = store.backups;
  const backup =
    b.lastAtMs === undefined
      ? `none yet, ${b.okTotal + b.failedTotal === 0 ? "" : `${b.failedTotal} failed, `}${mib(b.keptBytes)} kept`
      : `last ${new Date(b.lastAtMs).toISOString()} ${b.lastOutcome}${b.lastBytes === undefined ? "" : ` (${mib(b.lastBytes)})`}, ${mib(b.keptBytes)} kept`;
  return [
    `  store:       ${store.file}, ${mib(store.usedBytes)}${limit}`,
    `  queued:      ${store.queueEntries} entries, ${mib(store.queueBytes)}${oldest}`,
    `  devices:     ${devices.length === 0 ? "none" : devices.join(", ")}`,
    ...(store.cluster === undefined
      ? [`  backups:     ${backup}`]
      : [
          "  backups:     none taken by the server (cluster mode: back Postgres up with pg_dump)",
          ...clusterLines(store.cluster),
        ]),
  ];
}

/** The queue and device figures of a store overview as status shows them (the oldest entry's age in s). */
export function overviewFigures(
  overview: StoreOverview,
  nowMs: number,
): Pick<StoreStatus, "devices" | "queueEntries" | "queueBytes" | "oldestAgeSecs"> {
  const oldest = overview.oldestEnqueuedAtMs;
  return {
    devices: overview.devices,
    queueEntries: overview.queueEntries,
    queueBytes: overview.queueBytes,
    oldestAgeSecs: oldest === undefined ? undefined : Math.max(0, (nowMs - oldest) / 1000),
  };
}
