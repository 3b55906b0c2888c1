import type { ServerIdentity } from "../protocol/server-handshake.ts";
import type { Relay } from "../relay/relay.ts";
import type * as SessionModule from "./session.ts";
import type { SessionTimeouts } from "./session.ts";
import { SessionLog } from "./session-log.ts";
import type { SessionFactory } from "./transport.ts";

let sessionModule: typeof SessionModule | undefined;

/**
 * The session code (BLAKE3, ChaCha20-Poly1305, the handshake) is evaluated at the first
 * connection, not at start-up: the listener accepts sooner (scripts/bench-startup.ts).
 */
function sessionCode(): typeof SessionModule {
  sessionModule ??= require("./session.ts") as typeof SessionModule;
  return sessionModule;
}

/** NCP-1 for every accepted connection: one Session each, sharing the server identity, the relay and the session log. */
export function createSessionFactory(
  identity: ServerIdentity,
  relay: Relay,
  options: { timeouts?: SessionTimeouts; track?: (work: Promise<unknown>) => void } = {},
): SessionFactory {
  const sessions = new SessionLog();
  const factory: SessionFactory = (connection) =>
    new (sessionCode().Session)(connection, { identity, relay, sessions, ...options });
  factory.identityFingerprint = identity.fingerprint;
  return factory;
}
