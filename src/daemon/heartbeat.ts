import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_MISSED_LIMIT } from "./timeouts.ts";

/** What the supervisor's heartbeat needs: how to ping the worker, and what to do when it hangs. */
export interface HeartbeatOptions {
  ping: (seq: number) => void;
  /** The worker missed the limit: `silentMs` since its last answer. */
  onHung: (silentMs: number) => void;
  intervalMs?: number;
  missedLimit?: number;
}

/**
 * The supervisor's side of the worker heartbeat: a numbered ping per interval; the worker echoes
 * it from its event loop. `missedLimit` unanswered pings in a row and the worker is hung.
 */
export class Heartbeat {
  private timer: ReturnType<typeof setInterval> | undefined;
  private sent = 0;
  private answered = 0;
  private missed = 0;
  private lastAnswerAtMs = Date.now();

  constructor(private readonly options: HeartbeatOptions) {}

  /** Starts pinging (the worker reported ready). */
  start(): void {
    this.stop();
    this.sent = 0;
    this.answered = 0;
    this.missed = 0;
    this.lastAnswerAtMs = Date.now();
    this.timer = setInterval(() => this.tick(), this.options.intervalMs ?? HEARTBEAT_INTERVAL_MS);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The worker echoed ping `seq`. */
  answer(seq: number): void {
    if (seq <= this.answered) return;
    this.answered = seq;
    this.missed = 0;
    this.lastAnswerAtMs = Date.now();
  }

  /** Milliseconds since the last answer while pings go unanswered; undefined while the worker answers. */
  silentMs(nowMs = Date.now()): number | undefined {
    return this.timer !== undefined && this.answered < this.sent && this.missed > 0
      ? nowMs - this.lastAnswerAtMs
      : undefined;
  }

  private tick(): void {
    this.missed = this.answered < this.sent ? this.missed + 1 : 0;
    if (this.missed >= (this.options.missedLimit ?? HEARTBEAT_MISSED_LIMIT)) {
      this.stop();
      this.options.onHung(Date.now() - this.lastAnswerAtMs);
      return;
    }
    this.sent++;
    this.options.ping(this.sent);
  }
}
