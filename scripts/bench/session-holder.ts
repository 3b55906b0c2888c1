/**
 * A client process of scripts/bench-sessions.ts: registers COUNT devices and keeps one idle
 * authenticated TLS session each (client library: DeviceSession, register then 0x03 on the same
 * connection), prints "held N failed F". On the line "storm" it expects every session to drop
 * (the server is restarted) and reconnects each device with the §9 backoff (reconnect-policy),
 * then prints one JSON line: when each device was authenticated again (epoch ms) and the attempts.
 * Usage: session-holder PORT COUNT NAME
 */
import { NcpClientError } from "../../src/client/client-error.ts";
import { type DeviceKeys, deviceKeys } from "../../src/client/device-messaging.ts";
import type { DeviceSession } from "../../src/client/device-session.ts";
import { openDeviceSession } from "../../src/client/open-session.ts";
import { reconnectDecision } from "../../src/client/reconnect-policy.ts";
import { randomBytes } from "../../src/protocol/bytes.ts";

const [port = "0", count = "0", name = "h"] = process.argv.slice(2);
const server = { host: "127.0.0.1", port: Number(port), tls: { insecure: true }, timeoutMs: 60_000 };
const TIMING = { requestTimeoutMs: 60_000, pingIntervalMs: 3_600_000 };
const CONCURRENCY = 32;

interface Held {
  keys: DeviceKeys;
  session?: DeviceSession;
  closed: Promise<void>;
}

async function hold(index: number): Promise<Held> {
  const keys = deviceKeys(randomBytes(32));
  const session = await openDeviceSession(server, keys, TIMING);
  if ((await session.register({ userId: `${name}-${index}`, deviceInfo: "bench" })) !== 0) {
    throw new Error("registration is not active");
  }
  await session.authenticate();
  return { keys, session, closed: session.connection.closed.then(() => {}) };
}

/** Reconnects one device until it is authenticated again; its time (epoch ms) and attempts. */
async function reconnect(held: Held): Promise<{ atMs: number; attempts: number }> {
  await held.closed;
  for (let attempt = 0; ; attempt++) {
    const error = new NcpClientError("closed", "the connection ended");
    const decision = reconnectDecision(error, { phase: "session", attempt });
    if (!decision.reconnect) throw new Error(decision.why);
    await Bun.sleep(decision.delayMs);
    try {
      const session = await openDeviceSession(server, held.keys, TIMING);
      await session.authenticate();
      held.session = session;
      return { atMs: Date.now(), attempts: attempt + 1 };
    } catch {
      // the server is not back yet (refused, reset): the next attempt waits longer
    }
  }
}

const helds: Held[] = [];
let failed = 0;
let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < Number(count)) {
      const index = next++;
      try {
        helds.push(await hold(index));
      } catch {
        failed++;
      }
    }
  }),
);
console.log(`held ${helds.length} failed ${failed}`);
for await (const line of console) {
  if (line.trim() !== "storm") continue;
  const results = await Promise.all(helds.map(reconnect));
  console.log(JSON.stringify({ atMs: results.map((r) => r.atMs), attempts: results.map((r) => r.attempts) }));
  break;
}
process.exit(0);
