import type { Connection } from "./connection.ts";
import type { RejectReason, ServerStats } from "./server-stats.ts";
import type { SlowConsumerLimits } from "./slow-consumer.ts";

/** The limits of [network] (and [queue]'s slow consumer) that apply to connections, changeable live by a reload. */
export interface ConnectionLimits extends SlowConsumerLimits {
  maxConnections: number;
  timeoutMs: number;
  /** `queue.write_stall_timeout_secs`: unsent bytes waiting this long with nothing written close the connection. */
  writeStallMs: number;
}

const SWEEP_INTERVAL_MS = 1000;

/**
 * Every open connection across listeners: admission against max_connections, and one sweep
 * timer per second closing connections that received nothing (or never finished TLS) for
 * connection_timeout_secs, or could write nothing for write_stall_timeout_secs (NCP-1 §7.3, no
 * error frame). Closed within one sweep of the deadline.
 */
export class ConnectionRegistry {
  readonly connections = new Set<Connection>();
  private sweeper?: ReturnType<typeof setInterval>;
  private emptyWaiters: Array<() => void> = [];

  constructor(
    public limits: ConnectionLimits,
    private readonly stats: ServerStats,
  ) {}

  get size(): number {
    return this.connections.size;
  }

  /** True when one more connection fits under max_connections. */
  hasRoom(): boolean {
    return this.connections.size < this.limits.maxConnections;
  }

  add(connection: Connection): void {
    this.connections.add(connection);
    this.stats.accepted++;
    if (this.sweeper === undefined) {
      this.sweeper = setInterval(() => this.sweep(performance.now()), SWEEP_INTERVAL_MS);
      this.sweeper.unref();
    }
  }

  remove(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    if (this.connections.size > 0) return;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const wake of this.emptyWaiters.splice(0)) wake();
  }

  /** Closes every connection idle for longer than the timeout, or stalled; returns how many. */
  sweep(nowMs: number): number {
    let closed = 0;
    for (const connection of this.connections) {
      const why = this.closeReason(connection, nowMs);
      if (why === undefined) continue;
      connection.log.info(`closing connection from ${connection.peer}: ${why.text}`);
      this.stats.rejected[why.reason]++;
      connection.terminate();
      this.remove(connection);
      closed++;
    }
    return closed;
  }

  private closeReason(
    connection: Connection,
    nowMs: number,
  ): { reason: RejectReason; text: string } | undefined {
    const { timeoutMs, writeStallMs } = this.limits;
    // An authenticated NCP-1 session runs idle_timeout itself (§7.1): connection_timeout_secs stops.
    const ownTimeout = connection.handler?.ownsIdleTimeout?.() === true;
    if (!ownTimeout && nowMs - connection.lastReceiveMs >= timeoutMs)
      return { reason: "timeout", text: `nothing received for ${timeoutMs / 1000} s` };
    if (connection.stalledForMs(nowMs) >= writeStallMs) {
      const text = `nothing could be written for ${writeStallMs / 1000} s (queue.write_stall_timeout_secs)`;
      return { reason: "slow_consumer", text };
    }
    return undefined;
  }

  /** Resolves true once no connection is left, or false after `timeoutMs`. */
  waitUntilEmpty(timeoutMs: number): Promise<boolean> {
    if (this.connections.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.emptyWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  stop(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
