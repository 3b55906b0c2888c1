import type { SQL } from "bun";
import type { HintBus } from "../cluster-ports.ts";
import { storeErrorOf } from "./postgres-errors.ts";

/**
 * The HintBus on LISTEN/NOTIFY. Bun.SQL keeps the listens on one dedicated connection and
 * re-subscribes after it drops, calling `onListening` each time: the caller catches up then, since
 * notifications sent while it was not listening are lost. Publish after the commit it hints at.
 */
export class PostgresHintBus implements HintBus {
  constructor(
    private readonly sql: SQL,
    private readonly target: string,
  ) {}

  /** Rejects with StoreError (io) while the database is unreachable: the hint is lost, not the message. */
  async publish(channel: string, payload: string): Promise<void> {
    try {
      await this.sql.notify(channel, payload);
    } catch (error) {
      throw storeErrorOf(error, "publishing a hint", this.target);
    }
  }

  async listen(
    channel: string,
    onHint: (payload: string) => void,
    onListening: () => void,
  ): Promise<() => Promise<void>> {
    try {
      const subscription = await this.sql.listen(channel, onHint, onListening);
      return () => subscription.unlisten();
    } catch (error) {
      throw storeErrorOf(error, `listening on ${channel}`, this.target);
    }
  }
}
