import { afterEach, expect, test } from "bun:test";
import { connect, type Socket as NetSocket } from "node:net";
import type { Socket } from "bun";
import { defaultConfig } from "../../../src/config/schema.ts";
import { Connection, type SocketData } from "../../../src/server/connection.ts";
import { Server } from "../../../src/server/server.ts";
import type { ServerHandle } from "../../../src/server/server-handle.ts";
import { ServerStats } from "../../../src/server/server-stats.ts";
import type { SessionFactory } from "../../../src/session/transport.ts";
import { memoryLogger } from "../../helpers/memory-logger.ts";

let handle: ServerHandle | undefined;
let client: NetSocket | undefined;
afterEach(async () => {
  client?.destroy();
  await handle?.shutdown("now");
  handle = undefined;
});

/** A socket that records each write() the connection makes: one entry per syscall-level write. */
function recordingSocket(writes: Uint8Array[]): Socket<SocketData> {
  const socket = {
    write: (bytes: Uint8Array) => {
      writes.push(bytes.slice());
      return bytes.length;
    },
    end: () => {},
    terminate: () => {},
    getTLSVersion: () => "",
  };
  return socket as unknown as Socket<SocketData>;
}

test("everything a handler sends during one event goes out in one write", () => {
  const writes: Uint8Array[] = [];
  const connection = new Connection(
    recordingSocket(writes),
    "127.0.0.1:1",
    false,
    memoryLogger(),
    new ServerStats(),
  );
  connection.establish((context) => ({
    onData: (bytes) => {
      for (const byte of bytes) context.send(new Uint8Array([byte, byte]));
    },
    onShutdown: () => {},
    onClose: () => {},
  }));
  connection.receive(new Uint8Array([1, 2, 3, 4, 5]));
  expect(writes.length).toBe(1);
  expect([...(writes[0] ?? [])]).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  connection.receive(new Uint8Array([9]));
  expect(writes.length).toBe(2);
  expect([...(writes[1] ?? [])]).toEqual([9, 9]);
});

test("/readyz answers 503 while a graceful shutdown drains, /healthz stays 200", async () => {
  const logger = memoryLogger();
  const config = defaultConfig();
  config.network.bind_address = "127.0.0.1";
  config.network.port = 0;
  config.tls.enabled = false;
  config.metrics.enabled = true;
  config.metrics.port = 0;
  let held: { close: (reason: string) => void } | undefined;
  const factory: SessionFactory = (context) => {
    held = context;
    return { onData: () => {}, onShutdown: () => {}, onClose: () => {} };
  };
  handle = Server.start({ config, logger, sessionFactory: factory, reloadConfig: async () => config });
  const metricsLine = logger.lines.find((line) => line.includes("metrics on http://")) ?? "";
  const metricsUrl = (metricsLine.match(/http:\/\/\S+?(?=\/metrics)/) ?? [""])[0];
  expect((await fetch(`${metricsUrl}/readyz`)).status).toBe(200);

  await new Promise<void>((resolve, reject) => {
    client = connect(handle?.listen.port ?? 0, "127.0.0.1", () => resolve());
    client.on("error", reject);
  });
  while (held === undefined) await Bun.sleep(10);
  const stopping = handle.shutdown("graceful");
  expect((await fetch(`${metricsUrl}/readyz`)).status).toBe(503);
  expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(200);
  held.close("test done");
  await stopping;
});
