/** Where formatted lines go: stdout or a file. `flush` is synchronous. */
export interface LogSink {
  /** Queues one line (ending in "\n"); written in a batch shortly after. */
  write(line: string): void;
  /** Writes everything queued now, synchronously. */
  flush(): void;
  /** Closes and reopens the destination by path (a no-op for stdout); returns the problem if it failed. */
  reopen(): string | undefined;
  /** Flushes and releases the destination. */
  close(): void;
}
