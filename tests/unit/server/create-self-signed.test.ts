import { expect, test } from "bun:test";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { $ } from "bun";
import { createSelfSignedCertificate } from "../../../src/server/tls/create-self-signed.ts";
import { hasTool } from "../../helpers/tools.ts";

const openssl = hasTool("openssl", "the openssl cross-check of the generated certificate");

test.skipIf(!openssl)(
  "the generated certificate is a valid X.509 v3 P-256 server certificate, per openssl and node:crypto",
  async () => {
    const now = new Date("2026-01-02T03:04:05Z");
    const made = createSelfSignedCertificate({
      commonName: "norc-server",
      dnsNames: ["localhost"],
      ipAddresses: ["127.0.0.1", "::1"],
      validDays: 3650,
      now,
    });
    const x509 = new X509Certificate(made.certPem);
    expect(x509.subject).toBe("CN=norc-server");
    expect(x509.issuer).toBe("CN=norc-server");
    expect(x509.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1");
    expect(x509.checkPrivateKey(createPrivateKey(made.keyPem))).toBe(true);
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.ca).toBe(false);
    expect(Date.parse(x509.validTo) - now.getTime()).toBe(3650 * 86_400_000);

    const text = await $`openssl x509 -noout -text < ${new Response(made.certPem)}`.text();
    expect(text).toContain("Version: 3 (0x2)");
    expect(text).toContain("Signature Algorithm: ecdsa-with-SHA256");
    expect(text).toContain("NIST CURVE: P-256");
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature/);
    expect(text).toContain("TLS Web Server Authentication");
    expect(text).toContain("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1");
    expect(text).toContain("Not After : Dec 31 03:04:05 2035 GMT");
  },
);

test("validity past 2049 is encoded as GeneralizedTime and still parses", () => {
  const made = createSelfSignedCertificate({
    commonName: "far",
    dnsNames: [],
    ipAddresses: ["2001:db8::1"],
    validDays: 365 * 30,
    now: new Date("2040-06-01T00:00:00Z"),
  });
  const x509 = new X509Certificate(made.certPem);
  expect(new Date(x509.validTo).getUTCFullYear()).toBe(2070);
  expect(x509.subjectAltName).toBe("IP Address:2001:DB8:0:0:0:0:0:1");
});
