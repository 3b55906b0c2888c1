import { asClientError, NcpClientError } from "./client-error.ts";
import type { SessionTiming } from "./client-events.ts";
import type { DeviceKeys } from "./device-messaging.ts";
import type { DeviceSession } from "./device-session.ts";
import type { ConnectOptions } from "./ncp-client.ts";
import { openDeviceSession } from "./open-session.ts";
import { type BackoffSchedule, type ConnectionPhase, reconnectDecision } from "./reconnect-policy.ts";
import type { SessionLimits } from "./session-lifetime.ts";

/** How the supervisor connects, and what it tells the client around it. */
export interface SupervisorOptions {
  server: ConnectOptions;
  keys: DeviceKeys;
  timing: SessionTiming;
  backoff: BackoffSchedule;
  random: () => number;
  /** Sets a new session's frame handlers, before its 0x03 is sent. */
  wire(session: DeviceSession): void;
  online(session: DeviceSession, limits: SessionLimits): void;
  offline(error: NcpClientError, retryInMs: number): void;
  stopped(error: NcpClientError): void;
}

type Attempt =
  | { ok: true; session: DeviceSession; limits: SessionLimits }
  | { ok: false; error: NcpClientError; phase: ConnectionPhase };

/**
 * Keeps one authenticated session of a device: reconnects after a loss with the §9 backoff or
 * retry_after (never after the codes §9 names), and at soft expiry makes the next session before
 * breaking the old one (§7.2): the old one is closed once the new one has its 0x04.
 */
export class SessionSupervisor {
  current?: DeviceSession;
  private stoppedWith?: NcpClientError;
  private attempt = 0;
  private timer?: ReturnType<typeof setTimeout>;
  private renewing = false;
  private readonly retired = new WeakSet<DeviceSession>();
  private waiters: { resolve: (s: DeviceSession) => void; reject: (e: NcpClientError) => void }[] = [];

  constructor(private readonly options: SupervisorOptions) {}

  /** The first session: rejects with the failure instead of retrying. */
  async start(): Promise<SessionLimits> {
    const attempt = await this.connect();
    if (!attempt.ok) {
      this.stop(attempt.error);
      throw attempt.error;
    }
    this.adopt(attempt.session, attempt.limits);
    return attempt.limits;
  }

  /** The authenticated session, now or once the next one is up; rejects once stopped. */
  online(): Promise<DeviceSession> {
    if (this.stoppedWith !== undefined) return Promise.reject(this.stoppedWith);
    if (this.current !== undefined) return Promise.resolve(this.current);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * Runs `request` on the authenticated session; again on the next session when the one it used
   * ended under it, or after a 502's retry_after (at least 1 s); at most four tries.
   */
  async retrying<T>(request: (session: DeviceSession) => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      const session = await this.online();
      try {
        return await request(session);
      } catch (error) {
        if (!(error instanceof NcpClientError) || tries >= 4 || this.stoppedWith !== undefined) throw error;
        if (error.code === 502) await Bun.sleep(Math.max(1, error.retryAfterSecs) * 1_000);
        else if (error.kind !== "closed" && session === this.current) throw error;
      }
    }
  }

  /** Stops for good: no reconnect, the session closed, waiters rejected with `error`. */
  stop(error: NcpClientError): void {
    if (this.stoppedWith !== undefined) return;
    this.stoppedWith = error;
    clearTimeout(this.timer);
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    const session = this.current;
    this.current = undefined;
    if (session !== undefined) this.retired.add(session);
    session?.close();
    this.options.stopped(error);
  }

  get stopped(): NcpClientError | undefined {
    return this.stoppedWith;
  }

  private async connect(): Promise<Attempt> {
    let phase: ConnectionPhase = "handshake";
    let session: DeviceSession | undefined;
    try {
      session = await openDeviceSession(this.options.server, this.options.keys, this.options.timing);
      phase = "auth";
      this.watch(session);
      this.options.wire(session);
      return { ok: true, session, limits: await session.authenticate() };
    } catch (error) {
      if (session !== undefined) this.retired.add(session);
      session?.close();
      return { ok: false, error: asClientError(error), phase };
    }
  }

  private watch(session: DeviceSession): void {
    session.handlers.closed = (error) => this.onClosed(session, error);
    session.handlers.softExpired = () => {
      if (session === this.current) void this.renew(session);
    };
  }

  private adopt(session: DeviceSession, limits: SessionLimits): void {
    if (this.stoppedWith !== undefined) {
      this.retired.add(session);
      session.close();
      return;
    }
    const old = this.current;
    this.current = session;
    this.attempt = 0;
    for (const waiter of this.waiters.splice(0)) waiter.resolve(session);
    this.options.online(session, limits);
    if (old !== undefined) {
      this.retired.add(old);
      old.close();
    }
    if (session.softExpired) void this.renew(session);
  }

  private onClosed(session: DeviceSession, error: NcpClientError): void {
    if (this.retired.has(session) || session !== this.current || this.stoppedWith !== undefined) return;
    this.current = undefined;
    if (this.renewing) return; // the session being made takes over; its failure decides (renew)
    this.retryAfter(error, "session");
  }

  private retryAfter(error: NcpClientError, phase: ConnectionPhase): void {
    const decision = reconnectDecision(
      error,
      { phase, attempt: this.attempt++ },
      this.options.backoff,
      this.options.random,
    );
    if (!decision.reconnect) {
      this.stop(
        new NcpClientError(
          error.kind,
          `${error.message}: not reconnecting, ${decision.why}`,
          error.code,
          error.retryAfterSecs,
          error.details,
        ),
      );
      return;
    }
    this.options.offline(error, decision.delayMs);
    this.timer = setTimeout(() => void this.reconnect(), decision.delayMs);
  }

  private async reconnect(): Promise<void> {
    const attempt = await this.connect();
    if (attempt.ok) this.adopt(attempt.session, attempt.limits);
    else if (this.stoppedWith === undefined) this.retryAfter(attempt.error, attempt.phase);
  }

  /**
   * Make before break (§7.2); a failed renewal is retried with backoff while the old session lives.
   * The old one may be closed first (the server's 203 can overtake the new 0x04): then the new
   * session is adopted when it is up, or its failure decides as a reconnect would.
   */
  private async renew(old: DeviceSession): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    const attempt = await this.connect();
    this.renewing = false;
    if (attempt.ok) return this.adopt(attempt.session, attempt.limits);
    if (this.stoppedWith !== undefined) return;
    if (this.current === undefined) return this.retryAfter(attempt.error, attempt.phase);
    if (old !== this.current) return;
    const decision = reconnectDecision(
      attempt.error,
      { phase: attempt.phase, attempt: this.attempt++ },
      this.options.backoff,
      this.options.random,
    );
    if (!decision.reconnect) return this.stop(attempt.error);
    this.timer = setTimeout(() => {
      if (old === this.current) void this.renew(old);
    }, decision.delayMs);
  }
}
