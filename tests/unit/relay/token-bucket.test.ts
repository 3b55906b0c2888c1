import { expect, test } from "bun:test";
import { TokenBucket } from "../../../src/relay/token-bucket.ts";

const T0 = 1_700_000_000_000;

test("a burst is granted, then one token per 1/rate seconds, with retry_after until the next", () => {
  const bucket = new TokenBucket(2, 1, T0);
  expect([bucket.take(T0), bucket.take(T0), bucket.take(T0)]).toEqual([0, 0, 1]);
  expect(bucket.take(T0 + 1_000)).toBe(0);
});

test("a wall clock stepped back 10 minutes takes no tokens: the bucket keeps granting at its rate", () => {
  const bucket = new TokenBucket(10, 1, T0);
  const back = T0 - 600_000;
  expect(bucket.take(back)).toBe(0);
  for (let i = 0; i < 8; i++) bucket.take(back);
  expect(bucket.take(back)).toBe(0);
  expect(bucket.take(back)).toBe(1);
  expect(bucket.take(back + 1_000)).toBe(0);
});
