import { expect, test } from "bun:test";
import { WorkTracker } from "../../../src/util/work-tracker.ts";

test("settled waits for tracked work, also work tracked while it waits", async () => {
  const tracker = new WorkTracker();
  const first = Promise.withResolvers<void>();
  const second = Promise.withResolvers<void>();
  tracker.track(first.promise);
  let done = false;
  const waiting = tracker.settled(1_000).then((ok) => {
    done = ok;
  });
  tracker.track(second.promise);
  first.resolve();
  await Bun.sleep(5);
  expect(done).toBe(false);
  expect(tracker.size).toBe(1);
  second.resolve();
  await waiting;
  expect(done).toBe(true);
  expect(tracker.size).toBe(0);
});

test("settled gives up after its deadline; a failed piece of work counts as settled", async () => {
  const tracker = new WorkTracker();
  tracker.track(Promise.reject(new Error("x"))).catch(() => {});
  tracker.track(new Promise(() => {}));
  expect(await tracker.settled(30)).toBe(false);
  expect(tracker.size).toBe(1);
});
