import { expect, test } from "bun:test";
import { type Part, startParts } from "../../../src/util/lifecycle.ts";

function part(name: string, log: string[], failStart = false): Part {
  return {
    name,
    start: () => {
      if (failStart) throw new Error(`${name} cannot start`);
      log.push(`start ${name}`);
    },
    stop: (mode) => {
      log.push(`stop ${name} ${mode}`);
    },
  };
}

test("parts stop in reverse order of their start", async () => {
  const log: string[] = [];
  const started = await startParts([part("store", log), part("server", log)], () => {});
  await started.stop("graceful");
  expect(log).toEqual(["start store", "start server", "stop server graceful", "stop store graceful"]);
});

test("start-up is all or nothing: a failing part stops the ones started before it", async () => {
  const log: string[] = [];
  const parts = [part("store", log), part("relay", log), part("server", log, true)];
  await expect(startParts(parts, () => {})).rejects.toThrow("server cannot start");
  expect(log).toEqual(["start store", "start relay", "stop relay now", "stop store now"]);
});

test("a part that fails to stop is reported and the others still stop", async () => {
  const log: string[] = [];
  const broken: Part = { name: "broken", start: () => {}, stop: () => Promise.reject(new Error("stuck")) };
  const failures: string[] = [];
  const started = await startParts([part("store", log), broken], (p, error) =>
    failures.push(`${p.name}: ${(error as Error).message}`),
  );
  await started.stop("now");
  expect(failures).toEqual(["broken: stuck"]);
  expect(log).toEqual(["start store", "stop store now"]);
});
