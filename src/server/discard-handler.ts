import type { HandlerFactory } from "./connection-handler.ts";

/**
 * The handler used until a protocol is plugged in: reads and discards bytes, never replies, and
 * closes the connection when the server drains.
 */
export const discardHandlerFactory: HandlerFactory = (context) => ({
  onData: () => {},
  onShutdown: () => context.close("server shutting down"),
  onClose: () => {},
});
