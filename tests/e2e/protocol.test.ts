import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { NcpClientError } from "../../src/client/client-error.ts";
import { connectNcp } from "../../src/client/ncp-client.ts";
import { randomBytes } from "../../src/protocol/bytes.ts";
import { createClientHello, finishClientHandshake } from "../../src/protocol/client-handshake.ts";
import { buildFrame, FrameType } from "../../src/protocol/header.ts";
import { RecordCipher } from "../../src/protocol/record.ts";
import { freePort, runBinary, tempDir } from "../helpers/binary.ts";
import { type RunningNcpServer, startNcpServer } from "./protocol-server.ts";

const INDEPENDENT_CLIENT = resolve(import.meta.dir, "../fixtures/independent-client.mjs");
const tlsDir = tempDir();
const plainDir = tempDir();
let tlsServer: RunningNcpServer;
let plainServer: RunningNcpServer;

beforeAll(async () => {
  [tlsServer, plainServer] = await Promise.all([
    startNcpServer(tlsDir.path),
    startNcpServer(plainDir.path, { plain: true }),
  ]);
});

afterAll(async () => {
  await Promise.all([tlsServer?.process.kill(), plainServer?.process.kill()]);
  tlsDir.cleanup();
  plainDir.cleanup();
});

/** Raw bytes the server sends on a socket until it closes (or `ms` pass). */
async function exchange(
  port: number,
  script: (write: (b: Uint8Array) => void, received: () => Uint8Array[]) => Promise<void>,
  ms = 5_000,
) {
  const chunks: Uint8Array[] = [];
  let closed = false;
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_s, data) => {
        chunks.push(data.slice());
      },
      close: () => {
        closed = true;
      },
    },
  });
  await script(
    (bytes) => socket.write(bytes),
    () => chunks,
  );
  const deadline = Date.now() + ms;
  while (!closed && Date.now() < deadline) await Bun.sleep(20);
  socket.end();
  return { chunks, closed };
}

async function waitForBytes(received: () => Uint8Array[], count: number): Promise<Uint8Array> {
  for (let i = 0; i < 250; i++) {
    const all = Buffer.concat(received());
    if (all.length >= count) return new Uint8Array(all);
    await Bun.sleep(20);
  }
  throw new Error("timed out waiting for the server");
}

describe("client library against the compiled server", () => {
  test("TLS (self-signed, insecure) and plain TCP: handshake with the logged fingerprint pinned, pings", async () => {
    const overTls = await connectNcp({
      host: "127.0.0.1",
      port: tlsServer.port,
      tls: { insecure: true },
      pin: tlsServer.fingerprint,
    });
    expect(overTls.info.tlsVersion).toBe("TLSv1.3");
    expect(overTls.info.version).toBe("1.0.0");
    await overTls.ping();
    overTls.close();
    const plain = await connectNcp({
      host: "127.0.0.1",
      port: plainServer.port,
      pin: plainServer.fingerprint,
    });
    expect(plain.info.tlsVersion).toBeUndefined();
    await plain.ping();
    plain.close();
  });

  test("a wrong pinned key is refused by the client", async () => {
    const error = await connectNcp({ host: "127.0.0.1", port: plainServer.port, pin: "00".repeat(32) }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(NcpClientError);
    expect(error.message).toContain("server identity changed");
  });

  test("a tampered record makes the server close without sending anything", async () => {
    const hello = createClientHello();
    let serverHelloLength = 0;
    const { chunks, closed } = await exchange(plainServer.port, async (write, received) => {
      write(hello.frame);
      const head = await waitForBytes(received, 8);
      serverHelloLength = new DataView(head.buffer).getUint32(4);
      const serverHello = (await waitForBytes(received, serverHelloLength)).slice(0, serverHelloLength);
      const done = finishClientHandshake(hello, serverHello, undefined);
      const record = new RecordCipher(done.keys.clientToServer, done.th).seal(
        buildFrame(
          {
            version: 1,
            type: FrameType.timeSync,
            flags: 0,
            timestampMs: BigInt(Date.now()),
            messageId: randomBytes(32),
          },
          new Uint8Array(0),
        ),
      );
      record[50] = (record[50] as number) ^ 0xff;
      write(record);
    });
    expect(closed).toBe(true);
    expect(Buffer.concat(chunks).length).toBe(serverHelloLength);
  });

  test("a garbage first frame gets a plaintext Error 101 and a close", async () => {
    const garbage = new Uint8Array(64);
    new DataView(garbage.buffer).setUint32(4, 64);
    garbage[1] = 1;
    garbage[2] = 0x33;
    const { chunks, closed } = await exchange(plainServer.port, async (write) => write(garbage));
    const reply = Buffer.concat(chunks);
    expect(closed).toBe(true);
    expect(reply[2]).toBe(0xff);
    expect(reply.readUInt16BE(48)).toBe(101);
  });

  test("an independent Node.js client written from NCP-1.md completes the handshake and pings (plain and TLS)", async () => {
    for (const server of [plainServer, tlsServer]) {
      const args = [
        INDEPENDENT_CLIENT,
        "127.0.0.1",
        String(server.port),
        "--pin",
        server.fingerprint,
        "--pings",
        "3",
      ];
      if (server === tlsServer) args.push("--tls");
      const child = Bun.spawn(["node", ...args], { stdout: "pipe", stderr: "pipe" });
      const [stdout, stderr, code] = await Promise.all([
        new Response(child.stdout).text(),
        new Response(child.stderr).text(),
        child.exited,
      ]);
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({
        ok: true,
        version: "1.0.0",
        fingerprint: server.fingerprint,
        pings: 3,
      });
    }
  });
});

describe("norc-server probe", () => {
  test("zero-config server, --insecure and the pinned fingerprint from the log: exit 0 and the negotiated values", async () => {
    const result = await runBinary([
      "probe",
      `127.0.0.1:${tlsServer.port}`,
      "--insecure",
      "--pin",
      tlsServer.fingerprint,
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("version:          1.0.0");
    expect(result.stdout).toContain("aead=chacha20poly1305|hash=blake3|hkdf=blake3|pad=PAD-PROFILE-1");
    expect(result.stdout).toContain(`${tlsServer.fingerprint} (matches --pin)`);
    expect(result.stdout).toContain("tls:              TLSv1.3");
    expect(result.stdout).toMatch(/rtt: +min [\d.]+ ms, avg [\d.]+ ms, max [\d.]+ ms \(3 pings\)/);
  });

  test("--json prints one object; with no target it probes the config's address and trusts the generated certificate", async () => {
    const result = await runBinary(
      ["probe", "--json", "-p", String(tlsServer.port), "-b", "0.0.0.0", "--count", "2"],
      { cwd: tlsDir.path },
    );
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      ok: true,
      target: `127.0.0.1:${tlsServer.port}`,
      version: "1.0.0",
      fingerprint: tlsServer.fingerprint,
      tls: "TLSv1.3",
      pings: 2,
    });
    expect(report.rtt_ms.min).toBeLessThanOrEqual(report.rtt_ms.max);
  });

  test("a wrong fingerprint: exit 1 and says why", async () => {
    const result = await runBinary([
      "probe",
      `127.0.0.1:${tlsServer.port}`,
      "--insecure",
      "--pin",
      "ab".repeat(32),
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("server identity changed");
    expect(result.stderr).toContain(tlsServer.fingerprint);
  });

  test("a closed port: exit 69", async () => {
    const port = await freePort();
    const result = await runBinary(["probe", `127.0.0.1:${port}`, "--plain"]);
    expect(result.exitCode).toBe(69);
    expect(result.stderr).toContain("cannot connect");
  });

  test("an explicit target is probed even when the local config is broken (with a warning)", async () => {
    const dir = tempDir("norc-probe-broken-");
    try {
      writeFileSync(join(dir.path, "config.toml"), "[network]\nprot = 1\n");
      const result = await runBinary(["probe", `127.0.0.1:${tlsServer.port}`, "--insecure"], {
        cwd: dir.path,
      });
      expect(result.exitCode).toBe(0);
      expect(result.stderr).toContain("the local configuration is invalid");
      expect(result.stdout).toContain("OK");
      const local = await runBinary(["probe", "--insecure"], { cwd: dir.path });
      expect(local.exitCode).toBe(78);
      expect(local.stderr).toContain("network.prot");
    } finally {
      dir.cleanup();
    }
  });

  test("with no target and network.port = 0, probe asks for the address (exit 64)", async () => {
    const result = await runBinary(["probe", "-p", "0"]);
    expect(result.exitCode).toBe(64);
    expect(result.stderr).toContain("network.port is 0 (any free port)");
  });

  test("a TLS server probed without trusting its certificate: exit 1, suggests --insecure or --ca", async () => {
    const result = await runBinary(["probe", `127.0.0.1:${tlsServer.port}`]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/--insecure/);
  });

  test("a TLS server probed with --plain: exit 1, says to drop --plain", async () => {
    const result = await runBinary(["probe", `127.0.0.1:${tlsServer.port}`, "--plain"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("without --plain");
  });
});
