import { expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../helpers/binary.ts";
import { listeningPort } from "../../helpers/server-config.ts";
import { startServer } from "../../helpers/server-process.ts";
import { tlsClient } from "../../helpers/tls-client.ts";
import { fingerprintOf } from "../../helpers/tls-material.ts";
import { hasTool } from "../../helpers/tools.ts";

const openssl = hasTool("openssl", "the generated-certificate tests (openssl s_client is their TLS client)");

async function startAndFingerprint(cwd: string) {
  const server = startServer(["--bind", "127.0.0.1", "--port", "0"], { cwd });
  try {
    const port = listeningPort(await server.waitFor(/listening on/));
    const logged = /SHA-256 ([0-9A-F:]{95})/.exec(server.output())?.[1];
    const client = tlsClient(port, ["-showcerts"]);
    try {
      await client.waitFor(/-----END CERTIFICATE-----/);
      const pem =
        /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(client.output())?.[0] ?? "";
      return { logged, served: await fingerprintOf(pem), output: server.output(), line: server.output() };
    } finally {
      await client.kill();
    }
  } finally {
    await server.kill();
  }
}

test.skipIf(!openssl)(
  "with no config file the server serves TLS on a generated certificate, reused on the next start",
  async () => {
    const dir = tempDir("norc-default-cert-");
    try {
      const first = await startAndFingerprint(dir.path);
      expect(first.output).toContain("no configuration file");
      expect(first.output).toContain("(TLS on, min 1.3, client certs off)");
      expect(first.output).toContain("generated a self-signed TLS certificate");
      expect(first.logged).toBeDefined();
      expect(first.served).toBe(first.logged as string);

      const certPath = join(dir.path, "data", "tls", "server.crt");
      const keyPath = join(dir.path, "data", "tls", "server.key");
      expect(statSync(keyPath).mode & 0o777).toBe(0o600);
      const x509 = new X509Certificate(readFileSync(certPath));
      expect(x509.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1");
      expect(x509.fingerprint256).toBe(first.served);

      const second = await startAndFingerprint(dir.path);
      expect(second.output).not.toContain("generated a self-signed TLS certificate");
      expect(second.served).toBe(first.served);
    } finally {
      dir.cleanup();
    }
  },
);
