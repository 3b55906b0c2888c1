/** Counters of the messaging domain, for the metrics endpoint (monotonic since start). */
export class RelayStats {
  messagesAccepted = 0;
  /** Resends answered with status 0 again (§8.3), stored once. */
  duplicatesAccepted = 0;
  messagesPushed = 0;
  receiptsPushed = 0;
  messagesAcked = 0;
  messagesExpired = 0;
  /** Messages purged by a revocation (§8.4). */
  messagesPurged = 0;
  receiptsDropped = 0;
  /** Refused frames by §9 code. */
  readonly refusedByCode = new Map<number, number>();

  /** Counts one refusal with this code. */
  refused(code: number): void {
    this.refusedByCode.set(code, (this.refusedByCode.get(code) ?? 0) + 1);
  }
}
