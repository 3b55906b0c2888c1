import { family } from "../server/render-metrics.ts";
import type { GroupCommitStats } from "../store/sqlite/group-commit.ts";
import type { StoreStatus } from "./store-status.ts";

/** The store's Prometheus families: size and limit, queues, devices by state, backups. */
export function storeMetrics(store: StoreStatus): string {
  const b = store.backups;
  return [
    family("norc_store_bytes", "gauge", "Bytes of the message store on disk (database, WAL, kept backups).", [
      ["", store.usedBytes],
    ]),
    family("norc_store_limit_bytes", "gauge", "storage.max_disk_usage_mb in bytes.", [
      ["", store.limitBytes ?? 0],
    ]),
    family("norc_queue_entries", "gauge", "Entries queued for all devices.", [["", store.queueEntries]]),
    family("norc_queue_bytes", "gauge", "Bytes queued for all devices.", [["", store.queueBytes]]),
    family(
      "norc_queue_oldest_age_seconds",
      "gauge",
      "Age of the oldest queued entry (0 when every queue is empty).",
      [["", store.oldestAgeSecs ?? 0]],
    ),
    family(
      "norc_devices",
      "gauge",
      "Devices by state.",
      Object.entries(store.devices).map(([state, count]) => [`{state="${state}"}`, count]),
    ),
    family("norc_backups_total", "counter", "Backups taken since start, by result.", [
      ['{result="ok"}', b.okTotal],
      ['{result="failed"}', b.failedTotal],
    ]),
    family("norc_backup_last_timestamp_seconds", "gauge", "When the last backup ran (0: none yet).", [
      ["", (b.lastAtMs ?? 0) / 1000],
    ]),
    family("norc_backup_last_success", "gauge", "1 when the last backup succeeded.", [
      ["", b.lastOutcome === "ok" ? 1 : 0],
    ]),
    family("norc_backup_last_size_bytes", "gauge", "Size of the last backup written.", [
      ["", b.lastBytes ?? 0],
    ]),
    family("norc_backup_last_duration_seconds", "gauge", "Duration of the last backup.", [
      ["", (b.lastDurationMs ?? 0) / 1000],
    ]),
    ...commitFamilies(store.commits),
    family("norc_backup_kept_bytes", "gauge", "Bytes of the verified backups kept.", [["", b.keptBytes]]),
  ].join("\n");
}

/** The sqlite group commit's counters (the Postgres store commits each work on its own: none). */
function commitFamilies(commits: GroupCommitStats | undefined): string[] {
  if (commits === undefined) return [];
  return [
    family("norc_store_commits_total", "counter", "Store transactions committed (group commit).", [
      ["", commits.batches],
    ]),
    family("norc_store_commit_tasks_total", "counter", "Store changes those transactions carried.", [
      ["", commits.tasks],
    ]),
  ];
}
