import { buildInfo } from "../build-info.ts";
import type { ProcessSample } from "./process-sample.ts";
import type { ServerStats } from "./server-stats.ts";

/** Values sampled when /metrics is scraped, beside the counters. */
export interface MetricsSample {
  stats: ServerStats;
  openConnections: number;
  ready: boolean;
  process: ProcessSample;
  eventLoopLagSeconds: number;
  nowMs: number;
  /** Families rendered by the parts the server does not own (the store), appended as they are. */
  extraFamilies?: string;
  /** notAfter (ms since the epoch) of the certificate served now; undefined with TLS off. */
  certificateNotAfterMs?: number;
  /** Worker restarts by the auto_restart supervisor before this worker (0 without one). */
  restarts: number;
}

type Kind = "counter" | "gauge";
type Sample = [labels: string, value: number];

/** One metric family in the text exposition format. */
export function family(name: string, kind: Kind, help: string, samples: Sample[]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${kind}`];
  for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  return lines.join("\n");
}

function label(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** One sample per entry, labelled `{name="key"}`, in key order. */
function byLabel(name: string, entries: Iterable<[string | number, number]>): Sample[] {
  return [...entries]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => [`{${name}="${label(String(key))}"}`, value]);
}

/** The Prometheus text exposition (format 0.0.4) of the server's state. */
export function renderMetrics(sample: MetricsSample): string {
  const families = [...serverFamilies(sample), ...protocolFamilies(sample), ...processFamilies(sample)];
  if (sample.extraFamilies) families.push(sample.extraFamilies.trimEnd());
  return `${families.join("\n")}\n`;
}

function serverFamilies(sample: MetricsSample): string[] {
  const { stats } = sample;
  const build = `{version="${label(buildInfo.version)}",commit="${label(buildInfo.commit)}",target="${label(buildInfo.target)}"}`;
  return [
    family("norc_build_info", "gauge", "Build of the running binary (always 1).", [[build, 1]]),
    family("norc_uptime_seconds", "gauge", "Seconds since the server started.", [
      ["", (sample.nowMs - stats.startedAtMs) / 1000],
    ]),
    family("norc_ready", "gauge", "1 while accepting connections and not draining.", [
      ["", sample.ready ? 1 : 0],
    ]),
    family(
      "norc_restarts_total",
      "counter",
      "Worker restarts by the daemon.auto_restart supervisor since it started (0 without one).",
      [["", sample.restarts]],
    ),
    family("norc_connections_open", "gauge", "Connections open now.", [["", sample.openConnections]]),
    family("norc_connections_accepted_total", "counter", "Connections accepted.", [["", stats.accepted]]),
    family(
      "norc_connections_rejected_total",
      "counter",
      "Connections refused or cut, by reason (limit: max_connections, tls: handshake or client certificate, timeout: idle, slow_consumer: queue.outbound_max_* or write_stall_timeout_secs).",
      byLabel("reason", Object.entries(stats.rejected)),
    ),
    family("norc_received_bytes_total", "counter", "Bytes received from peers.", [["", stats.bytesIn]]),
    family("norc_sent_bytes_total", "counter", "Bytes written to peers.", [["", stats.bytesOut]]),
    family("norc_reloads_total", "counter", "Configuration reloads, by result.", [
      ['{result="ok"}', stats.reloadsOk],
      ['{result="failed"}', stats.reloadsFailed],
    ]),
    family("norc_event_loop_lag_seconds", "gauge", "Event-loop delay measured over the last second.", [
      ["", sample.eventLoopLagSeconds],
    ]),
  ];
}

function protocolFamilies(sample: MetricsSample): string[] {
  const { stats } = sample;
  const notAfter = sample.certificateNotAfterMs;
  const certificate = (value: (ms: number) => number): Sample[] =>
    notAfter === undefined ? [] : [["", value(notAfter)]];
  return [
    family("norc_tls_handshakes_total", "counter", "TLS handshakes completed and accepted.", [
      ["", stats.tlsHandshakes],
    ]),
    family(
      "norc_tls_handshake_failures_total",
      "counter",
      "TLS handshakes that failed (handshake) or whose client certificate was refused (client_certificate).",
      byLabel("reason", Object.entries(stats.tlsHandshakeFailures)),
    ),
    family(
      "norc_tls_certificate_expiry_timestamp_seconds",
      "gauge",
      "notAfter of the served TLS certificate, in seconds since the epoch (absent with TLS off).",
      certificate((ms) => ms / 1000),
    ),
    family(
      "norc_tls_certificate_expires_in_seconds",
      "gauge",
      "Seconds until the served TLS certificate expires (absent with TLS off).",
      certificate((ms) => Math.floor((ms - sample.nowMs) / 1000)),
    ),
    family("norc_ncp_handshakes_total", "counter", "NCP-1 handshakes completed.", [
      ["", stats.ncpHandshakes],
    ]),
    family(
      "norc_ncp_handshake_failures_total",
      "counter",
      "NCP-1 handshakes that ended in an error frame, by reason (its reason detail, else its code name).",
      byLabel("reason", stats.ncpHandshakeFailures),
    ),
    family(
      "norc_ncp_errors_sent_total",
      "counter",
      "NCP-1 error frames sent, by code (and its name).",
      [...stats.ncpErrorsSent]
        .sort(([a], [b]) => a - b)
        .map(([code, sent]) => [`{code="${code}",name="${label(sent.name)}"}`, sent.count]),
    ),
  ];
}

function processFamilies(sample: MetricsSample): string[] {
  const { process: p } = sample;
  const optional = (value: number | undefined): Sample[] => (value === undefined ? [] : [["", value]]);
  return [
    family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", [
      ["", p.cpuSeconds],
    ]),
    family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", [
      ["", p.residentMemoryBytes],
    ]),
    family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", [
      ["", p.startTimeSeconds],
    ]),
    family("process_open_fds", "gauge", "Number of open file descriptors.", optional(p.openFds)),
    family("process_max_fds", "gauge", "Maximum number of open file descriptors.", optional(p.maxFds)),
  ];
}
