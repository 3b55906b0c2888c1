import { buildInfo } from "../build-info.ts";
import type { ServerStats } from "./server-stats.ts";

/** Values sampled when /metrics is scraped, beside the counters. */
export interface MetricsSample {
  stats: ServerStats;
  openConnections: number;
  ready: boolean;
  residentMemoryBytes: number;
  eventLoopLagSeconds: number;
  nowMs: number;
  /** Families rendered by the parts the server does not own (the store), appended as they are. */
  extraFamilies?: string;
}

type Kind = "counter" | "gauge";

/** One metric family in the text exposition format. */
export function family(
  name: string,
  kind: Kind,
  help: string,
  samples: Array<[labels: string, value: number]>,
): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${kind}`];
  for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  return lines.join("\n");
}

function label(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** The Prometheus text exposition (format 0.0.4) of the server's state. */
export function renderMetrics(sample: MetricsSample): string {
  const { stats } = sample;
  const build = `{version="${label(buildInfo.version)}",commit="${label(buildInfo.commit)}",target="${label(buildInfo.target)}"}`;
  const families = [
    family("norc_build_info", "gauge", "Build of the running binary (always 1).", [[build, 1]]),
    family("norc_uptime_seconds", "gauge", "Seconds since the server started.", [
      ["", (sample.nowMs - stats.startedAtMs) / 1000],
    ]),
    family("norc_ready", "gauge", "1 while accepting connections and not draining.", [
      ["", sample.ready ? 1 : 0],
    ]),
    family("norc_connections_open", "gauge", "Connections open now.", [["", sample.openConnections]]),
    family("norc_connections_accepted_total", "counter", "Connections accepted.", [["", stats.accepted]]),
    family(
      "norc_connections_rejected_total",
      "counter",
      "Connections refused or cut, by reason (limit: max_connections, tls: handshake or client certificate, timeout: idle).",
      Object.entries(stats.rejected).map(([reason, count]) => [`{reason="${reason}"}`, count]),
    ),
    family("norc_received_bytes_total", "counter", "Bytes received from peers.", [["", stats.bytesIn]]),
    family("norc_sent_bytes_total", "counter", "Bytes written to peers.", [["", stats.bytesOut]]),
    family("norc_tls_handshake_failures_total", "counter", "TLS handshakes that failed or were refused.", [
      ["", stats.tlsHandshakeFailures],
    ]),
    family("norc_reloads_total", "counter", "Configuration reloads, by result.", [
      ['{result="ok"}', stats.reloadsOk],
      ['{result="failed"}', stats.reloadsFailed],
    ]),
    family("process_resident_memory_bytes", "gauge", "Resident memory of the process.", [
      ["", sample.residentMemoryBytes],
    ]),
    family("norc_event_loop_lag_seconds", "gauge", "Event-loop delay measured over the last second.", [
      ["", sample.eventLoopLagSeconds],
    ]),
  ];
  if (sample.extraFamilies) families.push(sample.extraFamilies.trimEnd());
  return `${families.join("\n")}\n`;
}
