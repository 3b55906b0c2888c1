import { expectLine, lines } from "./child-lines.ts";
import type { WorkerPlan, WorkerResult } from "./relay-worker.ts";

/**
 * Runs one relay-worker process per plan: waits for each "ready", runs the warm-up (a fresh server
 * runs its JS in lower JIT tiers), takes `before()`, starts the measured window, collects each
 * worker's result, takes `after()` at once, and waits for the workers to exit.
 */
export async function driveWorkers<B, A>(
  plans: WorkerPlan[],
  before: () => Promise<B> | B,
  after: () => Promise<A> | A,
): Promise<{ results: WorkerResult[]; before: B; after: A }> {
  const children = plans.map((plan) =>
    Bun.spawn([process.execPath, `${import.meta.dir}/relay-worker.ts`, JSON.stringify(plan)], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
    }),
  );
  const readers = children.map((child) => lines(child.stdout));
  const tell = (line: string) => {
    for (const child of children) child.stdin.write(`${line}\n`);
    for (const child of children) child.stdin.flush();
  };
  await expectLine(readers, "ready");
  tell("warm");
  await expectLine(readers, "warm");
  const sampledBefore = await before();
  tell("go");
  const results: WorkerResult[] = await Promise.all(
    readers.map(async (reader) => JSON.parse((await reader.next()).value as string)),
  );
  const sampledAfter = await after();
  await Promise.all(children.map((child) => child.exited));
  return { results, before: sampledBefore, after: sampledAfter };
}
