import { expect, test } from "bun:test";
import { renderMetrics } from "../../../src/server/render-metrics.ts";
import { ServerStats } from "../../../src/server/server-stats.ts";

test("the exposition passes promtool check metrics and carries the counters", async () => {
  const stats = new ServerStats();
  stats.accepted = 7;
  stats.rejected.limit = 2;
  stats.rejected.tls = 1;
  stats.bytesIn = 1234;
  const text = renderMetrics({
    stats,
    openConnections: 5,
    ready: false,
    residentMemoryBytes: 42_000_000,
    eventLoopLagSeconds: 0.003,
    nowMs: stats.startedAtMs + 1500,
  });
  const child = Bun.spawn(["promtool", "check", "metrics"], {
    stdin: new TextEncoder().encode(text),
    stdout: "pipe",
    stderr: "pipe",
  });
  const problems = (await new Response(child.stdout).text()) + (await new Response(child.stderr).text());
  expect({ exitCode: await child.exited, problems }).toEqual({ exitCode: 0, problems: "" });
  expect(text).toContain("\nnorc_connections_open 5\n");
  expect(text).toContain("\nnorc_connections_accepted_total 7\n");
  expect(text).toContain('\nnorc_connections_rejected_total{reason="limit"} 2\n');
  expect(text).toContain('\nnorc_connections_rejected_total{reason="tls"} 1\n');
  expect(text).toContain("\nnorc_uptime_seconds 1.5\n");
  expect(text).toContain("\nnorc_ready 0\n");
});
