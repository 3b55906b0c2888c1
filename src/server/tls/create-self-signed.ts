import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import {
  bitString,
  boolean,
  explicit,
  implicit,
  octetString,
  oid,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from "./der.ts";

/** A generated certificate and its private key, both PEM. */
export interface SelfSignedCertificate {
  certPem: string;
  keyPem: string;
}

/** AlgorithmIdentifier ecdsa-with-SHA256, built when a certificate is made (not at start-up). */
const ecdsaWithSha256 = () => sequence(oid("1.2.840.10045.4.3.2"));
const DAY_MS = 86_400_000;

/**
 * An EC P-256 self-signed X.509 v3 server certificate, built in process (no openssl CLI):
 * node:crypto makes the key and the ECDSA signature, der.ts encodes the TBSCertificate.
 */
export function createSelfSignedCertificate(options: {
  commonName: string;
  dnsNames: string[];
  ipAddresses: string[];
  validDays: number;
  now?: Date;
}): SelfSignedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const spki = new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
  const now = options.now ?? new Date();
  const name = sequence(set(sequence(oid("2.5.4.3"), utf8String(options.commonName))));
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01;
  const tbs = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(serial),
    ecdsaWithSha256(),
    name,
    sequence(
      time(new Date(now.getTime() - 3_600_000)),
      time(new Date(now.getTime() + options.validDays * DAY_MS)),
    ),
    name,
    spki,
    explicit(3, sequence(...extensions(options, spki))),
  );
  const signature = new Uint8Array(sign("sha256", tbs, privateKey));
  const der = sequence(tbs, ecdsaWithSha256(), bitString(signature));
  return {
    certPem: toPem("CERTIFICATE", der),
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

function extensions(options: { dnsNames: string[]; ipAddresses: string[] }, spki: Uint8Array): Uint8Array[] {
  const names = [
    ...options.dnsNames.map((dns) => implicit(2, new TextEncoder().encode(dns))),
    ...options.ipAddresses.map((ip) => implicit(7, ipBytes(ip))),
  ];
  const keyId = new Uint8Array(createHash("sha1").update(spki).digest());
  return [
    extension("2.5.29.19", true, sequence()), // basicConstraints: CA false
    extension("2.5.29.15", true, keyUsageDigitalSignature()),
    extension("2.5.29.37", false, sequence(oid("1.3.6.1.5.5.7.3.1"))), // extKeyUsage: serverAuth
    extension("2.5.29.14", false, octetString(keyId)), // subjectKeyIdentifier
    extension("2.5.29.17", false, sequence(...names)), // subjectAltName
  ];
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? sequence(oid(id), boolean(true), octetString(value))
    : sequence(oid(id), octetString(value));
}

/** KeyUsage BIT STRING with only digitalSignature (bit 0) set: 7 unused bits. */
function keyUsageDigitalSignature(): Uint8Array {
  return Uint8Array.of(0x03, 0x02, 0x07, 0x80);
}

/** The 4 or 16 bytes of an IPv4 or IPv6 address literal (IPv6 ones have a colon). */
function ipBytes(ip: string): Uint8Array {
  if (!ip.includes(":")) return Uint8Array.from(ip.split(".").map(Number));
  const [head = "", tail = ""] = ip.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = ip.includes("::") ? (tail === "" ? [] : tail.split(":")) : [];
  const fill = ip.includes("::") ? 8 - headGroups.length - tailGroups.length : 0;
  const groups = [...headGroups, ...Array<string>(fill).fill("0"), ...tailGroups];
  return Uint8Array.from(groups.flatMap((group) => [parseInt(group, 16) >> 8, parseInt(group, 16) & 0xff]));
}

/** DER bytes as a PEM block. */
export function toPem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString("base64");
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
