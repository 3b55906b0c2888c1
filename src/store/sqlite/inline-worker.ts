/**
 * Runs a worker from inline source (no extra entry point for `bun build --compile`) and resolves
 * with its first message. The source must post exactly one message when done.
 */
export function runInlineWorker<T>(source: string, input: unknown): Promise<T> {
  const url = URL.createObjectURL(new Blob([source], { type: "application/javascript" }));
  const worker = new Worker(url);
  return new Promise<T>((resolve, reject) => {
    worker.addEventListener("message", (event) => {
      worker.terminate();
      URL.revokeObjectURL(url);
      resolve(event.data as T);
    });
    worker.addEventListener("error", (event) => {
      worker.terminate();
      URL.revokeObjectURL(url);
      reject(new Error(event.message));
    });
    worker.postMessage(input);
  });
}
