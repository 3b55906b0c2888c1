import { describe, expect, test } from "bun:test";
import { decideRestart, type WorkerExit } from "../../../src/daemon/restart-policy.ts";

const policy = { maxRestarts: 2, cooldownMs: 1000, stableMs: 60_000 };
const crash = (extra: Partial<WorkerExit> = {}): WorkerExit => ({
  code: 1,
  signal: null,
  uptimeMs: 500,
  requested: false,
  ...extra,
});

describe("decideRestart", () => {
  test("a crash is restarted after the cooldown, counting attempts, until max_restarts", () => {
    const first = decideRestart(crash(), 0, policy);
    expect(first.decision).toMatchObject({ action: "restart", attempt: 1, delayMs: 1000 });
    const second = decideRestart(crash({ code: null, signal: "SIGKILL" }), first.consecutive, policy);
    expect(second.decision).toMatchObject({ action: "restart", attempt: 2 });
    expect(second.decision.reason).toContain("signal SIGKILL");
    const third = decideRestart(crash(), second.consecutive, policy);
    expect(third.decision).toMatchObject({ action: "exit", code: 1 });
    expect(third.decision.reason).toContain("giving up");
  });

  test("a worker killed for not answering the heartbeat is restarted under the same limits, saying why", () => {
    const hung = crash({ code: null, signal: "SIGKILL", hungMs: 10_400 });
    const first = decideRestart(hung, 0, policy);
    expect(first.decision).toMatchObject({ action: "restart", attempt: 1, delayMs: 1000 });
    expect(first.decision.reason).toBe(
      "worker ended unexpectedly (no answer to the heartbeat for 10 s: killed with SIGKILL); restart 1 of 2 in 1 s",
    );
    expect(decideRestart(hung, 2, policy).decision).toMatchObject({ action: "exit", code: 1 });
  });

  test("a worker that was up for the stable period starts the count again", () => {
    const outcome = decideRestart(crash({ uptimeMs: 60_000 }), 2, policy);
    expect(outcome.decision).toMatchObject({ action: "restart", attempt: 1 });
  });

  test("exit 78 (config) is never restarted", () => {
    const { decision } = decideRestart(crash({ code: 78 }), 0, policy);
    expect(decision).toMatchObject({ action: "exit", code: 78 });
    expect(decision.reason).toContain("validate-config");
  });

  test("a requested stop or a clean exit ends the supervisor with the worker's code", () => {
    expect(decideRestart(crash({ requested: true, code: 0 }), 0, policy).decision).toMatchObject({
      action: "exit",
      code: 0,
    });
    expect(decideRestart(crash({ code: 0 }), 0, policy).decision).toMatchObject({ action: "exit", code: 0 });
  });
});
