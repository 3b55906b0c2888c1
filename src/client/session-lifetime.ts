import type { AuthResponseBody } from "../protocol/auth-response.ts";

/** The limits a 0x04 sets (§7.2): expires_at, message_limit; with session_id and the queued count. */
export type SessionLimits = AuthResponseBody;

/** setTimeout's largest delay; longer ones fire at once in Bun and Node. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The client's clocks of one authenticated session: soft expiry (§7.2) at expires_at (converted
 * with the 0x04's server_time) or when 0x10s sent plus received reach message_limit, whichever
 * is first, reported once; and the keepalive (§6.7) after `pingIntervalMs` without sending.
 */
export class SessionLifetime {
  private softTimer?: ReturnType<typeof setTimeout>;
  private pingTimer?: ReturnType<typeof setTimeout>;
  private messages = 0;
  private limit = Number.POSITIVE_INFINITY;
  private started = false;
  private expired = false;

  constructor(
    private readonly pingIntervalMs: number,
    private readonly events: { keepalive(): void; softExpired(): void },
  ) {}

  /** Starts the clocks from a 0x04 just received. */
  start(limits: SessionLimits): void {
    this.started = true;
    this.limit = limits.messageLimit;
    const remainingMs = Number(limits.expiresAtMs - limits.serverTimeMs);
    this.softTimer = setTimeout(() => this.expire(), Math.max(0, Math.min(remainingMs, MAX_TIMER_MS)));
    if (this.messages >= this.limit) this.expire();
    this.sent();
  }

  /** One 0x10 sent or received on the connection. */
  countMessage(): void {
    this.messages++;
    if (this.started && this.messages >= this.limit) this.expire();
  }

  /** Something was sent: the keepalive waits another interval. */
  sent(): void {
    if (!this.started) return;
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => {
      this.events.keepalive();
      this.sent();
    }, this.pingIntervalMs);
  }

  /** True once soft expiry was reached. */
  get softExpired(): boolean {
    return this.expired;
  }

  stop(): void {
    this.started = false;
    clearTimeout(this.softTimer);
    clearTimeout(this.pingTimer);
  }

  private expire(): void {
    if (this.expired || !this.started) return;
    this.expired = true;
    clearTimeout(this.softTimer);
    this.events.softExpired();
  }
}
