import { expect, test } from "bun:test";
import { rateLimitedLog } from "../../../src/log/rate-limited-log.ts";

function collector() {
  const lines: string[] = [];
  const log = rateLimitedLog(
    (message) => lines.push(message),
    60_000,
    (count, last) => `${count} more (last: ${last})`,
  );
  return { lines, log };
}

test("the first line is written at once, the rest of the interval is one summary with the count", () => {
  const { lines, log } = collector();
  log.log("refused a");
  log.log("refused b");
  log.log("refused c");
  expect(lines).toEqual(["refused a"]);
  log.flush();
  expect(lines).toEqual(["refused a", "2 more (last: refused c)"]);
  log.log("refused d");
  expect(lines).toEqual(["refused a", "2 more (last: refused c)", "refused d"]);
  log.flush();
  expect(lines).toHaveLength(3);
});

test("the summary is written when the interval ends, without another line to trigger it", async () => {
  const lines: string[] = [];
  const log = rateLimitedLog(
    (message) => lines.push(message),
    20,
    (count) => `${count} more`,
  );
  log.log("one");
  log.log("two");
  for (let i = 0; i < 100 && lines.length < 2; i++) await Bun.sleep(10);
  expect(lines).toEqual(["one", "1 more"]);
  log.flush();
});
