import type { ServerState } from "./server-state.ts";

/** How long a handler is told the client should wait before reconnecting. */
const RETRY_AFTER_SECS = 5;

/**
 * Stops the server. Graceful: stop accepting, ask every handler to finish, wait up to
 * network.shutdown_timeout_secs, then close the rest. "now" (also during a graceful one): close
 * everything at once. Resolves once nothing is left; logs how many connections ended and how.
 */
export function shutdownServer(
  state: ServerState,
  mode: "graceful" | "now",
  running: Promise<void> | undefined,
): Promise<void> {
  if (running !== undefined) {
    if (mode === "now") closeAll(state, "shutdown forced");
    return running;
  }
  state.draining = true;
  state.listener.stop();
  const open = state.registry.size;
  if (mode === "now") {
    state.logger.info("shutting down now: stopped accepting");
    closeAll(state, "shutting down now");
    return finish(state, open);
  }
  return drain(state, open);
}

async function drain(state: ServerState, open: number): Promise<void> {
  const timeoutSecs = state.config.network.shutdown_timeout_secs;
  state.logger.info(
    `shutting down gracefully: stopped accepting; ${open} connection${plural(open)} open, waiting up to ${timeoutSecs} s for them to finish`,
  );
  for (const connection of [...state.registry.connections]) connection.shutdown(RETRY_AFTER_SECS);
  const emptied = await state.registry.waitUntilEmpty(timeoutSecs * 1000);
  if (!emptied) closeAll(state, `still open after the ${timeoutSecs} s shutdown deadline`);
  await finish(state, open);
}

function closeAll(state: ServerState, why: string): void {
  const count = state.registry.size;
  if (count === 0) return;
  state.logger.warn(`closing ${count} connection${plural(count)} now: ${why}`);
  state.closedAtShutdown += count;
  for (const connection of [...state.registry.connections]) {
    connection.terminate();
    state.registry.remove(connection);
  }
}

async function finish(state: ServerState, open: number): Promise<void> {
  state.metrics?.stop();
  state.registry.stop();
  const cut = Math.min(open, state.closedAtShutdown);
  const ended = open - cut;
  state.logger.info(
    `server stopped: ${ended} connection${plural(ended)} finished on their own, ${cut} closed by the server`,
  );
}

function plural(count: number): string {
  return count === 1 ? "" : "s";
}
