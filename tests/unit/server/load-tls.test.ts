import { afterAll, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultConfig } from "../../../src/config/schema.ts";
import { NorcError } from "../../../src/errors.ts";
import { createSelfSignedCertificate } from "../../../src/server/tls/create-self-signed.ts";
import { loadTls } from "../../../src/server/tls/load-tls.ts";
import { tempDir } from "../../helpers/binary.ts";
import { memoryLogger } from "../../helpers/memory-logger.ts";

const dir = tempDir("norc-load-tls-");
afterAll(() => dir.cleanup());

function pair(name: string, options: { validDays: number; now?: Date; keyMode?: number }) {
  const made = createSelfSignedCertificate({
    commonName: name,
    dnsNames: ["localhost"],
    ipAddresses: [],
    ...options,
  });
  const cert = join(dir.path, `${name}.crt`);
  const key = join(dir.path, `${name}.key`);
  writeFileSync(cert, made.certPem);
  writeFileSync(key, made.keyPem);
  chmodSync(key, options.keyMode ?? 0o600);
  return { cert, key };
}

function configWith(files: { cert: string; key: string }) {
  const config = defaultConfig();
  config.tls.cert_file = files.cert;
  config.tls.key_file = files.key;
  return config;
}

function failure(run: () => unknown): NorcError {
  try {
    run();
  } catch (error) {
    if (error instanceof NorcError) return error;
    throw error;
  }
  throw new Error("expected a NorcError");
}

test("an expired certificate is a config error naming the file and the fix", () => {
  const expired = pair("expired", { validDays: 10, now: new Date(Date.now() - 400 * 86_400_000) });
  const error = failure(() => loadTls(configWith(expired), memoryLogger()));
  expect(error.exitCode).toBe(78);
  expect(error.message).toContain(`tls.cert_file: "${expired.cert}" expired on`);
  expect(error.message).toContain("renew the certificate");
});

test("a key that does not match, and a file that is not PEM, are config errors", () => {
  const one = pair("one", { validDays: 100 });
  const two = pair("two", { validDays: 100 });
  const mismatch = failure(() => loadTls(configWith({ cert: one.cert, key: two.key }), memoryLogger()));
  expect(mismatch.message).toContain(
    `tls.key_file: "${two.key}" does not match the certificate in "${one.cert}"`,
  );
  const notPem = join(dir.path, "not-pem.crt");
  writeFileSync(notPem, "hello\n");
  const error = failure(() => loadTls(configWith({ cert: notPem, key: one.key }), memoryLogger()));
  expect(error.exitCode).toBe(78);
  expect(error.message).toContain(`tls.cert_file: "${notPem}" is not a PEM certificate`);
});

test("a certificate expiring within 30 days and a key readable by others are warnings", () => {
  const soon = pair("soon", { validDays: 10, keyMode: 0o644 });
  const logger = memoryLogger();
  const material = loadTls(configWith(soon), logger);
  expect(material.generated).toBe(false);
  expect(logger.lines.some((line) => /^WARN certificate ".*soon\.crt" expires in 9 days/.test(line))).toBe(
    true,
  );
  expect(logger.lines).toContain(
    `WARN key_file "${soon.key}" is readable by group or others (mode 644): run chmod 600 on it`,
  );
});
