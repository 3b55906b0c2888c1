import { afterEach, expect, test } from "bun:test";
import { connect, createServer, type Server as NetServer, type Socket } from "node:net";
import type { Config } from "../../../src/config/schema.ts";
import { defaultConfig } from "../../../src/config/schema.ts";
import { Server } from "../../../src/server/server.ts";
import type { SessionFactory } from "../../../src/session/transport.ts";
import { freePort } from "../../helpers/binary.ts";
import { memoryLogger } from "../../helpers/memory-logger.ts";

let server: Server | undefined;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await server?.shutdown("now");
  server = undefined;
});

/** Echoes every chunk back: shows a connection is alive and served. */
const echo: SessionFactory = (context) => ({
  onData: (bytes) => context.send(bytes),
  onShutdown: () => context.close("bye"),
  onClose: () => {},
});

function plainConfig(port: number): Config {
  const config = defaultConfig();
  config.network.bind_address = "127.0.0.1";
  config.network.port = port;
  config.tls.enabled = false;
  return config;
}

async function open(port: number): Promise<Socket> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.on("error", reject);
  });
  cleanups.push(() => socket.destroy());
  return socket;
}

async function echoes(socket: Socket, text: string): Promise<string> {
  socket.write(text);
  return await new Promise((resolve) => socket.once("data", (data) => resolve(data.toString())));
}

async function refused(port: number): Promise<boolean> {
  try {
    (await open(port)).destroy();
    return false;
  } catch {
    return true;
  }
}

function holdPort(port: number): Promise<NetServer> {
  return new Promise((resolve) => {
    const holder = createServer();
    holder.listen(port, "127.0.0.1", () => resolve(holder));
    cleanups.push(() => holder.close());
  });
}

test("reload builds the next generation, starts it, swaps, and stops the old one; connections stay", async () => {
  const logger = memoryLogger();
  const [first, second] = [await freePort(), await freePort()];
  let next = plainConfig(first);
  const reloaded: Config[] = [];
  server = Server.start({
    config: next,
    logger,
    sessionFactory: echo,
    reloadConfig: async () => next,
    onReloaded: (config) => reloaded.push(config),
  });
  const client = await open(first);
  expect(await echoes(client, "before")).toBe("before");

  next = plainConfig(second);
  next.network.max_connections = 7;
  const outcome = await server.reload();
  expect(outcome).toEqual({
    result: "applied",
    changedKeys: ["network.port", "network.max_connections"],
    restartKeys: [],
  });
  expect(server.listen.port).toBe(second);
  expect(server.registry.limits.maxConnections).toBe(7);
  expect(reloaded.map((config) => config.network.port)).toEqual([second]);
  expect(await refused(first)).toBe(true);
  expect(await echoes(await open(second), "new port")).toBe("new port");
  expect(await echoes(client, "still here")).toBe("still here");
  expect(logger.lines).toContain(`INFO listening on 127.0.0.1:${second} (TLS off)`);
});

test("a generation that cannot start is rolled back: the old one keeps serving, nothing changed", async () => {
  const logger = memoryLogger();
  const [port, taken, metricsTaken] = [await freePort(), await freePort(), await freePort()];
  await holdPort(taken);
  await holdPort(metricsTaken);
  let next = plainConfig(port);
  server = Server.start({ config: next, logger, sessionFactory: echo, reloadConfig: async () => next });
  const client = await open(port);

  next = plainConfig(taken);
  const portInUse = await server.reload();
  expect(portInUse.result).toBe("rejected");

  next = plainConfig(port);
  next.network.max_connections = 3;
  next.metrics.enabled = true;
  next.metrics.port = metricsTaken;
  const metricsInUse = await server.reload();
  expect(metricsInUse.result).toBe("rejected");
  expect(JSON.stringify(metricsInUse)).toContain("address already in use");

  expect(server.config().network.max_connections).toBe(defaultConfig().network.max_connections);
  expect(server.registry.limits.maxConnections).toBe(defaultConfig().network.max_connections);
  expect(server.stats.reloadsFailed).toBe(2);
  expect(await echoes(client, "alive")).toBe("alive");
  expect(await echoes(await open(port), "accepting")).toBe("accepting");
  expect(
    logger.lines.filter((line) => line.startsWith("ERROR reload rejected, nothing changed")).length,
  ).toBe(2);
});

test("a log file the new config names but that cannot be opened: rejected and logged, the new listener released", async () => {
  const base = memoryLogger();
  const logger = {
    ...base,
    configure(options: { file?: string }) {
      if (options.file !== undefined) throw new Error(`cannot open log file "${options.file}" (ENOENT)`);
    },
  };
  const [port, moved] = [await freePort(), await freePort()];
  let next = plainConfig(port);
  server = Server.start({ config: next, logger, sessionFactory: echo, reloadConfig: async () => next });
  next = plainConfig(moved);
  next.logging.file = "/nonexistent/server.log";
  const outcome = await server.reload();
  expect(outcome).toEqual({
    result: "rejected",
    problems: ['cannot open log file "/nonexistent/server.log" (ENOENT)'],
  });
  expect(base.lines).toContain(
    'ERROR reload rejected, nothing changed: cannot open log file "/nonexistent/server.log" (ENOENT)',
  );
  expect(server.listen.port).toBe(port);
  expect(await refused(moved)).toBe(true);
  expect(await echoes(await open(port), "still")).toBe("still");
});

test("an unchanged listener and metrics endpoint are taken over by the next generation, not rebound", async () => {
  const logger = memoryLogger();
  const [port, metricsPort] = [await freePort(), await freePort()];
  let next = plainConfig(port);
  next.metrics.enabled = true;
  next.metrics.bind_address = "127.0.0.1";
  next.metrics.port = metricsPort;
  server = Server.start({ config: next, logger, sessionFactory: echo, reloadConfig: async () => next });
  next = structuredClone(next);
  next.logging.level = "debug";
  expect(await server.reload()).toEqual({
    result: "applied",
    changedKeys: ["logging.level"],
    restartKeys: [],
  });
  expect(logger.lines.filter((line) => line.includes("listening on")).length).toBe(1);
  expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(200);
  expect(await echoes(await open(port), "same listener")).toBe("same listener");
});
