/** How a part stops: "graceful" lets work finish within its deadline, "now" cuts it. */
export type StopMode = "graceful" | "now";

/** One process-lifetime part (store, server, ...): the one lifecycle contract of the worker. */
export interface Part {
  readonly name: string;
  start(): void | Promise<void>;
  stop(mode: StopMode): void | Promise<void>;
}

/** Parts that started, stopped in reverse order of their start. */
export interface StartedParts {
  stop(mode: StopMode): Promise<void>;
}

/**
 * Starts parts in order, all or nothing: when one fails, the ones started before it are stopped
 * (reverse order, "now") and the error is thrown. Stopping goes in reverse start order, so list
 * parts in the order their shutdown must run backwards (MESSAGING.md, "Shutdown order").
 */
export async function startParts(
  parts: Part[],
  onStopError: (part: Part, error: unknown) => void,
): Promise<StartedParts> {
  const started: Part[] = [];
  const stopAll = async (mode: StopMode) => {
    for (const part of started.splice(0).reverse()) {
      try {
        await part.stop(mode);
      } catch (error) {
        onStopError(part, error);
      }
    }
  };
  for (const part of parts) {
    try {
      await part.start();
    } catch (error) {
      await stopAll("now");
      throw error;
    }
    started.push(part);
  }
  return { stop: stopAll };
}
