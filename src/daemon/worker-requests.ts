import { NorcError } from "../errors.ts";
import type { WorkerQuestion, WorkerRequest } from "./worker-ipc.ts";

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/** Questions to a worker over IPC awaiting their reply, each with its own deadline. */
export class WorkerRequests {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /** Sends `question` through `send` and resolves with the worker's result (rejects on its error or the timeout). */
  ask(
    question: WorkerQuestion,
    workerPid: number,
    timeoutMs: number,
    send: (request: WorkerRequest) => void,
  ) {
    const id = this.nextId++;
    const op = question.op;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new Error(`the worker (pid ${workerPid}) did not answer "${op}" within ${timeoutMs / 1000} s`),
        );
      }, timeoutMs);
      const done =
        <T>(settle: (value: T) => void) =>
        (value: T) => {
          clearTimeout(timer);
          this.pending.delete(id);
          settle(value);
        };
      this.pending.set(id, { resolve: done(resolve), reject: done(reject) });
      send({ type: "request", id, ...question });
    });
  }

  /** The worker's reply to request `id`. */
  settle(id: number, result: unknown, error: string | undefined, exitCode?: number): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    if (error !== undefined) pending.reject(new NorcError(error, exitCode));
    else pending.resolve(result);
  }

  /** The worker ended: every open question fails with `reason`. */
  failAll(reason: string): void {
    for (const pending of this.pending.values()) pending.reject(new Error(reason));
  }
}
