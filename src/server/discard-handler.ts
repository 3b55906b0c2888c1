import type { SessionFactory } from "../session/transport.ts";

/**
 * The handler used until a protocol is plugged in: reads and discards bytes, never replies, and
 * closes the connection when the server drains.
 */
export const discardSessionFactory: SessionFactory = (context) => ({
  onData: () => {},
  onShutdown: () => context.close("server shutting down"),
  onClose: () => {},
});
