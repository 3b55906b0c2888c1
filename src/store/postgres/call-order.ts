/**
 * Orders this process's store calls: a call keyed by device ids starts after the earlier calls with
 * any of its keys have settled (so one recipient's commits run in call order, and its seqs follow
 * it); a barrier call (maintenance, close) starts after every earlier call, and every later call
 * starts after it. Calls with disjoint keys run concurrently, each on its own pool connection.
 */
export class CallOrder {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  private barrier: Promise<void> = Promise.resolve();

  /** Runs `task` after the earlier calls sharing a key (and the last barrier). */
  keyed<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    const unique = [...new Set(keys)];
    const before = [this.barrier, ...unique.map((key) => this.tails.get(key))];
    const result = Promise.all(before).then(task);
    const done = this.track(result);
    for (const key of unique) this.tails.set(key, done);
    done.then(() => {
      for (const key of unique) if (this.tails.get(key) === done) this.tails.delete(key);
    });
    return result;
  }

  /** Runs `task` after every earlier call; later calls wait for it. */
  barrierCall<T>(task: () => Promise<T>): Promise<T> {
    const result = Promise.all([this.barrier, ...this.inFlight]).then(task);
    this.barrier = this.track(result);
    return result;
  }

  /** Resolves once every call made so far has settled. */
  async idle(): Promise<void> {
    await Promise.all([this.barrier, ...this.inFlight]);
  }

  private track(result: Promise<unknown>): Promise<void> {
    const done = result.then(
      () => {},
      () => {},
    );
    this.inFlight.add(done);
    done.then(() => this.inFlight.delete(done));
    return done;
  }
}
