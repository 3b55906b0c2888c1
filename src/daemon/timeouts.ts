/**
 * The lifecycle's timeouts, named once, in the order they nest (nuxt/cli `dev/shutdown.ts`): a
 * graceful stop lets sessions finish for network.shutdown_timeout_secs, then in-flight work gets
 * IN_FLIGHT_WORK_MS; `stop` and `restart` wait STOP_MARGIN_SECS beyond the shutdown timeout (more
 * than the in-flight wait) before SIGKILL, then KILL_WAIT_MS for the processes to go.
 */
export const IN_FLIGHT_WORK_MS = 3_000;
export const STOP_MARGIN_SECS = 5;
export const KILL_WAIT_MS = 10_000;

/** How long `stop`/`restart` wait for a graceful stop before killing. */
export function gracefulStopWaitSecs(shutdownTimeoutSecs: number): number {
  return shutdownTimeoutSecs + STOP_MARGIN_SECS;
}

/** A control-channel answer (status, stop); a reload, which re-reads files, gets RELOAD_REPLY_MS. */
export const CONTROL_REPLY_MS = 10_000;
export const RELOAD_REPLY_MS = 60_000;
/** A question from the supervisor to its worker over IPC. */
export const WORKER_REPLY_MS = 30_000;
/** `start --daemon` waits this long for the child to say it listens (TLS generation included). */
export const READY_WAIT_MS = 120_000;
/**
 * The supervisor's heartbeat to its worker over IPC: one every HEARTBEAT_INTERVAL_MS; a worker that
 * leaves HEARTBEAT_MISSED_LIMIT in a row unanswered (about 10 s: stopped, or its event loop wedged)
 * is killed and restarted under daemon.max_restarts. Counted in beats, not wall time, so a pause of
 * the whole machine (both processes) counts as one miss at most.
 */
export const HEARTBEAT_INTERVAL_MS = 2_000;
export const HEARTBEAT_MISSED_LIMIT = 5;
