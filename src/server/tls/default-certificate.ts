import { createPrivateKey, X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dataDirLayout } from "../../config/data-dir.ts";
import { ExitCode, errorMessage, NorcError } from "../../errors.ts";
import type { Logger } from "../../log/logger.ts";
import { writeFileAtomic } from "../../util/atomic-write.ts";
import { errnoText } from "../../util/errno.ts";
import { createSelfSignedCertificate } from "./create-self-signed.ts";

const VALID_DAYS = 3650;
const RENEW_BEFORE_MS = 30 * 86_400_000;

/**
 * The built-in certificate for TLS without cert_file/key_file: generated once into
 * `data_dir/tls/` (key mode 0600) and reused; renewed when within 30 days of expiry.
 * Logs its SHA-256 fingerprint, which clients must pin.
 */
export function ensureDefaultCertificate(
  dataDir: string,
  logger: Logger,
): { cert: string; key: string; fingerprint: string; notAfterMs: number } {
  const { tlsDir: dir, tlsCert: certPath, tlsKey: keyPath } = dataDirLayout(dataDir);
  let existing = readExisting(certPath, keyPath, logger);
  if (!existing) {
    const made = createSelfSignedCertificate({
      commonName: "norc-server",
      dnsNames: ["localhost"],
      ipAddresses: ["127.0.0.1", "::1"],
      validDays: VALID_DAYS,
    });
    writeFiles(dir, certPath, keyPath, made.certPem, made.keyPem);
    existing = { cert: made.certPem, key: made.keyPem, x509: new X509Certificate(made.certPem) };
    logger.info(`generated a self-signed TLS certificate in ${certPath}`);
  }
  const fingerprint = existing.x509.fingerprint256;
  logger.warn(
    `TLS uses the generated self-signed certificate ${certPath} (SHA-256 ${fingerprint}): clients must pin this fingerprint; set tls.cert_file and tls.key_file for a CA-issued certificate`,
  );
  return {
    cert: existing.cert,
    key: existing.key,
    fingerprint,
    notAfterMs: Date.parse(existing.x509.validTo),
  };
}

function readExisting(
  certPath: string,
  keyPath: string,
  logger: Logger,
): { cert: string; key: string; x509: X509Certificate } | undefined {
  if (!existsSync(certPath) && !existsSync(keyPath)) return undefined;
  try {
    const cert = readFileSync(certPath, "utf8");
    const key = readFileSync(keyPath, "utf8");
    const x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error("key does not match certificate");
    if (Date.parse(x509.validTo) - Date.now() < RENEW_BEFORE_MS) {
      logger.warn(`the generated certificate ${certPath} expires on ${x509.validTo}: generating a new one`);
      return undefined;
    }
    return { cert, key, x509 };
  } catch (error) {
    logger.warn(
      `cannot reuse the generated certificate in ${certPath} (${errorMessage(error)}): generating a new one`,
    );
    return undefined;
  }
}

function writeFiles(dir: string, certPath: string, keyPath: string, certPem: string, keyPem: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(keyPath, keyPem, 0o600);
    writeFileAtomic(certPath, certPem, 0o644);
  } catch (error) {
    const code = errnoText(error);
    throw new NorcError(
      `cannot write the generated TLS certificate into "${dir}" (${code}): make storage.data_dir writable, or set tls.cert_file and tls.key_file`,
      ExitCode.config,
    );
  }
}
