import { formatHostPort } from "../util/host-port.ts";
import { NcpClientError } from "./client-error.ts";
import type { ConnectionInfo } from "./client-protocol.ts";
import { type ConnectOptions, connectNcp } from "./ncp-client.ts";

/** What a successful probe measured. */
export interface ProbeReport {
  target: string;
  info: ConnectionInfo;
  pings: number;
  rtt: { min: number; avg: number; max: number };
  offsetMs: number;
}

/** A probe's result, with the JSON object `probe --json` prints. */
export type ProbeOutcome =
  | { ok: true; target: string; report: ProbeReport; json: Record<string, unknown> }
  | { ok: false; target: string; error: NcpClientError; json: Record<string, unknown> };

/** Connects, completes the handshake, sends `count` TimeSync pings one after another, and closes. */
export async function probeServer(options: ConnectOptions, count: number): Promise<ProbeOutcome> {
  const target = formatHostPort(options.host, options.port);
  try {
    const connection = await connectNcp(options);
    const rtts: number[] = [];
    let offsetMs = 0;
    try {
      for (let i = 0; i < count; i++) {
        const ping = await connection.ping(10_000);
        rtts.push(ping.rttMs);
        offsetMs = ping.offsetMs;
      }
    } finally {
      connection.close();
    }
    const rtt = {
      min: Math.min(...rtts),
      avg: rtts.reduce((a, b) => a + b, 0) / rtts.length,
      max: Math.max(...rtts),
    };
    const report: ProbeReport = { target, info: connection.info, pings: count, rtt, offsetMs };
    const { info } = report;
    const json = {
      ok: true,
      target,
      version: info.version,
      algset: info.algset,
      fingerprint: info.fingerprint,
      identity: info.identityCheck,
      tls: info.tlsVersion ?? null,
      pings: count,
      rtt_ms: rtt,
      clock_offset_ms: offsetMs,
    };
    return { ok: true, target, report, json };
  } catch (error) {
    const failure = error instanceof NcpClientError ? error : new NcpClientError("protocol", String(error));
    const json = {
      ok: false,
      target,
      kind: failure.kind,
      code: failure.code ?? null,
      error: failure.message,
    };
    return { ok: false, target, error: failure, json };
  }
}
