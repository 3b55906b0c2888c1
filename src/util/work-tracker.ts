/**
 * Background work that shutdown waits for (h3js/srvx `waitUntil`): pending commits, replies that
 * wait for them, backups. `track` returns the promise unchanged; `settled` resolves once none is
 * left, or with false after the deadline.
 */
export class WorkTracker {
  private readonly pending = new Set<Promise<unknown>>();

  get size(): number {
    return this.pending.size;
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    const forget = () => this.pending.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** True once every tracked piece of work has settled (also work tracked meanwhile); false after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), left);
      });
      const all = Promise.allSettled([...this.pending]);
      const first = await Promise.race([all, timeout]);
      clearTimeout(timer);
      if (first === "timeout") return this.pending.size === 0;
    }
    return true;
  }
}
