import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { errnoText } from "../util/errno.ts";
import { type PemContent, pemContents } from "./pem-contents.ts";
import { readKept } from "./read-kept.ts";
import type { Config } from "./schema.ts";

/** A problem found while checking one file, already worded for the operator. */
class FileProblem extends Error {
  /** What the file holds when it is the wrong kind of PEM file (for the swapped-files check). */
  constructor(
    message: string,
    readonly holds?: PemContent,
  ) {
    super(message);
  }
}

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

/** What one config key must name: the words for it and the PEM content expected. */
interface Expected {
  key: string;
  what: string;
  content: PemContent;
  /** The next step when the file is missing. */
  fix: string;
}

/** The next step for a file that cannot be read, by errno: missing, not allowed, not a file. */
function readFix(path: string, errno: string, expected: Expected): string {
  if (errno === "EACCES" || errno === "EPERM") {
    const uid = process.getuid?.();
    const who = uid === undefined ? "this user" : `this user (uid ${uid})`;
    return `${who} may not read it: give the user the server runs as read access (chgrp <its group> "${path}" && chmod 640 "${path}"), or fix the path`;
  }
  if (errno === "EISDIR") return `it is a directory: point ${expected.key} at the PEM file in it`;
  return expected.fix;
}

/** Reads a PEM file and builds its object, or throws a FileProblem naming the key, path and errno. */
function loadPem<T>(path: string, expected: Expected, make: (pem: string) => T): PemFile<T> {
  const { key, what } = expected;
  let text: string;
  let kept: boolean;
  try {
    ({ text, kept } = readKept(path));
  } catch (error) {
    const errno = errnoText(error);
    throw new FileProblem(`${key}: cannot read "${path}" (${errno}): ${readFix(path, errno, expected)}`);
  }
  try {
    return { pem: text, parsed: make(text), kept };
  } catch (error) {
    const reason = errnoText(error).split("\n")[0];
    if (reason === "ERR_MISSING_PASSPHRASE") {
      const next = `it is encrypted: decrypt it (openssl pkey -in "${path}" -out server.key) and point ${key} at the result`;
      throw new FileProblem(`${key}: "${path}" is not ${what} (${reason}): ${next}`);
    }
    const contents = pemContents(text);
    const holds = contents.includes(expected.content) ? undefined : contents[0];
    if (holds === undefined) {
      throw new FileProblem(
        `${key}: "${path}" is not ${what} (${reason}): give a PEM file (-----BEGIN ...-----)`,
      );
    }
    throw new FileProblem(
      `${key}: "${path}" holds ${holds}, not ${expected.content}: point ${key} at ${expected.content} file`,
      holds,
    );
  }
}

/** Runs one load, turning its FileProblem into `problems`; other errors are bugs and propagate. */
function collect<T>(problems: FileProblem[], load: () => T): T | undefined {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof FileProblem)) throw error;
    problems.push(error);
    return undefined;
  }
}

const certificate = (pem: string) => new X509Certificate(pem);

/**
 * Reads the configured certificate, key and CA once: they exist, are PEM, the certificate has not
 * expired, the key is unencrypted and matches it, the CA parses. Used by validate-config and start.
 */
export function readTlsFiles(tls: Config["tls"]): TlsFiles {
  const { cert_file: certFile, key_file: keyFile, ca_file: caFile } = tls;
  const failed: FileProblem[] = [];
  const cert = certFile ? collect(failed, () => loadPem(certFile, CERT, certificate)) : undefined;
  const key = keyFile ? collect(failed, () => loadPem(keyFile, KEY, createPrivateKey)) : undefined;
  const problems = swappedPair(failed, certFile, keyFile) ?? failed.map((problem) => problem.message);
  if (cert && Date.parse(cert.parsed.validTo) <= Date.now()) {
    problems.push(`tls.cert_file: "${certFile}" expired on ${cert.parsed.validTo}: renew the certificate`);
  }
  if (cert && key && !cert.parsed.checkPrivateKey(key.parsed)) {
    problems.push(
      `tls.key_file: "${keyFile}" does not match the certificate in "${certFile}": use the key the certificate was issued for`,
    );
  }
  const caFailed: FileProblem[] = [];
  const ca = caFile ? collect(caFailed, () => loadPem(caFile, CA, certificate)) : undefined;
  problems.push(...caFailed.map((problem) => problem.message));
  const kept = Object.entries({ "tls.cert_file": cert, "tls.key_file": key, "tls.ca_file": ca })
    .filter(([, file]) => file?.kept)
    .map(
      ([name]) =>
        `${name}: cannot be read any more (EACCES, as uid ${process.getuid?.()}): the copy read at start is kept; make the file readable by this user to renew it in place, or restart`,
    );
  return { problems, kept, cert, key, ca };
}

const CERT: Expected = {
  key: "tls.cert_file",
  what: "a PEM certificate",
  content: "a certificate",
  fix: NO_CERT_FIX,
};
const KEY: Expected = {
  key: "tls.key_file",
  what: "an unencrypted PEM private key",
  content: "a private key",
  fix: NO_CERT_FIX,
};
const CA: Expected = {
  key: "tls.ca_file",
  what: "a PEM certificate",
  content: "a certificate",
  fix: "create it or fix the path, or remove tls.ca_file",
};

/** One line when cert_file holds the key and key_file the certificate: the two paths are swapped. */
function swappedPair(
  failed: FileProblem[],
  certFile: string | undefined,
  keyFile: string | undefined,
): string[] | undefined {
  const [first, second] = failed;
  if (failed.length !== 2 || first?.holds !== "a private key" || second?.holds !== "a certificate") {
    return undefined;
  }
  return [
    `tls.cert_file, tls.key_file: swapped: "${certFile}" holds the private key and "${keyFile}" the certificate: set cert_file = "${keyFile}" and key_file = "${certFile}"`,
  ];
}

/** The problems of the configured TLS files ([] = fine). */
export async function checkTlsFiles(tls: Config["tls"]): Promise<string[]> {
  return readTlsFiles(tls).problems;
}
