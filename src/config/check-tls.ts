import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { errnoText } from "../util/errno.ts";
import { readKept } from "./read-kept.ts";
import type { Config } from "./schema.ts";

/** A problem found while checking one file, already worded for the operator. */
class FileProblem extends Error {}

const NO_CERT_FIX =
  "create it or fix the path, or remove tls.cert_file and tls.key_file to use a generated self-signed certificate";

/** A PEM file as read from disk and the object parsed from it. */
export interface PemFile<T> {
  pem: string;
  parsed: T;
  /** True when the file can no longer be read (after the switch to daemon.user): the copy read before. */
  kept: boolean;
}

/** The configured TLS files, read and parsed once, with every problem found on the way. */
export interface TlsFiles {
  problems: string[];
  /** Files served from the copy read at start, each said as a warning line. */
  kept: string[];
  cert?: PemFile<X509Certificate>;
  key?: PemFile<KeyObject>;
  ca?: PemFile<X509Certificate>;
}

/** Reads a PEM file and builds its object, or throws a FileProblem naming the key, path and errno. */
function loadPem<T>(
  key: string,
  path: string,
  what: string,
  fix: string,
  make: (pem: string) => T,
): PemFile<T> {
  let text: string;
  let kept: boolean;
  try {
    ({ text, kept } = readKept(path));
  } catch (error) {
    throw new FileProblem(`${key}: cannot read "${path}" (${errnoText(error)}): ${fix}`);
  }
  try {
    return { pem: text, parsed: make(text), kept };
  } catch (error) {
    const reason = errnoText(error).split("\n")[0];
    const next =
      reason === "ERR_MISSING_PASSPHRASE"
        ? `it is encrypted: decrypt it (openssl pkey -in "${path}" -out server.key) and point ${key} at the result`
        : "give a PEM file (-----BEGIN ...-----)";
    throw new FileProblem(`${key}: "${path}" is not ${what} (${reason}): ${next}`);
  }
}

/** Runs one load, turning its FileProblem into a line of `problems`; other errors are bugs and propagate. */
function collect<T>(problems: string[], load: () => T): T | undefined {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof FileProblem)) throw error;
    problems.push(error.message);
    return undefined;
  }
}

const certificate = (pem: string) => new X509Certificate(pem);

/**
 * Reads the configured certificate, key and CA once: they exist, are PEM, the certificate has not
 * expired, the key is unencrypted and matches it, the CA parses. Used by validate-config and start.
 */
export function readTlsFiles(tls: Config["tls"]): TlsFiles {
  const problems: string[] = [];
  const { cert_file: certFile, key_file: keyFile, ca_file: caFile } = tls;
  const cert = certFile
    ? collect(problems, () =>
        loadPem("tls.cert_file", certFile, "a PEM certificate", NO_CERT_FIX, certificate),
      )
    : undefined;
  const key = keyFile
    ? collect(problems, () =>
        loadPem("tls.key_file", keyFile, "an unencrypted PEM private key", NO_CERT_FIX, createPrivateKey),
      )
    : undefined;
  if (cert && Date.parse(cert.parsed.validTo) <= Date.now()) {
    problems.push(`tls.cert_file: "${certFile}" expired on ${cert.parsed.validTo}: renew the certificate`);
  }
  if (cert && key && !cert.parsed.checkPrivateKey(key.parsed)) {
    problems.push(
      `tls.key_file: "${keyFile}" does not match the certificate in "${certFile}": use the key the certificate was issued for`,
    );
  }
  const caFix = "create it or fix the path, or remove tls.ca_file";
  const ca = caFile
    ? collect(problems, () => loadPem("tls.ca_file", caFile, "a PEM certificate", caFix, certificate))
    : undefined;
  const kept = Object.entries({ "tls.cert_file": cert, "tls.key_file": key, "tls.ca_file": ca })
    .filter(([, file]) => file?.kept)
    .map(
      ([name]) =>
        `${name}: cannot be read any more (EACCES, as uid ${process.getuid?.()}): the copy read at start is kept; make the file readable by this user to renew it in place, or restart`,
    );
  return { problems, kept, cert, key, ca };
}

/** The problems of the configured TLS files ([] = fine). */
export async function checkTlsFiles(tls: Config["tls"]): Promise<string[]> {
  return readTlsFiles(tls).problems;
}
