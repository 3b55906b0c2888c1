import type { ServerIdentity } from "../protocol/server-handshake.ts";
import { newSharedLimits, type SharedLimits } from "../relay/limits.ts";
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

/**
 * NCP-1 for every accepted connection: one Session each, sharing the server identity and the
 * §10 limits (made at the first connection).
 */
export function createSessionFactory(
  identity: ServerIdentity,
  options: { timeouts?: SessionTimeouts; track?: (work: Promise<unknown>) => void } = {},
): SessionFactory {
  let shared: SharedLimits | undefined;
  const factory: SessionFactory = (connection) => {
    const code = sessionCode();
    shared ??= newSharedLimits();
    return new code.Session(connection, { identity, shared, ...options });
  };
  factory.identityFingerprint = identity.fingerprint;
  return factory;
}
