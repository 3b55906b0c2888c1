import { describe, expect, test } from "bun:test";
import { sampleProcess } from "../../../src/server/process-sample.ts";
import { type MetricsSample, renderMetrics } from "../../../src/server/render-metrics.ts";
import { ServerStats } from "../../../src/server/server-stats.ts";
import { hasTool } from "../../helpers/tools.ts";

const promtool = hasTool("promtool", "promtool check metrics of the exposition");

/** A sample with every counter moved, TLS on, and a supervisor that restarted twice. */
function busySample(): MetricsSample {
  const stats = new ServerStats();
  stats.accepted = 7;
  stats.rejected.limit = 2;
  stats.rejected.tls = 1;
  stats.bytesIn = 1234;
  stats.tlsHandshakes = 4;
  stats.tlsHandshakeFailures.client_certificate = 1;
  stats.sessionEvents.handshakeCompleted();
  stats.sessionEvents.handshakeFailed("VERSION_MISMATCH");
  stats.sessionEvents.handshakeFailed("timeout");
  stats.sessionEvents.handshakeFailed("timeout");
  stats.sessionEvents.errorSent(501, "SERVICE_UNAVAILABLE");
  stats.sessionEvents.errorSent(101, "MESSAGE_FORMAT_ERROR");
  stats.sessionEvents.errorSent(101, "MESSAGE_FORMAT_ERROR");
  const nowMs = stats.startedAtMs + 1500;
  return {
    stats,
    openConnections: 5,
    ready: false,
    process: {
      cpuSeconds: 0.25,
      residentMemoryBytes: 42_000_000,
      startTimeSeconds: 1700000000.5,
      openFds: 12,
      maxFds: 1024,
    },
    eventLoopLagSeconds: 0.003,
    nowMs,
    certificateNotAfterMs: nowMs + 86_400_000,
    restarts: 2,
  };
}

async function check(text: string): Promise<{ exitCode: number; problems: string }> {
  const child = Bun.spawn(["promtool", "check", "metrics"], {
    stdin: new TextEncoder().encode(text),
    stdout: "pipe",
    stderr: "pipe",
  });
  const problems = (await new Response(child.stdout).text()) + (await new Response(child.stderr).text());
  return { exitCode: await child.exited, problems };
}

describe("renderMetrics", () => {
  test.skipIf(!promtool)("passes promtool check metrics, busy or fresh, with TLS on or off", async () => {
    expect(await check(renderMetrics(busySample()))).toEqual({ exitCode: 0, problems: "" });
    const fresh: MetricsSample = {
      ...busySample(),
      stats: new ServerStats(),
      certificateNotAfterMs: undefined,
    };
    expect(await check(renderMetrics({ ...fresh, process: sampleProcess() }))).toEqual({
      exitCode: 0,
      problems: "",
    });
  });

  test("carries the counters an operator looks for", () => {
    const sample = busySample();
    const text = renderMetrics(sample);
    for (const line of [
      "norc_connections_open 5",
      "norc_connections_accepted_total 7",
      'norc_connections_rejected_total{reason="limit"} 2',
      'norc_connections_rejected_total{reason="tls"} 1',
      "norc_uptime_seconds 1.5",
      "norc_ready 0",
      "norc_restarts_total 2",
      "norc_tls_handshakes_total 4",
      'norc_tls_handshake_failures_total{reason="client_certificate"} 1',
      'norc_tls_handshake_failures_total{reason="handshake"} 0',
      "norc_tls_certificate_expires_in_seconds 86400",
      `norc_tls_certificate_expiry_timestamp_seconds ${(sample.certificateNotAfterMs ?? 0) / 1000}`,
      "norc_ncp_handshakes_total 1",
      'norc_ncp_handshake_failures_total{reason="VERSION_MISMATCH"} 1',
      'norc_ncp_handshake_failures_total{reason="timeout"} 2',
      'norc_ncp_errors_sent_total{code="101",name="MESSAGE_FORMAT_ERROR"} 2',
      'norc_ncp_errors_sent_total{code="501",name="SERVICE_UNAVAILABLE"} 1',
      "process_cpu_seconds_total 0.25",
      "process_resident_memory_bytes 42000000",
      "process_start_time_seconds 1700000000.5",
      "process_open_fds 12",
      "process_max_fds 1024",
    ]) {
      expect(text).toContain(`\n${line}\n`);
    }
  });

  test("with TLS off there is no certificate sample; off Linux no fd samples", () => {
    const sample = busySample();
    const text = renderMetrics({
      ...sample,
      certificateNotAfterMs: undefined,
      process: { ...sample.process, openFds: undefined, maxFds: undefined },
    });
    expect(text).not.toMatch(/^norc_tls_certificate_expires_in_seconds /m);
    expect(text).not.toMatch(/^process_open_fds /m);
    expect(text).toContain("# TYPE process_open_fds gauge");
  });
});

test("sampleProcess reads this process's CPU time, memory, start time and (Linux) fds", () => {
  const sample = sampleProcess();
  expect(sample.cpuSeconds).toBeGreaterThan(0);
  expect(sample.residentMemoryBytes).toBeGreaterThan(1_000_000);
  expect(Math.abs(sample.startTimeSeconds - (Date.now() / 1000 - process.uptime()))).toBeLessThan(5);
  if (process.platform === "linux") {
    expect(sample.openFds).toBeGreaterThan(2);
    expect(sample.maxFds).toBeGreaterThanOrEqual(sample.openFds ?? 0);
  }
});
