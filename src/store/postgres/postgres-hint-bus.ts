import type { SQL } from "bun";
import type { HintBus } from "../cluster-ports.ts";

/**
 * The HintBus on LISTEN/NOTIFY. Bun.SQL keeps the listens on one dedicated connection and
 * re-subscribes after it drops, calling `onListening` each time: the caller catches up then, since
 * notifications sent while it was not listening are lost. Publish after the commit it hints at.
 */
export class PostgresHintBus implements HintBus {
  constructor(private readonly sql: SQL) {}

  async publish(channel: string, payload: string): Promise<void> {
    await this.sql.notify(channel, payload);
  }

  async listen(
    channel: string,
    onHint: (payload: string) => void,
    onListening: () => void,
  ): Promise<() => Promise<void>> {
    const subscription = await this.sql.listen(channel, onHint, onListening);
    return () => subscription.unlisten();
  }
}
