import type { ClusterRouterStats } from "../relay/cluster-router.ts";
import { family } from "../server/render-metrics.ts";
import type { ClusterView } from "./cluster-membership.ts";

/** The cluster as `status` and /metrics show it: the membership view and this instance's sessions. */
export interface ClusterStatus {
  instance: string;
  reachable: boolean;
  /** Names of the instances alive (this one included), with their lease counts. */
  peers: { name: string; leases: number; heartbeatAgeSecs: number }[];
  leasesHeld: number;
  /** Authenticated sessions on this instance. */
  sessions: number;
  expiredLeases: number;
  router: ClusterRouterStats;
}

/** Builds the status from the membership view, the router's counters and the session count. */
export function clusterStatus(
  view: ClusterView,
  router: ClusterRouterStats,
  sessions: number,
  nowMs = Date.now(),
): ClusterStatus {
  return {
    instance: view.instance,
    reachable: view.reachable,
    peers: view.alive.map((record) => ({
      name: record.name,
      leases: record.leases,
      heartbeatAgeSecs: Math.max(0, Math.round((nowMs - record.heartbeatAtMs) / 1000)),
    })),
    leasesHeld: view.leasesHeld,
    sessions,
    expiredLeases: view.expiredLeases,
    router: { ...router },
  };
}

/** `status` lines for the cluster: this instance, the peers alive, the leases held. */
export function clusterLines(cluster: ClusterStatus): string[] {
  const others = cluster.peers.filter((peer) => peer.name !== cluster.instance);
  const peers =
    others.length === 0
      ? "none alive"
      : others
          .map((peer) => `${peer.name} (${peer.leases} leases, beat ${peer.heartbeatAgeSecs} s ago)`)
          .join(", ");
  return [
    `  cluster:     instance ${cluster.instance}, store ${cluster.reachable ? "reachable" : "UNREACHABLE"}`,
    `  peers:       ${peers}`,
    `  leases:      ${cluster.leasesHeld} held here, ${cluster.sessions} sessions here`,
  ];
}

/** The cluster's Prometheus families. */
export function clusterMetrics(cluster: ClusterStatus): string {
  const r = cluster.router;
  return [
    family(
      "norc_cluster_instances_alive",
      "gauge",
      "Instances whose heartbeat is within lease_expiry_secs (this one included).",
      [["", cluster.peers.length]],
    ),
    family("norc_cluster_leases_held", "gauge", "Device leases this instance holds in the shared store.", [
      ["", cluster.leasesHeld],
    ]),
    family("norc_cluster_store_reachable", "gauge", "1 while the last heartbeat reached the shared store.", [
      ["", cluster.reachable ? 1 : 0],
    ]),
    family("norc_cluster_hints_total", "counter", "Hints sent to and received from other instances.", [
      ['{direction="sent"}', r.hintsSent],
      ['{direction="received"}', r.hintsReceived],
    ]),
    family(
      "norc_cluster_superseded_total",
      "counter",
      "Sessions here closed with 203 for a session on another instance.",
      [["", r.supersededHere]],
    ),
    family(
      "norc_cluster_catch_ups_total",
      "counter",
      "(Re)subscriptions to the hint channel, each waking every session here.",
      [["", r.catchUps]],
    ),
    family(
      "norc_cluster_expired_leases_total",
      "counter",
      "Leases of silent instances this instance ended.",
      [["", cluster.expiredLeases]],
    ),
  ].join("\n");
}
