import type { Config } from "../config/schema.ts";
import type { Logger } from "../log/logger.ts";
import { peerAddress } from "../protocol/auth-lockout.ts";
import type { ServerIdentity } from "../protocol/server-handshake.ts";
import type * as SessionModule from "../protocol/server-session.ts";
import type { ServerSession, SessionShared } from "../protocol/server-session.ts";
import type { ConnectionContext, ConnectionHandler, HandlerFactory } from "./connection-handler.ts";
import { loadOrCreateIdentity } from "./identity.ts";

/** §7.1 timeouts of the states a connection can reach today. */
export interface NcpTimeouts {
  helloMs: number;
  authMs: number;
}

export const DEFAULT_NCP_TIMEOUTS: NcpTimeouts = { helloMs: 10_000, authMs: 30_000 };

let sessionModule: typeof SessionModule | undefined;

/**
 * The session code (BLAKE3, ChaCha20-Poly1305, the handshake) is evaluated at the first
 * connection, not at start-up: the listener accepts sooner (scripts/bench-startup.ts).
 */
function sessionCode(): typeof SessionModule {
  sessionModule ??= require("../protocol/server-session.ts") as typeof SessionModule;
  return sessionModule;
}

/**
 * The NCP-1 protocol for every accepted connection: one ServerSession per connection, driven by
 * the connection layer's events, with the AWAIT_HELLO and KEYED timeouts of §7.1.
 */
export function ncpHandlerFactory(identity: ServerIdentity, timeouts = DEFAULT_NCP_TIMEOUTS): HandlerFactory {
  let limits: SessionShared | undefined;
  return (context) => {
    limits ??= sessionCode().newSessionShared("");
    return new NcpHandler(identity, context, timeouts, { ...limits, address: peerAddress(context.peer) });
  };
}

class NcpHandler implements ConnectionHandler {
  private readonly session: ServerSession;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    identity: ServerIdentity,
    context: ConnectionContext,
    private readonly timeouts: NcpTimeouts,
    shared: SessionShared,
  ) {
    this.session = new (sessionCode().ServerSession)(
      identity,
      {
        send: (bytes) => context.send(bytes),
        close: (reason) => {
          this.clearTimer();
          context.close(reason);
        },
        debug: (message, fields) => context.log.debug(message, { peer: context.peer, ...fields }),
        warn: (message) => context.log.warn(`${message} (peer ${context.peer})`),
      },
      Date.now,
      shared,
    );
    this.arm(timeouts.helloMs);
  }

  onData(bytes: Uint8Array): void {
    const before = this.session.state;
    this.session.onData(bytes.slice());
    if (before === "await_hello" && this.session.state === "keyed") this.arm(this.timeouts.authMs);
  }

  onShutdown(retryAfterSecs: number): void {
    this.session.onShutdown(retryAfterSecs);
  }

  onClose(): void {
    this.clearTimer();
  }

  private arm(delayMs: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.session.onTimeout();
    }, delayMs);
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The default protocol of a server: NCP-1 with the identity of `storage.data_dir`, its fingerprint logged. */
export function protocolHandlerFactory(config: Config, logger: Logger): HandlerFactory {
  const identity = loadOrCreateIdentity(config.storage.data_dir);
  if (identity.created) logger.info(`created the server identity key ${identity.file}`);
  logger.info(`server identity fingerprint: ${identity.fingerprint}`);
  return Object.assign(ncpHandlerFactory(identity), { identityFingerprint: identity.fingerprint });
}
