import type { SessionEvents } from "../session/transport.ts";

/** Why a connection was refused or cut: the `reason` label of the rejected counter (slow_consumer: NCP-1 §7.3). */
export type RejectReason = "limit" | "tls" | "timeout" | "slow_consumer";

/** Why a TLS handshake failed: it did not complete, or the client certificate was refused. */
export type TlsFailureReason = "handshake" | "client_certificate";

/** Process-wide counters for `status` and `/metrics`; plain numbers, bumped by the connection layer. */
export class ServerStats {
  readonly startedAtMs = Date.now();
  accepted = 0;
  readonly rejected: Record<RejectReason, number> = { limit: 0, tls: 0, timeout: 0, slow_consumer: 0 };
  bytesIn = 0;
  bytesOut = 0;
  tlsHandshakes = 0;
  readonly tlsHandshakeFailures: Record<TlsFailureReason, number> = { handshake: 0, client_certificate: 0 };
  /** NCP-1 handshakes completed, failed by reason, and error frames sent by code. */
  ncpHandshakes = 0;
  readonly ncpHandshakeFailures = new Map<string, number>();
  readonly ncpErrorsSent = new Map<number, { name: string; count: number }>();
  reloadsOk = 0;
  reloadsFailed = 0;

  /** The counters a session bumps (given to it through its ConnectionContext). */
  readonly sessionEvents: SessionEvents = {
    handshakeCompleted: () => {
      this.ncpHandshakes++;
    },
    handshakeFailed: (reason) => bump(this.ncpHandshakeFailures, reason),
    errorSent: (code, name) => {
      const sent = this.ncpErrorsSent.get(code) ?? { name, count: 0 };
      sent.count++;
      this.ncpErrorsSent.set(code, sent);
    },
  };
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
