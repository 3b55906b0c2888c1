import { expect, test } from "bun:test";
import { sdNotify } from "../../../src/daemon/sd-notify.ts";
import { watchdogIntervalMs } from "../../../src/daemon/service-notify.ts";

test("the watchdog pings at half of WATCHDOG_USEC, only for the process WATCHDOG_PID names", () => {
  expect(watchdogIntervalMs({ WATCHDOG_USEC: "30000000" })).toBe(15_000);
  expect(watchdogIntervalMs({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: String(process.pid) })).toBe(15_000);
  expect(
    watchdogIntervalMs({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: String(process.pid + 1) }),
  ).toBeUndefined();
  expect(watchdogIntervalMs({})).toBeUndefined();
  expect(watchdogIntervalMs({ WATCHDOG_USEC: "0" })).toBeUndefined();
  expect(watchdogIntervalMs({ WATCHDOG_USEC: "x" })).toBeUndefined();
});

test("sd_notify says false when nobody listens: no NOTIFY_SOCKET, a socket that is not there, a bad name", () => {
  expect(sdNotify("READY=1", {})).toBe(false);
  expect(sdNotify("READY=1", { NOTIFY_SOCKET: "/nonexistent/notify.sock" })).toBe(false);
  expect(sdNotify("READY=1", { NOTIFY_SOCKET: "relative.sock" })).toBe(false);
  expect(sdNotify("READY=1", { NOTIFY_SOCKET: `/${"x".repeat(200)}` })).toBe(false);
});
