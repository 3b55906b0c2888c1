import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { dataDirLayout } from "../config/data-dir.ts";
import { errorMessage, NorcError } from "../errors.ts";
import { toHex } from "../protocol/bytes.ts";
import { rawPublicKey } from "../protocol/keys.ts";
import type { ServerIdentity } from "../protocol/server-handshake.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { errnoCode } from "../util/errno.ts";

/**
 * The server's long-term Ed25519 identity (IKs, §4.5): read from `data_dir`, or generated on first
 * start (directory 0700, file 0600) and reused on every later start.
 */
export function loadOrCreateIdentity(dataDir: string): ServerIdentity & { file: string; created: boolean } {
  const file = dataDirLayout(dataDir).identityKey;
  let pem: string | undefined;
  try {
    pem = readFileSync(file, "utf8");
  } catch (error) {
    if (errnoCode(error) !== "ENOENT") {
      throw new NorcError(
        `cannot read the server identity "${file}" (${errorMessage(error)}): fix its permissions or restore it from backup`,
      );
    }
  }
  if (pem !== undefined) return { ...identityFromPem(pem, file), file, created: false };
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync("ed25519");
    const created = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    writeFileAtomic(file, created, 0o600);
    return { ...identityFromPem(created, file), file, created: true };
  } catch (error) {
    if (error instanceof NorcError) throw error;
    throw new NorcError(
      `cannot create the server identity "${file}" (${errorMessage(error)}): make storage.data_dir writable`,
    );
  }
}

function identityFromPem(pem: string, file: string): ServerIdentity {
  try {
    const privateKey = createPrivateKey(pem);
    if (privateKey.asymmetricKeyType !== "ed25519")
      throw new Error(`key type is ${privateKey.asymmetricKeyType}`);
    const publicKey = rawPublicKey(privateKey);
    return { privateKey, publicKey, fingerprint: toHex(publicKey) };
  } catch (error) {
    throw new NorcError(
      `the server identity "${file}" is not an Ed25519 private key (${errorMessage(error)}): restore it from backup, or remove it to generate a new identity (clients that pinned the old one will refuse the new one)`,
    );
  }
}
