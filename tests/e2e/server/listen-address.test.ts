import { expect, test } from "bun:test";
import { createServer } from "node:net";
import { tempDir } from "../../helpers/binary.ts";
import { listeningPort, writeConfig } from "../../helpers/server-config.ts";
import { startServer } from "../../helpers/server-process.ts";
import { connectClient } from "../../helpers/tcp-client.ts";

test('"::" with ipv6_enabled accepts IPv4 and IPv6; IPv4 peers are logged without ::ffff:', async () => {
  const dir = tempDir("norc-dual-");
  await writeConfig(dir.path, {
    network: { bind_address: "::", ipv6_enabled: true, port: 0 },
    tls: { enabled: false },
    logging: { level: "debug" },
  });
  const server = startServer(["start"], { cwd: dir.path });
  try {
    const port = listeningPort(await server.waitFor(/listening on \[::\]:\d+ \(TLS off\)/));
    const v4 = await connectClient(port);
    await server.waitFor(new RegExp(`accepted connection from 127\\.0\\.0\\.1:${v4.socket.localPort}$`));
    const v6 = await Bun.connect({ hostname: "::1", port, socket: { data() {} } });
    await server.waitFor(/accepted connection from \[::1\]:\d+$/);
    expect(server.output()).not.toContain("::ffff:");
    v4.socket.end();
    v6.end();
  } finally {
    await server.kill();
    dir.cleanup();
  }
});

test("a reload onto a port in use is rejected and the old listener keeps serving", async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
  const address = holder.address();
  const taken = typeof address === "object" && address ? address.port : 0;
  const dir = tempDir("norc-reload-bind-");
  const network = { bind_address: "127.0.0.1", port: 0 };
  await writeConfig(dir.path, { network, tls: { enabled: false } });
  const server = startServer(["start"], { cwd: dir.path });
  try {
    const port = listeningPort(await server.waitFor(/listening on/));
    await writeConfig(dir.path, { network: { ...network, port: taken }, tls: { enabled: false } });
    server.child.kill("SIGHUP");
    await server.waitFor(
      new RegExp(`ERROR .*reload rejected, nothing changed: cannot listen on 127\\.0\\.0\\.1:${taken}`),
    );
    const client = await connectClient(port);
    expect(client.isClosed()).toBe(false);
    client.socket.end();
  } finally {
    holder.close();
    await server.kill();
    dir.cleanup();
  }
});
