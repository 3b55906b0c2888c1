import { describe, expect, test } from "bun:test";
import { freePort, tempDir } from "../../helpers/binary.ts";
import { listeningPort, writeConfig } from "../../helpers/server-config.ts";
import { startServer } from "../../helpers/server-process.ts";
import { connectClient, within } from "../../helpers/tcp-client.ts";
import { hasTool } from "../../helpers/tools.ts";

const havePromtool = hasTool("promtool", "promtool check metrics of the live /metrics");

async function promtool(text: string): Promise<{ exitCode: number; output: string }> {
  const child = Bun.spawn(["promtool", "check", "metrics"], {
    stdin: new TextEncoder().encode(text),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { exitCode, output: out + err };
}

function metric(text: string, name: string): number {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no ${name} in:\n${text}`);
  return Number(line.slice(name.length + 1));
}

describe("max_connections and /metrics", () => {
  test("the 4th connection is closed at once, the first 3 stay usable, counters move", async () => {
    const dir = tempDir("norc-limit-");
    const metricsPort = await freePort();
    await writeConfig(dir.path, {
      network: { bind_address: "127.0.0.1", port: 0, max_connections: 3 },
      tls: { enabled: false },
      logging: { level: "debug" },
      metrics: { enabled: true, bind_address: "127.0.0.1", port: metricsPort },
    });
    const server = startServer(["start"], { cwd: dir.path });
    const clients = [];
    try {
      const port = listeningPort(await server.waitFor(/listening on/));
      const url = `http://127.0.0.1:${metricsPort}`;
      const before = await (await fetch(`${url}/metrics`)).text();
      if (havePromtool) expect(await promtool(before)).toEqual({ exitCode: 0, output: "" });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);

      for (let i = 0; i < 3; i++) clients.push(await connectClient(port));
      while ((server.output().match(/accepted connection from/g) ?? []).length < 3) await Bun.sleep(20);
      // Closed at once: either reset while connecting or closed just after.
      const fourth = connectClient(port).then(
        (client) => client.closed,
        () => Date.now(),
      );
      await within(fourth, 10_000, "the 4th connection to be closed");
      for (const client of clients) expect(client.socket.write("hello")).toBe(5);
      await Bun.sleep(200);
      expect(clients.some((client) => client.isClosed())).toBe(false);

      const after = await (await fetch(`${url}/metrics`)).text();
      if (havePromtool) expect(await promtool(after)).toEqual({ exitCode: 0, output: "" });
      expect(metric(after, "norc_connections_open")).toBe(3);
      expect(metric(after, "norc_connections_accepted_total")).toBe(3);
      expect(metric(after, 'norc_connections_rejected_total{reason="limit"}')).toBe(1);
      expect(metric(after, "norc_received_bytes_total")).toBe(15);
      expect(metric(before, "norc_connections_accepted_total")).toBe(0);
      expect(after).toMatch(/^norc_build_info\{version="[^"]+",commit="[^"]+",target="[^"]+"\} 1$/m);
    } finally {
      for (const client of clients) client.socket.end();
      await server.kill();
      dir.cleanup();
    }
  });
});

describe("connection_timeout_secs = 2", () => {
  test("an idle connection is closed after 2 s (not before), a TCP connection that never starts TLS too; counted as timeouts", async () => {
    const dir = tempDir("norc-timeout-");
    const metricsPort = await freePort();
    await writeConfig(dir.path, {
      network: { bind_address: "127.0.0.1", port: 0, connection_timeout_secs: 2 },
      tls: { enabled: true },
      metrics: { enabled: true, bind_address: "127.0.0.1", port: metricsPort },
    });
    const server = startServer(["start"], { cwd: dir.path });
    try {
      const port = listeningPort(await server.waitFor(/listening on/));
      const started = Date.now();
      const [tls, raw] = await Promise.all([connectClient(port, true), connectClient(port, false)]);
      const [tlsClosedAt, rawClosedAt] = await within(
        Promise.all([tls.closed, raw.closed]),
        10_000,
        "timeouts",
      );
      for (const closedAt of [tlsClosedAt, rawClosedAt]) {
        expect(closedAt - started).toBeGreaterThanOrEqual(2000);
        expect(closedAt - started).toBeLessThan(4500);
      }
      await server.waitFor(/nothing received for 2 s/);
      // Each is counted once, as a timeout (not also as a failed TLS handshake).
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metric(text, 'norc_connections_rejected_total{reason="timeout"}')).toBe(2);
      expect(metric(text, 'norc_connections_rejected_total{reason="tls"}')).toBe(0);
      expect(metric(text, 'norc_tls_handshake_failures_total{reason="handshake"}')).toBe(0);
      expect(server.output()).not.toContain("TLS handshake with");
    } finally {
      await server.kill();
      dir.cleanup();
    }
  });
});
