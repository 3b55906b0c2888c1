import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { NcpClientError } from "../../src/client/client-error.ts";
import type { ClientTiming, InboundMessage, Receipt } from "../../src/client/client-events.ts";
import { composeMessage, type DeviceKeys, deviceKeys } from "../../src/client/device-messaging.ts";
import type { DeviceSession } from "../../src/client/device-session.ts";
import { MessagingClient, type OutgoingMessage } from "../../src/client/messaging-client.ts";
import type { ConnectOptions } from "../../src/client/ncp-client.ts";
import { openDeviceSession, registerDevice } from "../../src/client/open-session.ts";
import { MemoryTrustStore } from "../../src/client/trust-store.ts";
import type { AckBody } from "../../src/protocol/ack.ts";
import { randomBytes, toHex, utf8 } from "../../src/protocol/bytes.ts";
import type { DirectoryEntry } from "../../src/protocol/directory.ts";
import { SendChain } from "../../src/protocol/send-chain.ts";
import { freePort } from "./binary.ts";
import { cli } from "./daemon-instance.ts";
import { writeConfig } from "./server-config.ts";

/** Client clocks short enough for a test (NCP-1's are 30 s resends and 1–60 s backoff). */
export const TEST_TIMING: Partial<ClientTiming> = {
  resendAfterMs: 1_000,
  requestTimeoutMs: 5_000,
  backoff: { baseMs: 50, maxMs: 400, jitter: 0.2 },
};

/** A text message's content (content type 1). */
export const textContent = (text: string) => ({
  contentType: 1,
  metadata: [] as [string, string][],
  body: utf8(text),
});

/** One conversation id for every test message. */
export const CONVERSATION = new Uint8Array(32).fill(7);

/** A daemon instance (plain TCP, open registration, json log in server.log) and how to reach it. */
export interface MessagingInstance {
  dir: string;
  port: number;
  metricsPort: number;
  server: ConnectOptions;
  /** The server's log so far, one parsed json object per line. */
  log: () => Record<string, unknown>[];
  /** Rewrites config.toml with the same base and these extra sections (then `reload` or restart). */
  configure: (extra: Record<string, Record<string, unknown>>) => Promise<void>;
}

/** Writes the config of an instance in `dir` and starts it with `start -d` (supervised when `auto_restart`). */
export async function startMessagingInstance(
  dir: string,
  extra: Record<string, Record<string, unknown>> = {},
): Promise<MessagingInstance> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const configure = async (more: Record<string, Record<string, unknown>>) => {
    const base: Record<string, Record<string, unknown>> = {
      network: { bind_address: "127.0.0.1", port, shutdown_timeout_secs: 5 },
      tls: { enabled: false },
      logging: { file: "./server.log", format: "json", level: "info" },
      daemon: { pid_file: "./run/norc.pid" },
      metrics: { enabled: true, port: metricsPort },
      registration: { policy: "open" },
      // every device of a test registers from 127.0.0.1 (NCP-1: 3 per hour and source address)
      limits: { registrations_per_hour: 3600, registrations_burst: 100 },
    };
    for (const [section, values] of Object.entries(more)) base[section] = { ...base[section], ...values };
    await writeConfig(dir, base);
  };
  await configure(extra);
  const started = await cli(dir, "start", "-d", "-c", "config.toml");
  if (started.exitCode !== 0) throw new Error(`start failed: ${started.stderr}${started.stdout}`);
  const server: ConnectOptions = { host: "127.0.0.1", port, trustStore: new MemoryTrustStore() };
  const log = () => readLog(join(dir, "server.log"));
  return { dir, port, metricsPort, server, log, configure };
}

function readLog(file: string): Record<string, unknown>[] {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The text of /metrics. */
export async function scrape(metricsPort: number): Promise<string> {
  return await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
}

/** The value of the sample `name{labels}` (the whole text before the value), or undefined. */
export function metric(text: string, name: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** A new device key registered (open policy: active) under `userId`. */
export async function registeredDevice(server: ConnectOptions, userId: string): Promise<DeviceKeys> {
  const keys = deviceKeys(randomBytes(32));
  const { outcome } = await registerDevice(server, keys, { userId, deviceInfo: `${userId}'s test device` });
  if (outcome !== "active") throw new Error(`registration of ${userId} is ${outcome}`);
  return keys;
}

/** A MessagingClient and what it reported (messages, receipts, sessions, problems). */
export interface Peer {
  keys: DeviceKeys;
  client: MessagingClient;
  messages: InboundMessage[];
  receipts: Receipt[];
  /** Sessions authenticated (1 + reconnects). */
  online: number;
  offline: NcpClientError[];
  problems: Error[];
}

/** A client for `keys` (not started) that collects what it reports. */
export function peer(server: ConnectOptions, keys: DeviceKeys, timing = TEST_TIMING): Peer {
  const client = new MessagingClient({ server, keys, timing });
  const seen: Peer = { keys, client, messages: [], receipts: [], online: 0, offline: [], problems: [] };
  client.events.message = (message) => seen.messages.push(message);
  client.events.receipt = (receipt) => seen.receipts.push(receipt);
  client.events.online = () => seen.online++;
  client.events.offline = (error) => seen.offline.push(error);
  client.events.problem = (error) => seen.problems.push(error);
  return seen;
}

/** The active directory entry of `keys`' device, looked up by `from` (kind 1). */
export async function entryOf(from: MessagingClient, keys: DeviceKeys): Promise<DirectoryEntry> {
  const [entry] = await from.lookup({ kind: 1, deviceIds: [keys.deviceId] });
  if (entry === undefined) throw new Error("no directory entry");
  return entry;
}

/** Sends `count` texts "`prefix` i" from `from` to `to`; the returned messages resolve on status 0. */
export function sendTexts(from: Peer, to: DirectoryEntry, prefix: string, count: number): OutgoingMessage[] {
  return Array.from({ length: count }, (_, i) =>
    from.client.send(to, textContent(`${prefix} ${i}`), CONVERSATION),
  );
}

/** A raw authenticated DeviceSession (no resends, no reconnects): every status 0 and refusal it got. */
export interface RawSession {
  session: DeviceSession;
  accepted: string[];
  refusals: NcpClientError[];
  closedBy: () => NcpClientError | undefined;
  /** Composes and writes one 0x10 to `to` on this session's chain; returns its message id (hex). */
  send: (to: DirectoryEntry, text: string) => string;
}

/** Opens and authenticates a session of `keys` whose pushes are ignored. */
export async function rawSession(server: ConnectOptions, keys: DeviceKeys): Promise<RawSession> {
  const session = await openDeviceSession(server, keys, { requestTimeoutMs: 5_000, pingIntervalMs: 60_000 });
  const raw: RawSession = {
    session,
    accepted: [],
    refusals: [],
    closedBy: () => session.connection.endedBy(),
    send: (to, text) => {
      const { inner, messageId } = composeMessage(keys, to, {
        conversation: CONVERSATION,
        content: textContent(text),
        chain,
        pad: "PAD-PROFILE-1",
      });
      session.send(inner);
      return toHex(messageId);
    },
  };
  const chain = new SendChain();
  session.handlers.ack = (ack: AckBody) => {
    if (ack.status === 0) raw.accepted.push(toHex(ack.refMessageId));
  };
  session.handlers.refusal = (error) => raw.refusals.push(error);
  await session.authenticate();
  return raw;
}
