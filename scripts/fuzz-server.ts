import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "bun";
import { connectNcp } from "../src/client/ncp-client.ts";
import { randomBytes } from "../src/protocol/bytes.ts";
import { createClientHello, finishClientHandshake } from "../src/protocol/client-handshake.ts";
import { FrameReader } from "../src/protocol/frame-reader.ts";
import { buildFrame, PREAUTH_MAX_FRAME } from "../src/protocol/header.ts";
import { RecordCipher } from "../src/protocol/record.ts";
import { startServer } from "../tests/helpers/server-process.ts";

/** What a fuzz run did and whether other clients were served throughout. */
export interface FuzzStats {
  framesSent: number;
  connections: number;
  canaryOk: number;
  canaryFailed: number;
  canaryErrors: string[];
  seconds: number;
}

const TYPES = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x10, 0x11, 0x20, 0x30, 0x31, 0x33, 0xff];

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)] as T;
}

function mutate(bytes: Uint8Array): Uint8Array {
  const out = Math.random() < 0.2 ? bytes.slice(0, Math.floor(Math.random() * bytes.length)) : bytes.slice();
  const flips = 1 + Math.floor(Math.random() * 4);
  for (let i = 0; i < flips && out.length > 0; i++)
    out[Math.floor(Math.random() * out.length)] = Math.floor(Math.random() * 256);
  return out;
}

/** A random inner frame: a plausible type with a random or empty body (length field kept consistent). */
function randomInner(): Uint8Array {
  const size = pick([0, 16, 64, 100, 128, 200, 1000]);
  const body = Math.random() < 0.3 ? new Uint8Array(size) : randomBytes(size);
  const type = Math.random() < 0.9 ? pick(TYPES) : Math.floor(Math.random() * 256);
  return buildFrame(
    {
      version: 1,
      type,
      flags: Math.floor(Math.random() * 4) & 2,
      timestampMs: BigInt(Date.now()),
      messageId: randomBytes(32),
    },
    body,
  );
}

/** Pre-handshake garbage: a mutated ClientHello, random bytes, or an extreme length field. */
function rawFrame(): Uint8Array {
  const roll = Math.random();
  if (roll < 0.6) return mutate(createClientHello().frame);
  if (roll < 0.8) return randomBytes(1 + Math.floor(Math.random() * 300));
  const header = randomBytes(48);
  new DataView(header.buffer).setUint32(4, pick([0, 47, 48, 16_385, 0xffffffff, 4_198_401]));
  return header;
}

/** One connection: connect, optionally handshake, then write `count` fuzzed frames; resolves when closed. */
function fuzzConnection(host: string, port: number, count: number, keyed: boolean): Promise<number> {
  return new Promise((resolve) => {
    const hello = createClientHello();
    const reader = new FrameReader();
    let sent = 0;
    let done = false;
    const finish = (socket?: Socket<undefined>) => {
      if (done) return;
      done = true;
      socket?.end();
      resolve(sent);
    };
    const sendRaw = (socket: Socket<undefined>) => {
      for (let i = 0; i < count; i++) socket.write(rawFrame());
      sent += count;
      setTimeout(() => finish(socket), 50);
    };
    Bun.connect<undefined>({
      hostname: host,
      port,
      socket: {
        open: (socket) => {
          if (keyed) socket.write(hello.frame);
          else sendRaw(socket);
        },
        data: (socket, data) => {
          if (!keyed || done || sent > 0) return;
          reader.push(data.slice());
          const outcome = reader.next(PREAUTH_MAX_FRAME);
          if (outcome.kind !== "frame") {
            finish(socket);
            return;
          }
          try {
            const handshake = finishClientHandshake(hello, outcome.frame);
            const tx = new RecordCipher(handshake.keys.clientToServer, handshake.th);
            for (let i = 0; i < count; i++) {
              const inner = Math.random() < 0.5 ? randomInner() : mutate(randomInner());
              socket.write(Math.random() < 0.9 && inner.length >= 48 ? tx.seal(inner) : inner);
            }
            sent += count;
            setTimeout(() => finish(socket), 50);
          } catch {
            finish(socket);
          }
        },
        close: () => finish(),
        error: () => finish(),
      },
    }).catch(() => finish());
  });
}

/** Sends `frames` fuzzed frames over many connections while a canary client handshakes and pings every 200 ms. */
export async function fuzzServer(options: {
  host: string;
  port: number;
  frames: number;
  concurrency?: number;
}): Promise<FuzzStats> {
  const started = performance.now();
  const stats: FuzzStats = {
    framesSent: 0,
    connections: 0,
    canaryOk: 0,
    canaryFailed: 0,
    canaryErrors: [],
    seconds: 0,
  };
  let running = true;
  const canary = (async () => {
    while (running) {
      try {
        const connection = await connectNcp({ host: options.host, port: options.port, timeoutMs: 5_000 });
        await connection.ping(5_000);
        connection.close();
        stats.canaryOk++;
      } catch (error) {
        stats.canaryFailed++;
        if (stats.canaryErrors.length < 5) stats.canaryErrors.push(String(error));
      }
      await Bun.sleep(200);
    }
  })();
  const worker = async () => {
    while (stats.framesSent < options.frames) {
      const count = Math.min(1 + Math.floor(Math.random() * 10), options.frames - stats.framesSent);
      stats.framesSent += count;
      stats.connections++;
      await fuzzConnection(options.host, options.port, count, Math.random() < 0.6);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 50 }, worker));
  running = false;
  await canary;
  stats.seconds = (performance.now() - started) / 1000;
  return stats;
}

/** Starts the compiled server (plain TCP) in a temp dir; returns its port and a stop function. */
async function startCompiledServer(): Promise<{ port: number; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "norc-fuzz-"));
  writeFileSync(
    join(dir, "config.toml"),
    '[tls]\nenabled = false\n[network]\nbind_address = "127.0.0.1"\nport = 0\nmax_connections = 5000\n[limits]\nhandshakes_burst = 1000000\nhandshakes_per_minute = 1000000\n',
  );
  const server = startServer(["-c", join(dir, "config.toml")], { cwd: dir });
  const line = await server.waitFor(/listening on 127\.0\.0\.1:\d+/);
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
  return {
    port,
    stop: async () => {
      const errors = server
        .output()
        .split("\n")
        .filter((l) => /ERROR/.test(l));
      if (errors.length > 0) console.error(errors.join("\n"));
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Usage: bun scripts/fuzz-server.ts [HOST:PORT | -] [FRAMES=100000]
// "-" or no target: starts dist/norc-server (plain TCP) itself (run `bun run build` first).
if (import.meta.main) {
  const [target, framesText] = Bun.argv.slice(2);
  const own = target === undefined || target === "-" ? await startCompiledServer() : undefined;
  const [host, port] = own ? ["127.0.0.1", String(own.port)] : (target as string).split(":");
  try {
    const stats = await fuzzServer({
      host: host as string,
      port: Number(port),
      frames: Number(framesText ?? 100_000),
    });
    console.log(JSON.stringify(stats, null, 2));
    process.exitCode = stats.canaryFailed === 0 && stats.canaryOk > 0 ? 0 : 1;
  } finally {
    await own?.stop();
  }
}
