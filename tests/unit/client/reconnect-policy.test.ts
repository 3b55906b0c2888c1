import { describe, expect, test } from "bun:test";
import { NcpClientError } from "../../../src/client/client-error.ts";
import { backoffDelayMs, NCP_BACKOFF, reconnectDecision } from "../../../src/client/reconnect-policy.ts";

const server = (code: number, reason?: string, retryAfterSecs = 0) =>
  new NcpClientError("server", `server error ${code}`, code, retryAfterSecs, { reason });

describe("§9 backoff", () => {
  test("1 s doubling up to 60 s without jitter at the midpoint", () => {
    const schedule = [0, 1, 2, 3, 4, 5, 6, 7, 20].map((attempt) =>
      backoffDelayMs(attempt, NCP_BACKOFF, () => 0.5),
    );
    expect(schedule).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  test("jitter stays within ±20 % at both ends", () => {
    expect(backoffDelayMs(0, NCP_BACKOFF, () => 0)).toBe(800);
    expect(backoffDelayMs(0, NCP_BACKOFF, () => 0.999999)).toBe(1_200);
    expect(backoffDelayMs(9, NCP_BACKOFF, () => 0)).toBe(48_000);
    expect(backoffDelayMs(9, NCP_BACKOFF, () => 0.999999)).toBe(72_000);
  });
});

describe("§9 reconnect rules", () => {
  const decide = (error: NcpClientError, phase: "handshake" | "auth" | "session" = "session") =>
    reconnectDecision(error, { phase, attempt: 2 }, NCP_BACKOFF, () => 0.5);

  test("never after 100, a handshake 102, or 202", () => {
    expect(decide(server(100), "handshake").reconnect).toBe(false);
    expect(decide(server(102), "handshake").reconnect).toBe(false);
    expect(decide(server(202)).reconnect).toBe(false);
  });

  test("not after 201, 303 pending or registration_closed, 203 superseded, identity or TLS failures", () => {
    expect(decide(server(201), "auth").reconnect).toBe(false);
    expect(decide(server(303, "pending"), "auth").reconnect).toBe(false);
    expect(decide(server(303, "registration_closed"), "auth").reconnect).toBe(false);
    expect(decide(server(203, "superseded")).reconnect).toBe(false);
    expect(decide(new NcpClientError("identity", "server identity changed"), "handshake").reconnect).toBe(
      false,
    );
    expect(decide(new NcpClientError("tls", "bad cert"), "handshake").reconnect).toBe(false);
  });

  test("a 102 after authentication, 203 at hard expiry, a dropped connection: backoff", () => {
    expect(decide(server(102))).toEqual({ reconnect: true, delayMs: 4_000 });
    expect(decide(server(203, "expired"))).toEqual({ reconnect: true, delayMs: 4_000 });
    expect(decide(new NcpClientError("closed", "gone"))).toEqual({ reconnect: true, delayMs: 4_000 });
    expect(decide(new NcpClientError("unreachable", "refused"), "handshake").reconnect).toBe(true);
    expect(decide(server(303, "suspended"), "auth").reconnect).toBe(true);
  });

  test("retry_after replaces the backoff: 501 at shutdown, 502 lockout", () => {
    expect(decide(server(501, undefined, 5))).toEqual({ reconnect: true, delayMs: 5_000 });
    expect(decide(server(502, undefined, 300), "auth")).toEqual({ reconnect: true, delayMs: 300_000 });
  });
});
