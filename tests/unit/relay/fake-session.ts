import type { LiveSession } from "../../../src/relay/router.ts";
import type { Id } from "../../../src/store/records.ts";

/** A LiveSession that records what the relay told it. */
export class FakeSession implements LiveSession {
  wakes = 0;
  readonly presence: Uint8Array[] = [];
  readonly closes: { code: number; reason: string }[] = [];

  constructor(
    readonly device: Id,
    readonly sessionId: Id = crypto.getRandomValues(new Uint8Array(32)),
    private readonly onWake?: () => void,
  ) {}

  wake(): void {
    this.wakes += 1;
    this.onWake?.();
  }

  pushPresence(frame: Uint8Array): void {
    this.presence.push(frame);
  }

  close(code: number, reason: string): void {
    this.closes.push({ code, reason });
  }
}
