import type { ListenInfo } from "../server/server-handle.ts";
import { formatHostPort } from "../util/host-port.ts";
import { sdNotify } from "./sd-notify.ts";

/** What systemd (Type=notify) hears from the top process of an instance. */
export interface ServiceNotifier {
  /** READY=1 once the server accepts connections; starts the WATCHDOG=1 pings when WatchdogSec= asks. */
  ready(listen: ListenInfo): void;
  /** STOPPING=1 when a stop begins. */
  stopping(): void;
  close(): void;
}

/** The env variables of systemd's notify protocol, which a worker process must not inherit. */
export const SERVICE_NOTIFY_ENV = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"];

/**
 * sd_notify for the process systemd started (nothing happens without $NOTIFY_SOCKET). WATCHDOG=1
 * goes out every half of $WATCHDOG_USEC while `healthy()` says so: a wedged event loop sends
 * nothing, and a supervisor withholds it while its worker does not answer the heartbeat.
 */
export function serviceNotifier(healthy: () => boolean, env = process.env): ServiceNotifier {
  let watchdog: ReturnType<typeof setInterval> | undefined;
  let stopping = false;
  return {
    ready(listen) {
      sdNotify(
        `READY=1\nSTATUS=listening on ${formatHostPort(listen.address, listen.port)}\nMAINPID=${process.pid}`,
        env,
      );
      const intervalMs = watchdogIntervalMs(env);
      if (intervalMs === undefined || watchdog !== undefined) return;
      watchdog = setInterval(() => {
        if (healthy()) sdNotify("WATCHDOG=1", env);
      }, intervalMs);
      watchdog.unref?.();
    },
    stopping() {
      if (stopping) return;
      stopping = true;
      sdNotify("STOPPING=1", env);
    },
    close() {
      if (watchdog !== undefined) clearInterval(watchdog);
      watchdog = undefined;
    },
  };
}

/** Half of $WATCHDOG_USEC in ms when the watchdog is meant for this process ($WATCHDOG_PID), else undefined. */
export function watchdogIntervalMs(env: Record<string, string | undefined>): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID !== undefined && Number(env.WATCHDOG_PID) !== process.pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}
