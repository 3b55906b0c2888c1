import type { ServerIdentity } from "../protocol/server-handshake.ts";
import type { Relay } from "../relay/relay.ts";
import type * as SessionModule from "./session.ts";
import type { SessionTimeouts } from "./session.ts";
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

/** NCP-1 for every accepted connection: one Session each, sharing the server identity and the relay. */
export function createSessionFactory(
  identity: ServerIdentity,
  relay: Relay,
  options: { timeouts?: SessionTimeouts; track?: (work: Promise<unknown>) => void } = {},
): SessionFactory {
  const factory: SessionFactory = (connection) =>
    new (sessionCode().Session)(connection, { identity, relay, ...options });
  factory.identityFingerprint = identity.fingerprint;
  return factory;
}
