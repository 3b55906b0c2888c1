import type { X509Certificate } from "node:crypto";
import { statSync } from "node:fs";
import { readTlsFiles } from "../../config/check-tls.ts";
import type { Config } from "../../config/schema.ts";
import { ExitCode, NorcError } from "../../errors.ts";
import type { Logger } from "../../log/logger.ts";
import { lookupGroup, lookupUser } from "../../util/accounts.ts";
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
  /** When the server certificate expires (ms since the epoch), for /metrics. */
  notAfterMs: number;
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
  const files = readTlsFiles(tls);
  if (files.problems.length > 0) throw new NorcError(files.problems.join("\n"), ExitCode.config);
  for (const line of files.kept) logger.warn(line);
  const ca = files.ca?.pem;
  const { cert, key } = files;
  if (cert === undefined || key === undefined) {
    const generated = ensureDefaultCertificate(config.storage.data_dir, logger);
    return { ...base, ...generated, ca, generated: true };
  }
  checkValidity(cert.parsed, String(tls.cert_file), logger);
  warnIfKeyExposed(String(tls.key_file), daemonGid(config), logger);
  return {
    ...base,
    cert: cert.pem,
    key: key.pem,
    ca,
    fingerprint: cert.parsed.fingerprint256,
    notAfterMs: Date.parse(cert.parsed.validTo),
    generated: false,
  };
}

function checkValidity(x509: X509Certificate, path: string, logger: Logger): void {
  const now = Date.now();
  const notAfter = Date.parse(x509.validTo);
  if (Date.parse(x509.validFrom) > now) {
    throw new NorcError(
      `tls.cert_file: "${path}" is not valid before ${x509.validFrom}: check the system clock`,
      ExitCode.config,
    );
  }
  const daysLeft = Math.floor((notAfter - now) / DAY_MS);
  if (daysLeft < EXPIRY_WARNING_DAYS) {
    logger.warn(`certificate "${path}" expires in ${daysLeft} days (${x509.validTo}): renew it`);
  }
}

/** The group the server runs as after the switch to daemon.user, when it switches. */
function daemonGid(config: Config): number | undefined {
  const { user, group } = config.daemon;
  if (user === undefined) return undefined;
  return group === undefined ? lookupUser(user)?.gid : lookupGroup(group);
}

/** Warns about a key others can read; readable by the group daemon.user runs as is the advised setup. */
function warnIfKeyExposed(path: string, serverGid: number | undefined, logger: Logger): void {
  if (process.platform === "win32") return;
  let info: ReturnType<typeof statSync>;
  try {
    info = statSync(path);
  } catch {
    return; // read a moment ago; after the switch to daemon.user its directory may not be searchable
  }
  const mode = info.mode & 0o777;
  const exposed = info.gid === serverGid ? mode & 0o007 : mode & 0o077;
  if (exposed !== 0) {
    logger.warn(
      `key_file "${path}" is readable by group or others (mode ${mode.toString(8).padStart(3, "0")}): run chmod 600 on it`,
    );
  }
}
