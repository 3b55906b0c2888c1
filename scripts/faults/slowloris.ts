/**
 * Fault scenario "slowloris and connection flood" (issue 14, NCP-1 §7.1, §10):
 *   slowloris: SLOW connections that send one byte every TRICKLE_SECS, half of them before the
 *     ClientHello (must be closed at hello_timeout, with a plaintext 101 reason=timeout) and half
 *     after the handshake, inside a record (closed at auth_timeout, 101 timeout);
 *   flood: a second server with max_connections = FLOOD_MAX gets FLOOD_FACTOR x FLOOD_MAX
 *     connections at once: at most max_connections are admitted, the rest are closed at once
 *     (CONFORMANCE: without the 501, before any handshake work).
 * Established sessions (a latency probe in its own process) must keep their delivery p99 (at most
 * 2x the p99 before + 250 ms: the machine is shared) and every message of theirs acked.
 *   bun scripts/faults/slowloris.ts [SLOW=1000] [HELLO_SECS=10] [AUTH_SECS=30] [TRICKLE_SECS=3] [FLOOD_MAX=200] [FLOOD_FACTOR=10]
 */
import type { Socket } from "bun";
import { createClientHello } from "../../src/protocol/client-handshake.ts";
import { decodeErrorBody } from "../../src/protocol/error-frame.ts";
import { frameBody } from "../../src/protocol/header.ts";
import { FaultClient } from "./fault-client.ts";
import { FaultServer, latencyText, p99Kept, verdict } from "./fault-server.ts";
import { type LatencyProbe, startLatencyProbe } from "./latency-probe.ts";

const slow = Number(process.argv[2] ?? 1000);
const helloSecs = Number(process.argv[3] ?? 10);
const authSecs = Number(process.argv[4] ?? 30);
const trickleSecs = Number(process.argv[5] ?? 3);
const floodMax = Number(process.argv[6] ?? 200);
const floodFactor = Number(process.argv[7] ?? 10);
const PROBE_PAIRS = 4;

/** How one raw connection ended: ms from open to close, and the first frame the server sent. */
interface Ending {
  ms: number;
  firstBytes: Uint8Array;
  opened: boolean;
}

/** A raw TCP connection that writes `first`, then one byte of `rest` every TRICKLE_SECS. */
function trickle(port: number, bytes: Uint8Array, everyMs: number): Promise<Ending> {
  return new Promise((resolve) => {
    const started = performance.now();
    let received = new Uint8Array(0);
    let timer: ReturnType<typeof setInterval> | undefined;
    let opened = false;
    const done = () => {
      clearInterval(timer);
      resolve({ ms: performance.now() - started, firstBytes: received, opened });
    };
    let at = 0;
    Bun.connect<undefined>({
      hostname: "127.0.0.1",
      port,
      socket: {
        open: (socket: Socket<undefined>) => {
          opened = true;
          socket.write(bytes.subarray(at, ++at));
          timer = setInterval(() => {
            if (at < bytes.length) socket.write(bytes.subarray(at, ++at));
          }, everyMs);
        },
        data: (_s, data) => {
          if (received.length < 4096) received = Buffer.concat([received, data]);
        },
        close: done,
        error: done,
      },
    }).catch(done);
  });
}

/** The code of a plaintext 0xFF at the start of `bytes`, if there is one. */
function plainErrorCode(bytes: Uint8Array): number | undefined {
  if (bytes.length < 48 || bytes[2] !== 0xff) return undefined;
  try {
    return decodeErrorBody(
      frameBody(bytes.subarray(0, new DataView(bytes.buffer, bytes.byteOffset).getUint32(4))),
    ).code;
  } catch {
    return undefined;
  }
}

/** A keyed connection (handshake done) that then trickles a record one byte at a time. */
async function keyedTrickle(port: number, everyMs: number): Promise<{ ms: number; code?: number }> {
  const started = performance.now();
  const client = await FaultClient.connect({ port });
  const record = client.seal(new Uint8Array(48 + 128));
  let at = 0;
  const timer = setInterval(() => client.write(record.subarray(at, ++at)), everyMs);
  await client.closed;
  clearInterval(timer);
  return { ms: performance.now() - started, code: client.strayErrors[0]?.code };
}

const within = (ms: number, secs: number) => ms >= secs * 1000 - 100 && ms <= secs * 1000 + 3_000;

/** The two must-shows of both runs: established sessions kept their p99 and lost nothing; server alive, no ERROR. */
function sessionsKept(base: number[], during: number[], failures: unknown[], server: FaultServer): boolean {
  const kept = verdict(
    "established sessions keep their p99 (<= 2x before + 250 ms), nothing lost",
    p99Kept(base, during) && failures.length === 0,
  );
  const errors = server.errorLines();
  return (
    verdict("server alive, no ERROR", server.alive && errors.length === 0, errors.slice(0, 2).join(" | ")) &&
    kept
  );
}

async function slowloris(): Promise<boolean> {
  const server = await FaultServer.start({
    network: `max_connections = ${slow + 200}\n`,
    extra: `[session]\nhello_timeout_secs = ${helloSecs}\nauth_timeout_secs = ${authSecs}\n`,
  });
  let probe: LatencyProbe | undefined;
  try {
    probe = await startLatencyProbe(server.port, PROBE_PAIRS, 20);
    const t0 = Date.now();
    await Bun.sleep(3_000);
    const t1 = Date.now();
    const hello = createClientHello().frame;
    const pre = Array.from({ length: Math.ceil(slow / 2) }, () =>
      trickle(server.port, hello, trickleSecs * 1000),
    );
    const keyed: Promise<{ ms: number; code?: number }>[] = [];
    for (let i = 0; i < Math.floor(slow / 2); i++) keyed.push(keyedTrickle(server.port, trickleSecs * 1000));
    const preEnds = await Promise.all(pre);
    const keyedEnds = await Promise.all(keyed);
    const t2 = Date.now();
    const base = probe.between(t0, t1);
    const during = probe.between(t1, t2);
    const failures = probe.failures();
    const preOk = preEnds.filter(
      (e) => within(e.ms, helloSecs) && plainErrorCode(e.firstBytes) === 101,
    ).length;
    const keyedOk = keyedEnds.filter((e) => within(e.ms, authSecs) && e.code === 101).length;
    const range = (ms: number[]) =>
      `${(Math.min(...ms) / 1000).toFixed(1)}–${(Math.max(...ms) / 1000).toFixed(1)} s`;
    console.log(
      `slowloris: ${slow} connections, one byte every ${trickleSecs} s; hello_timeout ${helloSecs} s, auth_timeout ${authSecs} s`,
    );
    console.log(
      `  before the ClientHello: ${preEnds.length}, closed after ${range(preEnds.map((e) => e.ms))}, with 101 timeout and on time: ${preOk}`,
    );
    console.log(
      `  after the handshake: ${keyedEnds.length}, closed after ${range(keyedEnds.map((e) => e.ms))}, with 101 timeout and on time: ${keyedOk}`,
    );
    console.log(
      `  established sessions: before ${latencyText(base)}; during ${latencyText(during)}; probe failures ${failures.length}`,
    );
    console.log(
      `  of which: the first 3 s (the connections opening, ${Math.floor(slow / 2)} handshakes) ${latencyText(probe.between(t1, t1 + 3_000))}; after them ${latencyText(probe.between(t1 + 3_000, t2))}`,
    );
    console.log(`  server alive ${server.alive}, RSS ${(server.rssKb() / 1024).toFixed(0)} MiB`);
    let met = verdict(
      "slow pre-hello connections closed at hello_timeout with 101",
      preOk === preEnds.length,
    );
    met =
      verdict("slow keyed connections closed at auth_timeout with 101", keyedOk === keyedEnds.length) && met;
    return sessionsKept(base, during, failures, server) && met;
  } finally {
    await probe?.stop();
    await server.kill();
  }
}

/** A connection that sends a ClientHello and reports whether the ServerHello came; held until `release`. */
function floodConnection(port: number, release: Promise<void>): Promise<"admitted" | "refused"> {
  return new Promise((resolve) => {
    let outcome: "admitted" | "refused" | undefined;
    const settle = (value: "admitted" | "refused") => {
      if (outcome !== undefined) return;
      outcome = value;
      resolve(value);
    };
    Bun.connect<undefined>({
      hostname: "127.0.0.1",
      port,
      socket: {
        open: (socket) => {
          socket.write(createClientHello().frame);
          void release.then(() => socket.end());
        },
        data: () => settle("admitted"),
        close: () => settle("refused"),
        error: () => settle("refused"),
      },
    }).catch(() => settle("refused"));
  });
}

async function flood(): Promise<boolean> {
  const server = await FaultServer.start({ network: `max_connections = ${floodMax}\n` });
  let probe: LatencyProbe | undefined;
  try {
    probe = await startLatencyProbe(server.port, PROBE_PAIRS, 20);
    const t0 = Date.now();
    await Bun.sleep(3_000);
    const t1 = Date.now();
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: floodMax * floodFactor }, () => floodConnection(server.port, released)),
    );
    const settledMs = performance.now() - started;
    await Bun.sleep(1_000);
    const t2 = Date.now();
    release();
    const admitted = outcomes.filter((o) => o === "admitted").length;
    const refused = outcomes.length - admitted;
    // After the flood: a new session is admitted again.
    await Bun.sleep(500);
    const after = await FaultClient.online(server.target, "after").then(
      (c) => {
        c.close();
        return true;
      },
      () => false,
    );
    const base = probe.between(t0, t1);
    const during = probe.between(t1, t2);
    const failures = probe.failures();
    const room = floodMax - 2 * PROBE_PAIRS;
    const log = server.output().match(/max_connections \(\d+\) reached|\d+ more connections refused/g) ?? [];
    console.log(
      `flood: ${outcomes.length} connections at once against max_connections ${floodMax} (${2 * PROBE_PAIRS} taken by established sessions)`,
    );
    console.log(
      `  admitted ${admitted}, refused ${refused} (all settled in ${(settledMs / 1000).toFixed(1)} s); refusal log lines ${log.length}; a new session afterwards ${after ? "admitted" : "NOT admitted"}`,
    );
    console.log(
      `  established sessions: before ${latencyText(base)}; during ${latencyText(during)}; probe failures ${failures.length}`,
    );
    console.log(`  server alive ${server.alive}, RSS ${(server.rssKb() / 1024).toFixed(0)} MiB`);
    let met = verdict(
      "admitted up to the limit, the rest refused",
      admitted <= room && admitted >= room - 5 && refused === outcomes.length - admitted,
    );
    met = verdict("served again after the flood", after) && met;
    return sessionsKept(base, during, failures, server) && met;
  } finally {
    await probe?.stop();
    await server.kill();
  }
}

let met = true;
try {
  met = (await slowloris()) && met;
  met = (await flood()) && met;
} catch (error) {
  console.log(`slowloris: failed: ${error instanceof Error ? error.stack : String(error)}`);
  met = false;
}
process.exit(met ? 0 : 1);
