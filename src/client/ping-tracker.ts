import type { NcpClientError } from "./client-error.ts";

/** One TimeSync round trip. */
export interface PingResult {
  rttMs: number;
  /** server_time − (t_send + t_recv)/2, in ms (§6.7). */
  offsetMs: number;
  serverTimeUs: bigint;
}

interface PendingPing {
  sentAt: number;
  sentWallMs: number;
  resolve: (result: PingResult) => void;
  reject: (error: NcpClientError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** TimeSync requests in flight, answered in order (§6.7: the server replies to requests in order). */
export class PingTracker {
  private readonly pending: PendingPing[] = [];

  /** Registers a request just sent; `onTimeout` fires if no reply comes within `timeoutMs`. */
  add(timeoutMs: number, onTimeout: () => void): Promise<PingResult> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(onTimeout, timeoutMs);
      this.pending.push({ sentAt: performance.now(), sentWallMs: Date.now(), resolve, reject, timer });
    });
  }

  /** Settles the oldest request with the server's time; false when none was waiting. */
  answer(serverTimeUs: bigint): boolean {
    const ping = this.pending.shift();
    if (ping === undefined) return false;
    clearTimeout(ping.timer);
    const rttMs = performance.now() - ping.sentAt;
    const serverMs = Number(serverTimeUs) / 1000;
    ping.resolve({ rttMs, offsetMs: serverMs - (ping.sentWallMs + rttMs / 2), serverTimeUs });
    return true;
  }

  /** Rejects every request still waiting. */
  rejectAll(error: NcpClientError): void {
    for (const ping of this.pending.splice(0)) {
      clearTimeout(ping.timer);
      ping.reject(error);
    }
  }
}
