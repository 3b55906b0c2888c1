import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Config } from "./schema.ts";

/** A problem found while checking one file, already worded for the operator. */
class FileProblem extends Error {}

function errnoOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}

const NO_CERT_FIX =
  "create it or fix the path, or remove tls.cert_file and tls.key_file to use a generated self-signed certificate";

/** Reads a PEM file and builds its object, or throws a FileProblem naming the key, path and errno. */
async function loadPem<T>(key: string, path: string, what: string, fix: string, make: (pem: string) => T) {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new FileProblem(`${key}: cannot read "${path}" (${errnoOf(error)}): ${fix}`);
  }
  try {
    return make(text);
  } catch (error) {
    const reason = errnoOf(error).split("\n")[0];
    const next =
      reason === "ERR_MISSING_PASSPHRASE"
        ? `it is encrypted: decrypt it (openssl pkey -in "${path}" -out server.key) and point ${key} at the result`
        : "give a PEM file (-----BEGIN ...-----)";
    throw new FileProblem(`${key}: "${path}" is not ${what} (${reason}): ${next}`);
  }
}

/** Runs one check, turning its FileProblem into a line of `problems`; other errors are bugs and propagate. */
async function collect<T>(problems: string[], check: () => Promise<T>): Promise<T | undefined> {
  try {
    return await check();
  } catch (error) {
    if (!(error instanceof FileProblem)) throw error;
    problems.push(error.message);
    return undefined;
  }
}

/** The TLS files exist, are PEM, the certificate has not expired, the key is unencrypted and matches it, the CA parses. */
export async function checkTlsFiles(tls: Config["tls"]): Promise<string[]> {
  const problems: string[] = [];
  const { cert_file: certFile, key_file: keyFile, ca_file: caFile } = tls;
  const cert: X509Certificate | undefined = certFile
    ? await collect(problems, () =>
        loadPem(
          "tls.cert_file",
          certFile,
          "a PEM certificate",
          NO_CERT_FIX,
          (pem) => new X509Certificate(pem),
        ),
      )
    : undefined;
  const key: KeyObject | undefined = keyFile
    ? await collect(problems, () =>
        loadPem("tls.key_file", keyFile, "an unencrypted PEM private key", NO_CERT_FIX, createPrivateKey),
      )
    : undefined;
  if (cert && Date.parse(cert.validTo) <= Date.now()) {
    problems.push(`tls.cert_file: "${certFile}" expired on ${cert.validTo}: renew the certificate`);
  }
  if (cert && key && !cert.checkPrivateKey(key)) {
    problems.push(
      `tls.key_file: "${keyFile}" does not match the certificate in "${certFile}": use the key the certificate was issued for`,
    );
  }
  if (caFile) {
    const fix = "create it or fix the path, or remove tls.ca_file";
    await collect(problems, () =>
      loadPem("tls.ca_file", caFile, "a PEM certificate", fix, (pem) => new X509Certificate(pem)),
    );
  }
  return problems;
}
