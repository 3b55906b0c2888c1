import { expect, test } from "bun:test";
import { Heartbeat } from "../../../src/daemon/heartbeat.ts";

/** Resolves once `check` holds (the heartbeat runs on real, very short timers). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await Bun.sleep(1);
}

test("a worker that echoes every ping is never hung", async () => {
  const pings: number[] = [];
  let hung = false;
  const heartbeat: Heartbeat = new Heartbeat({
    ping: (seq) => {
      pings.push(seq);
      heartbeat.answer(seq);
    },
    onHung: () => {
      hung = true;
    },
    intervalMs: 1,
    missedLimit: 2,
  });
  heartbeat.start();
  await until(() => pings.length >= 20);
  heartbeat.stop();
  expect(hung).toBe(false);
  expect(pings.slice(0, 3)).toEqual([1, 2, 3]);
  expect(heartbeat.silentMs()).toBeUndefined();
});

test("a worker that stops answering is hung after missedLimit unanswered pings, then no more pings", async () => {
  const pings: number[] = [];
  let hungAfterMs: number | undefined;
  let answering = true;
  const heartbeat: Heartbeat = new Heartbeat({
    ping: (seq) => {
      pings.push(seq);
      if (answering) heartbeat.answer(seq);
    },
    onHung: (silentMs) => {
      hungAfterMs = silentMs;
    },
    intervalMs: 1,
    missedLimit: 3,
  });
  heartbeat.start();
  await until(() => pings.length >= 5);
  answering = false;
  const answered = pings.length;
  await until(() => heartbeat.silentMs() !== undefined);
  await until(() => hungAfterMs !== undefined);
  expect(pings.length).toBe(answered + 3);
  await Bun.sleep(10);
  expect(pings.length).toBe(answered + 3);
  expect(hungAfterMs).toBeGreaterThanOrEqual(0);
  expect(heartbeat.silentMs()).toBeUndefined();
});
