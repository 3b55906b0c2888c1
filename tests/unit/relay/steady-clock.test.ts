import { expect, test } from "bun:test";
import { type ClockStep, SteadyClock } from "../../../src/relay/steady-clock.ts";

function clocks() {
  const t = { wall: 1_000_000_000, mono: 5_000 };
  const steps: ClockStep[] = [];
  const clock = new SteadyClock(
    () => t.wall,
    () => t.mono,
    (step) => steps.push(step),
    30_000,
  );
  const tick = (ms: number) => {
    t.wall += ms;
    t.mono += ms;
  };
  return { t, steps, clock, tick };
}

test("follows the wall clock while it runs with the monotonic one (drift within the tolerance included)", () => {
  const { t, steps, clock, tick } = clocks();
  expect(clock.now()).toBe(t.wall);
  tick(60_000);
  t.wall += 10_000;
  expect(clock.now()).toBe(t.wall);
  expect(steps).toEqual([]);
});

test("holds a forward step back (reported), and a backward step gives it back, never below the wall clock", () => {
  const { t, steps, clock, tick } = clocks();
  clock.now();
  t.wall += 600_000;
  tick(1_000);
  expect(clock.now()).toBe(t.wall - 600_000);
  expect(steps).toEqual([{ stepMs: 600_000, heldBackMs: 600_000 }]);
  tick(1_000);
  expect(clock.now()).toBe(t.wall - 600_000);
  t.wall -= 900_000;
  expect(clock.now()).toBe(t.wall);
  expect(steps.at(-1)).toEqual({ stepMs: -900_000, heldBackMs: 0 });
});
