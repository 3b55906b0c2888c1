import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { NcpClientError } from "../../../src/client/client-error.ts";
import { connectNcp } from "../../../src/client/ncp-client.ts";
import { MemoryTrustStore } from "../../../src/client/trust-store.ts";
import { freePort, tempDir } from "../../helpers/binary.ts";
import { listenNcp, selfSignedCert } from "../../helpers/ncp-listener.ts";
import { V } from "../protocol/vectors.ts";
import { testIdentity } from "../session/session-helpers.ts";

const identity = testIdentity();
const dir = tempDir();
let plain: ReturnType<typeof listenNcp>;
let tls: ReturnType<typeof listenNcp>;
let certFile: string;

beforeAll(async () => {
  const cert = await selfSignedCert(dir.path);
  certFile = cert.certFile;
  plain = listenNcp(identity);
  tls = listenNcp(identity, cert);
});

afterAll(() => {
  plain.stop(true);
  tls.stop(true);
  dir.cleanup();
});

const fingerprint = Buffer.from(V.iksPublic).toString("hex");

describe("client library against the server session", () => {
  test("plain TCP: handshake with a pinned key, three pings, clean close", async () => {
    const connection = await connectNcp({ host: "127.0.0.1", port: plain.port, pin: fingerprint });
    expect(connection.info).toMatchObject({ version: "1.0.0", fingerprint, identityCheck: "pinned" });
    expect(connection.info.algset).toBe(V.algset);
    for (let i = 0; i < 3; i++) {
      const ping = await connection.ping();
      expect(ping.rttMs).toBeGreaterThanOrEqual(0);
      expect(Math.abs(ping.offsetMs)).toBeLessThan(5_000);
    }
    connection.close();
    await connection.closed;
  });

  test("TLS with the certificate as CA, and with --insecure", async () => {
    const withCa = await connectNcp({
      host: "127.0.0.1",
      port: tls.port,
      tls: { caFile: certFile },
      pin: fingerprint,
    });
    expect(withCa.info.tlsVersion).toMatch(/^TLSv1\.[23]$/);
    await withCa.ping();
    withCa.close();
    const insecure = await connectNcp({ host: "127.0.0.1", port: tls.port, tls: { insecure: true } });
    await insecure.ping();
    insecure.close();
  });

  test("TLS without trusting the self-signed certificate fails as a TLS error", async () => {
    const error = await connectNcp({ host: "127.0.0.1", port: tls.port, tls: {} }).catch((e) => e);
    expect(error).toBeInstanceOf(NcpClientError);
    expect(error.kind).toBe("tls");
  });

  test("a wrong pin is refused with 'server identity changed'", async () => {
    const error = await connectNcp({ host: "127.0.0.1", port: plain.port, pin: "ab".repeat(32) }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(NcpClientError);
    expect(error.kind).toBe("identity");
    expect(error.message).toContain("server identity changed");
  });

  test("trust on first use: remembered, then a different key for the same endpoint is refused", async () => {
    const store = new MemoryTrustStore();
    const first = await connectNcp({ host: "127.0.0.1", port: plain.port, trustStore: store });
    expect(first.info.identityCheck).toBe("first-use");
    first.close();
    expect(store.get(`127.0.0.1:${plain.port}`)).toBe(fingerprint);
    const again = await connectNcp({ host: "127.0.0.1", port: plain.port, trustStore: store });
    expect(again.info.identityCheck).toBe("remembered");
    again.close();
    store.remember(`127.0.0.1:${tls.port}`, "cd".repeat(32));
    const changed = await connectNcp({
      host: "127.0.0.1",
      port: tls.port,
      tls: { insecure: true },
      trustStore: store,
    }).catch((e) => e);
    expect(changed.kind).toBe("identity");
    expect(store.get(`127.0.0.1:${tls.port}`)).toBe("cd".repeat(32));
  });

  test("a closed port is 'unreachable'", async () => {
    const port = await freePort();
    const error = await connectNcp({ host: "127.0.0.1", port }).catch((e) => e);
    expect(error).toBeInstanceOf(NcpClientError);
    expect(error.kind).toBe("unreachable");
  });
});
