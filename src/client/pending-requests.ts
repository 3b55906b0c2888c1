import { NcpClientError } from "./client-error.ts";

interface Waiter {
  resolve: (value: unknown) => void;
  reject: (error: NcpClientError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Requests waiting for their reply, keyed by the request's message_id (hex): the ref of replies and errors. */
export class PendingRequests {
  private readonly waiting = new Map<string, Waiter>();

  /** Waits for the reply to request `id`; a timeout after `timeoutMs` rejects with kind "timeout". */
  wait<T>(id: string, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new NcpClientError("timeout", `no reply to ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
    });
  }

  /** True when a request `id` is waiting. */
  has(id: string): boolean {
    return this.waiting.has(id);
  }

  /** Settles request `id` with its reply; false when none waits. */
  resolve(id: string, value: unknown): boolean {
    return this.settle(id, (waiter) => waiter.resolve(value));
  }

  /** Settles request `id` with an error (an Error frame whose ref is `id`); false when none waits. */
  reject(id: string, error: NcpClientError): boolean {
    return this.settle(id, (waiter) => waiter.reject(error));
  }

  /** Rejects every waiting request (the connection ended). */
  rejectAll(error: NcpClientError): void {
    for (const id of [...this.waiting.keys()]) this.reject(id, error);
  }

  private settle(id: string, how: (waiter: Waiter) => void): boolean {
    const waiter = this.waiting.get(id);
    if (waiter === undefined) return false;
    this.waiting.delete(id);
    clearTimeout(waiter.timer);
    how(waiter);
    return true;
  }
}
