/** Work that runs beside the commits (backups), tracked so close() can wait for all of it. */
export class BackgroundWork {
  private readonly running = new Set<Promise<unknown>>();

  /** Tracks `work` until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const forget = () => this.running.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** Resolves once everything tracked so far has settled, whatever the outcome. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
