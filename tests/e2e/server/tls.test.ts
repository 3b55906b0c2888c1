import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { tempDir } from "../../helpers/binary.ts";
import { listeningPort, writeConfig } from "../../helpers/server-config.ts";
import { startServer } from "../../helpers/server-process.ts";
import { type TlsClient, tlsClient } from "../../helpers/tls-client.ts";
import { makeTlsFiles, type TlsFiles } from "../../helpers/tls-material.ts";
import { hasTool } from "../../helpers/tools.ts";

const openssl = hasTool("openssl", "the TLS tests (openssl makes their certificates and is their client)");

let dir: ReturnType<typeof tempDir>;
let files: TlsFiles;

beforeAll(async () => {
  dir = tempDir("norc-tls-");
  if (openssl) files = await makeTlsFiles(dir.path);
});
afterAll(() => dir.cleanup());

async function serve(tls: Record<string, unknown>) {
  await writeConfig(dir.path, {
    network: { bind_address: "127.0.0.1", port: 0 },
    tls: { enabled: true, cert_file: files.serverCert, key_file: files.serverKey, ...tls },
  });
  const server = startServer(["start"], { cwd: dir.path });
  const port = listeningPort(await server.waitFor(/listening on/));
  return { server, port };
}

describe.skipIf(!openssl)("min_version", () => {
  test('"1.3" refuses a TLS 1.2 client, "1.2" accepts it', async () => {
    const strict = await serve({ min_version: "1.3" });
    try {
      expect(strict.server.output()).toContain("(TLS on, min 1.3, client certs off)");
      const client = tlsClient(strict.port, ["-tls1_2", "-CAfile", files.caCert]);
      expect(await client.exitWithin(10_000)).not.toBe(0);
      expect(client.output()).toMatch(/alert protocol version|unsupported protocol/i);
      await strict.server.waitFor(/TLS handshake with 127\.0\.0\.1:\d+ failed/);
    } finally {
      await strict.server.kill();
    }
    const lenient = await serve({ min_version: "1.2" });
    const client = tlsClient(lenient.port, ["-tls1_2", "-CAfile", files.caCert, "-verify_return_error"]);
    try {
      await client.waitFor(/Protocol\s*:\s*TLSv1\.2|New, TLSv1\.2/);
      expect(client.output()).toContain("Verify return code: 0 (ok)");
    } finally {
      await client.kill();
      await lenient.server.kill();
    }
  });
});

/** Three openssl clients trusting the CA: with no certificate, a foreign one, and a CA-signed one. */
function clientsByCertificate(port: number): [TlsClient, TlsClient, TlsClient] {
  return [
    tlsClient(port, ["-CAfile", files.caCert]),
    tlsClient(port, ["-CAfile", files.caCert, "-cert", files.foreignCert, "-key", files.foreignKey]),
    tlsClient(port, ["-CAfile", files.caCert, "-cert", files.clientCert, "-key", files.clientKey]),
  ];
}

describe.skipIf(!openssl)("require_client_certs = true", () => {
  test("no certificate and a foreign certificate are refused, a CA-signed one is accepted", async () => {
    const { server, port } = await serve({ ca_file: files.caCert, require_client_certs: true });
    const clients = clientsByCertificate(port);
    try {
      expect(server.output()).toContain("client certs required");
      const [none, foreign, signed] = clients;
      expect(await none.exitWithin(10_000)).toBeDefined();
      expect(await foreign.exitWithin(10_000)).toBeDefined();
      await server.waitFor(/client certificate of 127\.0\.0\.1:\d+: CN=norc-test-client/);
      expect(signed.child.exitCode).toBeNull();
      const failures = () =>
        server.output().match(/TLS handshake with 127\.0\.0\.1:\d+ failed/g)?.length ?? 0;
      for (let waited = 0; failures() < 2 && waited < 10_000; waited += 20) await Bun.sleep(20);
      expect(failures()).toBe(2);
      expect(server.output()).not.toContain("CN=foreign-client");
    } finally {
      for (const client of clients) await client.kill();
      await server.kill();
    }
  });
});

describe.skipIf(!openssl)("ca_file with require_client_certs = false", () => {
  test("no certificate is accepted, a CA-signed one is accepted and its subject logged, a foreign one refused", async () => {
    const { server, port } = await serve({ ca_file: files.caCert, require_client_certs: false });
    const clients = clientsByCertificate(port);
    try {
      expect(server.output()).toContain("client certs optional");
      const [none, foreign, signed] = clients;
      await server.waitFor(/client certificate of 127\.0\.0\.1:\d+: CN=norc-test-client/);
      await server.waitFor(/TLS handshake with 127\.0\.0\.1:\d+ failed: client certificate not valid/);
      expect(await foreign.exitWithin(10_000)).toBeDefined();
      await none.waitFor(/Verify return code: 0 \(ok\)/);
      expect(none.child.exitCode).toBeNull();
      expect(signed.child.exitCode).toBeNull();
      expect(server.output().match(/TLS handshake with 127\.0\.0\.1:\d+ failed/g)?.length).toBe(1);
      expect(server.output()).not.toContain("CN=foreign-client");
    } finally {
      for (const client of clients) await client.kill();
      await server.kill();
    }
  });
});
