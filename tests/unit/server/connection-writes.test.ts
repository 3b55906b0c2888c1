import { afterEach, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { connect, type Socket } from "node:net";
import { defaultConfig } from "../../../src/config/schema.ts";
import { Server } from "../../../src/server/server.ts";
import type { ServerHandle } from "../../../src/server/server-handle.ts";
import type { OutboundLimits, SessionFactory } from "../../../src/session/transport.ts";
import { memoryLogger } from "../../helpers/memory-logger.ts";

const MiB = 1024 * 1024;
let handle: ServerHandle | undefined;
let client: Socket | undefined;
afterEach(async () => {
  client?.destroy();
  await handle?.shutdown("now");
});

/** A plain server on 127.0.0.1 whose handler answers the first byte received with `reply()`. */
async function serve(reply: () => Uint8Array[], limits?: OutboundLimits) {
  const logger = memoryLogger();
  const config = defaultConfig();
  config.network.bind_address = "127.0.0.1";
  config.network.port = 0;
  config.tls.enabled = false;
  const factory: SessionFactory = (context) => {
    if (limits !== undefined) context.limitOutbound(() => limits);
    return {
      onData: () => {
        for (const chunk of reply()) context.send(chunk);
      },
      onShutdown: () => context.close("bye"),
      onClose: () => {},
    };
  };
  handle = Server.start({ config, logger, sessionFactory: factory, reloadConfig: async () => config });
  return { port: handle.listen.port, logger };
}

test("a large reply written partially is delivered whole and in order (buffered until drain)", async () => {
  const chunks = Array.from({ length: 6 }, (_, i) => new Uint8Array(MiB).fill(i + 1));
  const expected = createHash("sha256");
  for (const chunk of chunks) expected.update(chunk);
  const { port } = await serve(() => chunks);
  const received = createHash("sha256");
  let length = 0;
  await new Promise<void>((resolve, reject) => {
    client = connect(port, "127.0.0.1", () => client?.write("go"));
    client.on("data", (data) => {
      received.update(data);
      length += data.length;
      if (length >= 6 * MiB) resolve();
    });
    client.on("error", reject);
  });
  expect(length).toBe(6 * MiB);
  expect(received.digest("hex")).toBe(expected.digest("hex"));
});

test("a peer that does not read is closed once more than 8 MiB wait unsent", async () => {
  const { port, logger } = await serve(() => Array.from({ length: 12 }, () => new Uint8Array(MiB)));
  await new Promise<void>((resolve) => {
    client = connect(port, "127.0.0.1", () => {
      client?.pause();
      client?.write("go");
    });
    client.on("close", () => resolve());
    client.on("error", () => {});
  });
  expect(logger.lines.some((line) => line.startsWith("WARN") && line.includes("bytes unsent"))).toBe(true);
  expect(handle?.status().connections).toBe(0);
});

/** Connects, asks for the reply and never reads; resolves when the server closed the connection. */
function neverRead(port: number): Promise<void> {
  return new Promise<void>((resolve) => {
    client = connect(port, "127.0.0.1", () => {
      client?.pause();
      client?.write("go");
    });
    client.on("close", () => resolve());
    client.on("error", () => {});
  });
}

const megabytes = (count: number) => Array.from({ length: count }, () => new Uint8Array(MiB));

test("the session's outbound_max_frames: more frames unsent than allowed closes the connection", async () => {
  const limits = { maxBytes: 1024 * MiB, maxFrames: 5, stallMs: 60_000 };
  const { port, logger } = await serve(() => megabytes(32), limits);
  await neverRead(port);
  expect(
    logger.lines.some((line) => line.startsWith("WARN") && line.includes("more than 5 frames unsent")),
  ).toBe(true);
});

test("the session's write_stall_timeout: nothing written for stallMs closes the connection", async () => {
  const limits = { maxBytes: 1024 * MiB, maxFrames: 1000, stallMs: 300 };
  const { port, logger } = await serve(() => megabytes(32), limits);
  await neverRead(port);
  expect(
    logger.lines.some(
      (line) => line.startsWith("WARN") && line.includes("nothing could be written for 300 ms"),
    ),
  ).toBe(true);
});

test("the session's outbound_max_bytes replaces the built-in 8 MiB: 24 MiB may wait for a reader", async () => {
  const limits = { maxBytes: 64 * MiB, maxFrames: 1000, stallMs: 60_000 };
  const { port, logger } = await serve(() => megabytes(24), limits);
  let length = 0;
  await new Promise<void>((resolve, reject) => {
    client = connect(port, "127.0.0.1", () => {
      client?.pause();
      client?.write("go");
      setTimeout(() => client?.resume(), 300);
    });
    client.on("data", (data) => {
      length += data.length;
      if (length >= 24 * MiB) resolve();
    });
    client.on("error", reject);
  });
  expect(length).toBe(24 * MiB);
  expect(logger.lines.filter((line) => line.startsWith("WARN"))).toEqual([]);
});
