import { afterEach, expect, test } from "bun:test";
import { connect as tcpConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { cleanEnv, freePort, runBinary } from "../helpers/binary.ts";
import { cleanupInstances, cli, eventually, instanceDir } from "../helpers/daemon-instance.ts";
import { writeConfig } from "../helpers/server-config.ts";
import { hasTool } from "../helpers/tools.ts";

afterEach(cleanupInstances);

const promtool = hasTool("promtool", "promtool check metrics of the live /metrics (metrics.test.ts)");

/** The value of the sample `name{labels}` (whole line before the value), or undefined. */
function metric(text: string, name: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** Sends bytes that are not a TLS ClientHello to a TLS port, and waits for the close. */
function garbageOverTcp(port: number): Promise<void> {
  return new Promise((done) => {
    const socket = tcpConnect({ host: "127.0.0.1", port }, () => socket.write("GET / HTTP/1.0\r\n\r\n"));
    socket.on("close", () => done());
    socket.on("error", () => {});
  });
}

/** Completes TLS, then sends a frame whose length field is too small: NCP-1 answers 101 and closes. */
function badHelloOverTls(port: number): Promise<void> {
  return new Promise((done) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      socket.write(new Uint8Array(16));
    });
    socket.on("data", () => {});
    socket.on("close", () => done());
    socket.on("error", () => {});
  });
}

async function scrape(port: number): Promise<string> {
  return await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

test("/metrics: restarts, certificate expiry, handshakes and failures by reason, errors by code, process_*", async () => {
  const dir = instanceDir("norc-metrics-");
  const [port, metricsPort] = [await freePort(), await freePort()];
  await writeConfig(dir, {
    network: { bind_address: "127.0.0.1", port },
    logging: { file: "./server.log" },
    daemon: { pid_file: "./run/norc.pid", auto_restart: true, restart_cooldown_secs: 1 },
    metrics: { enabled: true, port: metricsPort },
  });
  expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
  const first = JSON.parse((await cli(dir, "status", "--json")).stdout);
  process.kill(first.worker_pid, "SIGKILL");
  const restarted = async () => {
    const text = await scrape(metricsPort).catch(() => "");
    return metric(text, "norc_restarts_total") === 1;
  };
  expect(await eventually(restarted, 15_000)).toBe(true);

  const probe = await runBinary(["probe", `127.0.0.1:${port}`, "--insecure", "--count", "1"], {
    cwd: dir,
    env: cleanEnv(),
  });
  expect(probe.exitCode).toBe(0);
  await garbageOverTcp(port);
  await badHelloOverTls(port);
  const text = await scrape(metricsPort);

  expect(metric(text, "norc_ncp_handshakes_total")).toBe(1);
  expect(metric(text, "norc_tls_handshakes_total")).toBe(2);
  expect(metric(text, 'norc_tls_handshake_failures_total{reason="handshake"}')).toBe(1);
  expect(metric(text, 'norc_ncp_handshake_failures_total{reason="MESSAGE_FORMAT_ERROR"}')).toBe(1);
  expect(metric(text, 'norc_ncp_errors_sent_total{code="101",name="MESSAGE_FORMAT_ERROR"}')).toBe(1);
  // the generated certificate is valid for 10 years
  const expiresIn = metric(text, "norc_tls_certificate_expires_in_seconds") ?? 0;
  expect(expiresIn).toBeGreaterThan(3600 * 86_400 * 1);
  expect(expiresIn).toBeLessThanOrEqual(3650 * 86_400);
  expect(metric(text, "process_cpu_seconds_total")).toBeGreaterThan(0);
  expect(metric(text, "process_resident_memory_bytes")).toBeGreaterThan(1_000_000);
  expect(metric(text, "process_open_fds")).toBeGreaterThan(3);
  expect(metric(text, "process_max_fds")).toBeGreaterThan(3);
  const started = metric(text, "process_start_time_seconds") ?? 0;
  expect(Math.abs(started - Date.now() / 1000)).toBeLessThan(120);
  if (promtool) {
    const child = Bun.spawn(["promtool", "check", "metrics"], {
      stdin: new TextEncoder().encode(text),
      stdout: "pipe",
      stderr: "pipe",
    });
    const problems = (await new Response(child.stdout).text()) + (await new Response(child.stderr).text());
    expect({ exitCode: await child.exited, problems }).toEqual({ exitCode: 0, problems: "" });
  }
}, 60_000);
