import { describe, expect, test } from "bun:test";
import { Histogram } from "../../../src/util/histogram.ts";

describe("Histogram", () => {
  test("cumulative counts per bound (a value on a bound falls in it), +Inf holds everything, sum and count", () => {
    const histogram = new Histogram([0.1, 1, 10]);
    for (const value of [0.05, 0.1, 0.5, 1, 9, 11, 1000]) histogram.observe(value);
    expect(histogram.cumulative()).toEqual([
      [0.1, 2],
      [1, 4],
      [10, 5],
      [Number.POSITIVE_INFINITY, 7],
    ]);
    expect(histogram.count).toBe(7);
    expect(histogram.sum).toBeCloseTo(1021.65, 10);
  });

  test("bounds must increase", () => {
    expect(() => new Histogram([1, 1])).toThrow("increasing");
    expect(() => new Histogram([2, 1])).toThrow("increasing");
  });
});
