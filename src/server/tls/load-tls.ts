import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import type { Config } from "../../config/schema.ts";
import { ExitCode, NorcError } from "../../errors.ts";
import type { Logger } from "../../log/logger.ts";
import { ensureDefaultCertificate } from "./default-certificate.ts";

/** Everything a TLS listener needs, read and checked once (start-up and each reload). */
export interface TlsMaterial {
  cert: string;
  key: string;
  ca?: string;
  minVersion: "1.2" | "1.3";
  requireClientCerts: boolean;
  /** SHA-256 fingerprint of the server certificate, "AA:BB:...". */
  fingerprint: string;
  generated: boolean;
}

const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * Reads the configured certificate, key and CA (or the generated default) and checks them:
 * readable, PEM, key matches certificate, not expired. Problems throw NorcError (exit 78) naming
 * the file and the fix; a key readable by others or a certificate close to expiry is a warning.
 */
export function loadTls(config: Config, logger: Logger): TlsMaterial {
  const tls = config.tls;
  const base = { minVersion: tls.min_version, requireClientCerts: tls.require_client_certs };
  const ca = tls.ca_file === undefined ? undefined : readCa(tls.ca_file);
  if (tls.cert_file === undefined || tls.key_file === undefined) {
    const generated = ensureDefaultCertificate(config.storage.data_dir, logger);
    return { ...base, ...generated, ca, generated: true };
  }
  const cert = readPem(tls.cert_file, "cert_file");
  const key = readPem(tls.key_file, "key_file");
  const x509 = parseCertificate(cert, tls.cert_file, "cert_file");
  const keyObject = parseKey(key, tls.key_file);
  if (!x509.checkPrivateKey(keyObject)) {
    throw configError(
      `key_file "${tls.key_file}" does not match cert_file "${tls.cert_file}": configure the key the certificate was issued for`,
    );
  }
  checkValidity(x509, tls.cert_file, logger);
  warnIfKeyExposed(tls.key_file, logger);
  return { ...base, cert, key, ca, fingerprint: x509.fingerprint256, generated: false };
}

function readPem(path: string, key: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw configError(
      `cannot read ${key} "${path}" (${code}): create it or fix its permissions${key === "ca_file" ? "" : `, or remove tls.cert_file and tls.key_file to use a generated self-signed certificate`}`,
    );
  }
}

function readCa(path: string): string {
  const pem = readPem(path, "ca_file");
  parseCertificate(pem, path, "ca_file");
  return pem;
}

function parseCertificate(pem: string, path: string, key: string): X509Certificate {
  try {
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("no PEM certificate block");
    return new X509Certificate(pem);
  } catch {
    throw configError(
      `${key} "${path}" is not a PEM certificate: give a file with a "-----BEGIN CERTIFICATE-----" block`,
    );
  }
}

function parseKey(pem: string, path: string): KeyObject {
  try {
    if (!pem.includes("-----BEGIN")) throw new Error("no PEM block");
    return createPrivateKey(pem);
  } catch {
    throw configError(
      `key_file "${path}" is not an unencrypted PEM private key: give a file with a "-----BEGIN PRIVATE KEY-----" block`,
    );
  }
}

function checkValidity(x509: X509Certificate, path: string, logger: Logger): void {
  const now = Date.now();
  const notAfter = Date.parse(x509.validTo);
  if (notAfter <= now) {
    throw configError(`cert_file "${path}" expired on ${x509.validTo}: renew the certificate`);
  }
  if (Date.parse(x509.validFrom) > now) {
    throw configError(`cert_file "${path}" is not valid before ${x509.validFrom}: check the system clock`);
  }
  const daysLeft = Math.floor((notAfter - now) / DAY_MS);
  if (daysLeft < EXPIRY_WARNING_DAYS) {
    logger.warn(`certificate "${path}" expires in ${daysLeft} days (${x509.validTo}): renew it`);
  }
}

function warnIfKeyExposed(path: string, logger: Logger): void {
  if (process.platform === "win32") return;
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    logger.warn(
      `key_file "${path}" is readable by group or others (mode ${mode.toString(8).padStart(3, "0")}): run chmod 600 on it`,
    );
  }
}

function configError(message: string): NorcError {
  return new NorcError(message, ExitCode.config);
}
