import type { Config } from "../config/schema.ts";
import type { Logger } from "../log/logger.ts";
import { type ActiveListener, bindError, bindListener, type OwnSocket } from "./bind-listener.ts";
import type { ConnectionLimits } from "./connection-registry.ts";
import type { ListenerContext } from "./listener.ts";
import { type MetricsServer, startMetricsServer } from "./metrics-server.ts";
import type { MetricsSample } from "./render-metrics.ts";
import type { ListenInfo } from "./server-handle.ts";
import { CLOSING_FLUSH_MS } from "./slow-consumer.ts";
import { loadTls, type TlsMaterial } from "./tls/load-tls.ts";

/** What outlives generations: the shared listener context, the metrics sample and the logger. */
export interface GenerationRuntime {
  listenerContext: ListenerContext;
  metricsSample: () => Omit<MetricsSample, "eventLoopLagSeconds">;
  logger: Logger;
}

/**
 * Everything one config determines (caddy's model): the NORC listener with its TLS, the metrics
 * endpoint, the connection limits. Built without binding anything; `start` binds (or takes over
 * what the previous generation already serves unchanged); `stop` releases what the next one did
 * not take over. A failed `start` leaves nothing of its own bound.
 */
export class Generation {
  private listener?: ActiveListener;
  private metrics?: MetricsServer;
  private adoptedListener = false;

  private constructor(
    readonly config: Config,
    readonly tls: TlsMaterial | undefined,
    private readonly runtime: GenerationRuntime,
  ) {}

  /** Reads and checks what the config names (TLS files, or the generated certificate). */
  static build(config: Config, runtime: GenerationRuntime): Generation {
    return new Generation(config, config.tls.enabled ? loadTls(config, runtime.logger) : undefined, runtime);
  }

  get limits(): ConnectionLimits {
    return connectionLimits(this.config);
  }

  get listen(): ListenInfo {
    return this.activeListener.info;
  }

  get activeListener(): ActiveListener {
    if (this.listener === undefined) throw new Error("generation not started");
    return this.listener;
  }

  /** True when this generation serves on a listener of its own (not the previous one's). */
  get newListener(): boolean {
    return this.listener !== undefined && !this.adoptedListener;
  }

  /** Binds the listener and metrics endpoint, reusing `previous`'s where they are unchanged. */
  start(previous?: Generation): void {
    this.startListener(previous);
    try {
      this.startMetrics(previous);
    } catch (error) {
      if (!this.adoptedListener) this.listener?.stop();
      this.listener = undefined;
      throw error;
    }
  }

  /** Releases what `next` did not take over (everything when there is no next generation). */
  stop(next?: Generation): void {
    if (next?.listener !== this.listener) this.listener?.stop();
    if (next?.metrics !== this.metrics) this.metrics?.stop();
  }

  private startListener(previous?: Generation): void {
    const { bind_address, port } = this.config.network;
    if (previous === undefined) {
      this.listener = bindListener(bind_address, port, this.tls, this.runtime.listenerContext, true);
      return;
    }
    const old = previous.listen;
    const moved = bind_address !== old.address || (port !== 0 && port !== old.port);
    if (!moved && !tlsContentChanged(previous.tls, this.tls)) {
      this.listener = previous.listener;
      this.adoptedListener = true;
      return;
    }
    // Same port, new TLS context: bound beside the old one (SO_REUSEPORT) before it stops.
    const boundPort = moved ? port : old.port;
    const own: OwnSocket[] = [
      {
        what: "NORC listener",
        address: old.address,
        port: old.port,
        fix: "a reload cannot move the listener to an overlapping address on the same port: restart the server (norc-server restart), or change network.port as well",
      },
      ...previous.metricsSockets("choose a network.port that [metrics] does not use"),
    ];
    const place = { section: "network" as const, own };
    this.listener = bindListener(
      bind_address,
      boundPort,
      this.tls,
      this.runtime.listenerContext,
      moved,
      place,
    );
  }

  /** This generation's metrics endpoint as an own socket for bind errors ([] when off). */
  private metricsSockets(fix: string): OwnSocket[] {
    if (this.metrics === undefined) return [];
    return [{ what: "metrics endpoint", address: this.metrics.address, port: this.metrics.port, fix }];
  }

  private startMetrics(previous?: Generation): void {
    const settings = this.config.metrics;
    if (!settings.enabled) return;
    const before = previous?.config.metrics;
    if (
      previous?.metrics !== undefined &&
      before?.bind_address === settings.bind_address &&
      before.port === settings.port
    ) {
      this.metrics = previous.metrics;
      return;
    }
    try {
      this.metrics = startMetricsServer(
        settings.bind_address,
        settings.port,
        this.runtime.metricsSample,
        this.runtime.logger,
      );
    } catch (error) {
      const own: OwnSocket[] = [
        {
          what: "NORC listener",
          address: this.listen.address,
          port: this.listen.port,
          fix: "set metrics.port to a port other than network.port",
        },
        ...(previous?.metricsSockets(
          "a reload cannot move the metrics endpoint to an overlapping address on the same port: restart the server (norc-server restart), or change metrics.port as well",
        ) ?? []),
      ];
      throw bindError(settings.bind_address, settings.port, error, { section: "metrics", own });
    }
  }
}

/** The [network] limits and [queue]'s slow-consumer bounds that apply to connections (changeable live). */
export function connectionLimits(config: Config): ConnectionLimits {
  const { max_connections, connection_timeout_secs } = config.network;
  const { outbound_max_bytes, outbound_max_frames, write_stall_timeout_secs } = config.queue;
  return {
    maxConnections: max_connections,
    timeoutMs: connection_timeout_secs * 1000,
    outboundMaxBytes: outbound_max_bytes,
    outboundMaxFrames: outbound_max_frames,
    writeStallMs: write_stall_timeout_secs * 1000,
    closingFlushMs: CLOSING_FLUSH_MS,
  };
}

/** True when the served TLS material differs (files changed on disk count too). */
export function tlsContentChanged(before: TlsMaterial | undefined, after: TlsMaterial | undefined): boolean {
  if (before === undefined || after === undefined) return before !== after;
  return (
    before.cert !== after.cert ||
    before.key !== after.key ||
    before.ca !== after.ca ||
    before.minVersion !== after.minVersion ||
    before.requireClientCerts !== after.requireClientCerts
  );
}
