/** One deadline a session owns (hello, auth, later idle and lifetime): re-armed per state. */
export class SessionTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly onFire: () => void) {}

  arm(delayMs: number): void {
    this.clear();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onFire();
    }, delayMs);
    this.timer.unref?.();
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
