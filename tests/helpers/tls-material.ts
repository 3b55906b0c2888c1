import { join } from "node:path";
import { $ } from "bun";

/** Paths of test TLS material: a CA, server and client certs it signed, and a foreign self-signed cert. */
export interface TlsFiles {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  foreignCert: string;
  foreignKey: string;
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** A key and a certificate for `cn` signed by the test CA in `dir` (SAN localhost, 127.0.0.1). */
export async function signedCertificate(
  dir: string,
  name: string,
  cn: string,
  days = 30,
): Promise<[string, string]> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  await Bun.write(ext, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  await $`openssl req ${EC} -keyout ${key} -out ${csr} -subj /CN=${cn}`.quiet();
  await $`openssl x509 -req -in ${csr} -CA ${join(dir, "ca.crt")} -CAkey ${join(dir, "ca.key")} -CAcreateserial -out ${cert} -days ${days} -extfile ${ext}`.quiet();
  await $`chmod 600 ${key}`.quiet();
  return [cert, key];
}

/** Generates the material into `dir` with the openssl CLI (test time only; no keys in git). */
export async function makeTlsFiles(dir: string): Promise<TlsFiles> {
  const caCert = join(dir, "ca.crt");
  await $`openssl req -x509 ${EC} -keyout ${join(dir, "ca.key")} -out ${caCert} -subj /CN=norc-test-ca -days 30`.quiet();
  const [serverCert, serverKey] = await signedCertificate(dir, "server", "localhost");
  const [clientCert, clientKey] = await signedCertificate(dir, "client", "norc-test-client");
  const foreignCert = join(dir, "foreign.crt");
  const foreignKey = join(dir, "foreign.key");
  await $`openssl req -x509 ${EC} -keyout ${foreignKey} -out ${foreignCert} -subj /CN=foreign-client -days 30`.quiet();
  return { caCert, serverCert, serverKey, clientCert, clientKey, foreignCert, foreignKey };
}

/** SHA-256 fingerprint "AA:BB:..." of a PEM certificate, as openssl prints it. */
export async function fingerprintOf(pem: string): Promise<string> {
  const out = await $`openssl x509 -noout -fingerprint -sha256 < ${new Response(pem)}`.quiet().text();
  return out.trim().split("=")[1] ?? "";
}
