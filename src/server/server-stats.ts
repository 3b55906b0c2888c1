/** Why a connection was refused or cut: the `reason` label of the rejected counter. */
export type RejectReason = "limit" | "tls" | "timeout";

/** Process-wide counters for `status` and `/metrics`; plain numbers, bumped by the connection layer. */
export class ServerStats {
  readonly startedAtMs = Date.now();
  accepted = 0;
  readonly rejected: Record<RejectReason, number> = { limit: 0, tls: 0, timeout: 0 };
  bytesIn = 0;
  bytesOut = 0;
  tlsHandshakeFailures = 0;
  reloadsOk = 0;
  reloadsFailed = 0;
}
