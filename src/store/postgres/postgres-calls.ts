import type { SQL } from "bun";
import { StoreError } from "../store-error.ts";
import { CallOrder } from "./call-order.ts";
import { storeErrorOf } from "./postgres-errors.ts";
import type { PostgresUsage } from "./postgres-usage.ts";

/**
 * How the Postgres store runs its calls: refused after close, failures as StoreErrors naming the
 * server (never the password), changes in CallOrder and followed by a usage sample when one is due.
 */
export abstract class PostgresCalls {
  protected readonly order = new CallOrder();
  protected closed = false;
  abstract readonly usage: PostgresUsage;

  protected constructor(
    protected readonly sql: SQL,
    /** host:port/database, for logs and messages (no password). */
    readonly target: string,
    private readonly password: string | undefined,
  ) {}

  protected async read<T>(what: string, task: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreError("closed", "the store is closed");
    try {
      return await task();
    } catch (error) {
      throw storeErrorOf(error, what, this.target, this.password);
    }
  }

  /** A change keyed by device ids (hex): after the earlier calls with any of them. */
  protected async change<T>(what: string, keys: string[], task: () => Promise<T>, bytes = 0): Promise<T> {
    const result = await this.read(what, () => this.order.keyed(keys, task));
    this.usage.afterChange(bytes);
    return result;
  }

  /** A change after every earlier call, before every later one (maintenance). */
  protected async barrier<T>(what: string, task: () => Promise<T>): Promise<T> {
    const result = await this.read(what, () => this.order.barrierCall(task));
    this.usage.afterChange(0);
    return result;
  }
}
