import type { Server } from "bun";
import type { Logger } from "../log/logger.ts";
import { formatHostPort } from "../util/host-port.ts";
import { type MetricsSample, renderMetrics } from "./render-metrics.ts";

/** The [metrics] HTTP endpoint: /healthz, /readyz, /metrics. */
export interface MetricsServer {
  readonly address: string;
  readonly port: number;
  stop(): void;
}

const LAG_INTERVAL_MS = 500;

/** Measures how late a repeating timer fires: the event loop's delay. */
function startLagMonitor(): { lagSeconds: () => number; stop: () => void } {
  let expected = Date.now() + LAG_INTERVAL_MS;
  let lagMs = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    lagMs = Math.max(0, now - expected);
    expected = now + LAG_INTERVAL_MS;
  }, LAG_INTERVAL_MS);
  timer.unref();
  return { lagSeconds: () => lagMs / 1000, stop: () => clearInterval(timer) };
}

/**
 * Serves health and Prometheus metrics with Bun.serve on address:port. `sample` is called per
 * scrape; `/readyz` answers 200 only while `sample().ready`.
 */
export function startMetricsServer(
  address: string,
  port: number,
  sample: () => Omit<MetricsSample, "eventLoopLagSeconds">,
  logger: Logger,
): MetricsServer {
  const lag = startLagMonitor();
  let server: Server<undefined>;
  try {
    server = Bun.serve({
      hostname: address,
      port,
      fetch(request) {
        // A request without a Host header (HAProxy's `option httpchk`, HTTP/1.0) has a bare path as url.
        const path = new URL(request.url, "http://metrics.invalid").pathname;
        if (request.method !== "GET" && request.method !== "HEAD") {
          return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
        }
        if (path === "/healthz") return new Response("ok\n");
        if (path === "/readyz") {
          return sample().ready
            ? new Response("ready\n")
            : new Response("not ready (draining, or the store is unreachable)\n", { status: 503 });
        }
        if (path === "/metrics") {
          return new Response(renderMetrics({ ...sample(), eventLoopLagSeconds: lag.lagSeconds() }), {
            headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
          });
        }
        return new Response("not found: try /healthz, /readyz or /metrics\n", { status: 404 });
      },
    });
  } catch (error) {
    lag.stop();
    throw error;
  }
  const bound = server.port ?? port;
  logger.info(`metrics on http://${formatHostPort(address, bound)}/metrics (/healthz, /readyz)`);
  return {
    address,
    port: bound,
    stop: () => {
      lag.stop();
      void server.stop(true);
    },
  };
}
