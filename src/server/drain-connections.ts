import type { Logger } from "../log/logger.ts";
import type { ConnectionRegistry } from "./connection-registry.ts";

/** How long a session is told the client should wait before reconnecting (NCP-1 §7.1: 501 retry_after). */
export const SHUTDOWN_RETRY_AFTER_SECS = 5;

/**
 * Ends every connection once. Graceful: each session says goodbye (501), then the server waits up
 * to the shutdown timeout and closes the rest. "now" (also during a graceful one): close everything
 * at once. Logs how many connections ended on their own and how many the server cut.
 */
export class ConnectionDrain {
  private running?: Promise<void>;
  private closedByServer = 0;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly logger: Logger,
    /** network.shutdown_timeout_secs of the config in force. */
    private readonly timeoutSecs: number,
  ) {}

  /** Resolves once no connection is left. */
  run(mode: "graceful" | "now"): Promise<void> {
    if (this.running !== undefined) {
      if (mode === "now") this.closeAll("shutdown forced");
      return this.running;
    }
    const open = this.registry.size;
    if (mode === "now") {
      this.logger.info("shutting down now: stopped accepting");
      this.closeAll("shutting down now");
      this.running = Promise.resolve(this.finish(open));
    } else {
      this.running = this.drain(open);
    }
    return this.running;
  }

  private async drain(open: number): Promise<void> {
    this.logger.info(
      `shutting down gracefully: stopped accepting; ${open} connection${plural(open)} open, waiting up to ${this.timeoutSecs} s for them to finish`,
    );
    for (const connection of [...this.registry.connections]) connection.shutdown(SHUTDOWN_RETRY_AFTER_SECS);
    const emptied = await this.registry.waitUntilEmpty(this.timeoutSecs * 1000);
    if (!emptied) this.closeAll(`still open after the ${this.timeoutSecs} s shutdown deadline`);
    this.finish(open);
  }

  private closeAll(why: string): void {
    const count = this.registry.size;
    if (count === 0) return;
    this.logger.warn(`closing ${count} connection${plural(count)} now: ${why}`);
    this.closedByServer += count;
    for (const connection of [...this.registry.connections]) {
      connection.terminate();
      this.registry.remove(connection);
    }
  }

  private finish(open: number): void {
    const cut = Math.min(open, this.closedByServer);
    const ended = open - cut;
    this.logger.info(
      `server stopped: ${ended} connection${plural(ended)} finished on their own, ${cut} closed by the server`,
    );
  }
}

function plural(count: number): string {
  return count === 1 ? "" : "s";
}
