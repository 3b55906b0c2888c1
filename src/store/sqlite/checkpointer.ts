/** How often the background checkpointer copies the WAL into the database. */
export const CHECKPOINT_INTERVAL_MS = 50;

const WORKER_SOURCE = `
import { Database } from "bun:sqlite";
let db;
let checkpoint;
let timer;
self.onmessage = (event) => {
  if (event.data.type === "start") {
    db = new Database(event.data.file);
    db.run("PRAGMA busy_timeout = 1000");
    checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
    timer = setInterval(() => {
      try {
        checkpoint.get();
      } catch (error) {
        postMessage({ type: "error", message: String(error) });
      }
    }, event.data.intervalMs);
    postMessage({ type: "started" });
  } else if (event.data.type === "stop") {
    clearInterval(timer);
    checkpoint?.finalize();
    db?.close(false);
    postMessage({ type: "stopped" });
  }
};
`;

/** How long stop() waits for the worker to close its connection before terminating it. */
const STOP_TIMEOUT_MS = 2000;

/**
 * Checkpoints the WAL from a worker thread with its own connection, so a COMMIT on the main thread
 * only appends to the WAL and syncs it: copying pages into the database file no longer stalls the
 * batch that crosses the auto-checkpoint size (the p99 of group commit). Runs from an inline source,
 * so a compiled binary needs no extra entry point. If the worker fails, `onFailure` runs once.
 */
export class Checkpointer {
  private failed = false;

  private constructor(
    private readonly worker: Worker,
    onFailure: (message: string) => void,
  ) {
    const fail = (message: string) => {
      if (this.failed) return;
      this.failed = true;
      onFailure(message);
    };
    worker.addEventListener("error", (event) => fail(event.message));
    worker.addEventListener("message", (event) => {
      if (event.data?.type === "error") fail(String(event.data.message));
    });
  }

  /** Starts checkpointing `file` (the worker opens its own connection on its thread). */
  static start(
    file: string,
    onFailure: (message: string) => void,
    intervalMs = CHECKPOINT_INTERVAL_MS,
  ): Checkpointer {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }));
    const worker = new Worker(url);
    worker.addEventListener("message", function started(event) {
      if (event.data?.type !== "started") return;
      URL.revokeObjectURL(url);
      worker.removeEventListener("message", started);
    });
    worker.postMessage({ type: "start", file, intervalMs });
    worker.unref();
    return new Checkpointer(worker, onFailure);
  }

  /** Stops checkpointing: the worker closes its connection (or is terminated after a timeout). */
  async stop(): Promise<void> {
    if (!this.failed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, STOP_TIMEOUT_MS);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        this.worker.addEventListener("message", (event) => {
          if (event.data?.type === "stopped") done();
        });
        this.worker.addEventListener("error", done);
        this.worker.postMessage({ type: "stop" });
      });
    }
    this.worker.terminate();
  }
}
