import { createPrivateKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { closeSync, fchmodSync, fstatSync, openSync, readFileSync, writeSync } from "node:fs";
import { toHex } from "../protocol/bytes.ts";
import { errnoCode, errnoText } from "../util/errno.ts";
import { type DeviceKeys, deviceKeys } from "./device-messaging.ts";

/** Permission bits a device key file must not have: any access by group or others (as ssh). */
const FOREIGN_ACCESS = 0o077;

/** Why a key file cannot be written or used; the message says what to do. */
export class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyFileError";
  }
}

/** The Ed25519 seed of a private KeyObject (the last 32 bytes of its PKCS#8 DER). */
function seedOf(key: KeyObject): Uint8Array {
  const der = key.export({ format: "der", type: "pkcs8" });
  return new Uint8Array(der.subarray(der.length - 32));
}

/**
 * Creates a new device key in `path`: an Ed25519 private key as PKCS#8 PEM, mode 0600, never
 * over an existing file (O_EXCL). Returns the keys it holds.
 */
export function createKeyFile(path: string): DeviceKeys {
  const { privateKey } = generateKeyPairSync("ed25519");
  const pem = privateKey.export({ format: "pem", type: "pkcs8" }) as string;
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (error) {
    if (errnoCode(error) === "EEXIST") {
      throw new KeyFileError(
        `"${path}" exists: refusing to overwrite a key (remove it first, or pick another -o)`,
      );
    }
    throw new KeyFileError(`cannot create key file "${path}" (${errnoText(error)})`);
  }
  try {
    if (process.platform !== "win32") fchmodSync(fd, 0o600);
    writeSync(fd, pem);
  } finally {
    closeSync(fd);
  }
  return deviceKeys(seedOf(privateKey));
}

/**
 * Reads a device key file written by createKeyFile (any PKCS#8 PEM Ed25519 key). Refuses a file
 * that group or others may access, as ssh does, and anything that is not an Ed25519 private key.
 */
export function readKeyFile(path: string): DeviceKeys {
  let text: string;
  try {
    const fd = openSync(path, "r");
    try {
      const mode = fstatSync(fd).mode & 0o777;
      if (process.platform !== "win32" && (mode & FOREIGN_ACCESS) !== 0) {
        throw new KeyFileError(
          `key file "${path}" is accessible by others (mode ${mode.toString(8).padStart(4, "0")}): run chmod 600 "${path}"`,
        );
      }
      text = readFileSync(fd, "utf8");
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (error instanceof KeyFileError) throw error;
    throw new KeyFileError(`cannot read key file "${path}" (${errnoText(error)})`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: "pem" });
  } catch {
    throw new KeyFileError(
      `"${path}" is not a PEM private key (create one with: norc-server client keygen -o FILE)`,
    );
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new KeyFileError(`"${path}" holds a ${key.asymmetricKeyType} key; a device key is Ed25519`);
  }
  return deviceKeys(seedOf(key));
}

/** What `keygen` prints: the device id and public key, as hex. */
export function describeKeys(keys: DeviceKeys): { deviceId: string; publicKey: string } {
  return { deviceId: toHex(keys.deviceId), publicKey: toHex(keys.publicKey) };
}
