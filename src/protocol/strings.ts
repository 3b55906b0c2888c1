import type { ByteReader } from "./bytes.ts";
import { formatError } from "./protocol-error.ts";

const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decodes a §3 string: well-formed UTF-8 (no overlong forms, surrogates, or code points above
 * U+10FFFF) and no leading U+FEFF. Anything else is 101; a bad string is never repaired.
 */
export function decodeUtf8(bytes: Uint8Array, what = "string"): string {
  let text: string;
  try {
    text = strictDecoder.decode(bytes);
  } catch {
    throw formatError(`${what} is not well-formed UTF-8`);
  }
  if (text.charCodeAt(0) === 0xfeff) throw formatError(`${what} starts with U+FEFF`);
  return text;
}

/** Reads a `string` field of at most `maxBytes` bytes (and at least `minBytes`). */
export function readString(reader: ByteReader, maxBytes: number, what: string, minBytes = 0): string {
  const bytes = reader.bytes(maxBytes, what);
  if (bytes.length < minBytes) throw formatError(`${what} is ${bytes.length} bytes (minimum ${minBytes})`);
  return decodeUtf8(bytes, what);
}

/** True when `text` is 1–128 bytes of printable ASCII, as §3 requires of a capability name. */
export function isCapabilityName(bytes: Uint8Array): boolean {
  if (bytes.length < 1 || bytes.length > 128) return false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte < 0x20 || byte > 0x7e) return false;
  }
  return true;
}

const asciiDecoder = new TextDecoder("ascii");

/** A capability name checked by isCapabilityName as a string (printable ASCII decodes as itself). */
export function capabilityName(bytes: Uint8Array): string {
  return asciiDecoder.decode(bytes);
}

/** A user_id: 1–256 bytes of well-formed UTF-8 without U+0000–U+001F or U+007F. */
export function readUserId(reader: ByteReader): string {
  const text = readString(reader, 256, "user_id", 1);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) throw formatError("user_id contains a control character");
  }
  return text;
}
