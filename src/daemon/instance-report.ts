import type { ListenInfo } from "../server/server-handle.ts";
import { formatHostPort } from "../util/host-port.ts";
import type { InstanceStatus } from "./control-protocol.ts";
import type { FoundInstance } from "./find-instance.ts";
import type { InstancePaths } from "./instance-paths.ts";
import { describeSource } from "./start-source.ts";
import { storeLines } from "./store-status.ts";
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_MISSED_LIMIT } from "./timeouts.ts";

/** What `status` prints: the text for people, the JSON object for scripts. */
export interface InstanceReport {
  running: boolean;
  stale: boolean;
  text: string;
  json: Record<string, unknown>;
}

/** `127.0.0.1:8443` or `[::1]:8443`. */
export function formatListen(listen: ListenInfo): string {
  return formatHostPort(listen.address, listen.port);
}

/** Describes what `findInstance` found, as `status` shows it (text and JSON). */
export function instanceReport(
  paths: InstancePaths,
  found: FoundInstance,
  nowMs = Date.now(),
): InstanceReport {
  if (found.state !== "running") return notRunning(paths, found);
  const status = found.status;
  const uptimeSecs = status ? Math.round((nowMs - status.startedAtMs) / 1000) : undefined;
  const json = {
    running: true,
    pid: found.pid,
    worker_pid: status?.workerPid ?? null,
    supervised: status?.supervised ?? null,
    version: status?.version ?? null,
    uptime_secs: uptimeSecs ?? null,
    listen: status?.listen ? formatListen(status.listen) : null,
    tls: status?.listen?.tls ?? null,
    connections: status?.connections ?? null,
    identity_fingerprint: status?.identityFingerprint ?? null,
    restarts: status?.restarts ?? null,
    last_restart: status?.lastRestart ?? null,
    worker_responding: status?.supervised ? status.workerSilentMs === undefined : null,
    log_file: status?.logFile ?? null,
    config_file: status ? (status.start.configFile ?? null) : null,
    start: status ? { argv: status.start.argv, cwd: status.start.cwd, env: status.start.env ?? null } : null,
    pid_file: paths.pidFile,
    control_channel: status !== undefined,
    store: status?.store ?? null,
  };
  if (!status) {
    const text = `norc-server is running (pid ${found.pid}); its control channel did not answer (${found.channelError ?? "no socket"}), so no details`;
    return { running: true, stale: false, text, json };
  }
  const listening = status.listen
    ? `${formatListen(status.listen)} (${status.listen.tls ? "TLS" : "plain TCP, no TLS"})`
    : "not yet (worker restarting)";
  const text = [
    `norc-server is running (pid ${status.pid}${status.workerPid ? `, worker pid ${status.workerPid}` : ""})`,
    `  version:     ${status.version}`,
    `  uptime:      ${formatUptime(uptimeSecs ?? 0)}`,
    `  listening:   ${listening}`,
    `  connections: ${status.connections ?? "unknown"}`,
    `  identity:    ${status.identityFingerprint ?? "unknown"}`,
    ...(status.supervised ? [`  heartbeat:   ${heartbeatText(status.workerSilentMs)}`] : []),
    `  restarts:    ${restartsText(status)}`,
    `  log:         ${status.logFile ?? "standard output"}`,
    `  config:      ${status.start.configFile ?? "none (built-in defaults)"}`,
    `  started as:  ${describeSource({ ...status.start, env: status.start.env ?? {} })}`,
    `  pid file:    ${paths.pidFile}`,
    ...(status.store === undefined ? [] : storeLines(status.store)),
  ].join("\n");
  return { running: true, stale: false, text, json };
}

function notRunning(
  paths: InstancePaths,
  found: Exclude<FoundInstance, { state: "running" }>,
): InstanceReport {
  const stale = found.state === "stale";
  const pid = stale ? found.pid : undefined;
  const json = { running: false, stale_pid_file: stale, pid_file: paths.pidFile, pid: pid ?? null };
  const why = pid === undefined ? "no valid pid" : `pid ${pid} is not a running norc-server`;
  const text = stale
    ? `norc-server is not running, but the PID file ${paths.pidFile} is stale (${why}); "norc-server stop" removes it`
    : `norc-server is not running (no PID file at ${paths.pidFile})`;
  return { running: false, stale, text, json };
}

function heartbeatText(silentMs: number | undefined): string {
  if (silentMs === undefined) return "the worker answers";
  const limitSecs = (HEARTBEAT_INTERVAL_MS * HEARTBEAT_MISSED_LIMIT) / 1000;
  return `NO ANSWER from the worker for ${Math.round(silentMs / 1000)} s (stopped or blocked; the supervisor kills and restarts it after about ${limitSecs} s)`;
}

function restartsText(status: InstanceStatus): string {
  if (!status.supervised) return "n/a (daemon.auto_restart = false)";
  return status.lastRestart === undefined
    ? String(status.restarts)
    : `${status.restarts} (last: ${status.lastRestart})`;
}

function formatUptime(secs: number): string {
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  return `${h > 0 ? `${h}h ` : ""}${h > 0 || m > 0 ? `${m}m ` : ""}${secs % 60}s`;
}
