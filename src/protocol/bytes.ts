import { formatError } from "./protocol-error.ts";

/** Lowercase hex of `bytes` (native encoder: no table to build at start-up). */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Bytes of a hex string (whitespace ignored); throws on odd length or a non-hex digit. */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean))
    throw new Error(`invalid hex string "${text}"`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export { concatBytes } from "../util/bytes.ts";

const encoder = new TextEncoder();

/** ASCII/UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Byte-wise equality (not constant time; use timingSafeEqual for keys and pins). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `n` fresh bytes from the CSPRNG. */
export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** Big-endian u64 of `value` (a number below 2^53 or a bigint). */
export function u64(value: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}

/** Appends NCP-1 encoded fields (§3) to a growing buffer. */
export class ByteWriter {
  private buffer = new Uint8Array(256);
  private view = new DataView(this.buffer.buffer);
  private size = 0;

  private reserve(extra: number): void {
    if (this.size + extra <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.size + extra) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.size));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  u8(value: number): this {
    this.reserve(1);
    this.view.setUint8(this.size, value);
    this.size += 1;
    return this;
  }

  u16(value: number): this {
    this.reserve(2);
    this.view.setUint16(this.size, value);
    this.size += 2;
    return this;
  }

  u32(value: number): this {
    this.reserve(4);
    this.view.setUint32(this.size, value);
    this.size += 4;
    return this;
  }

  u64(value: number | bigint): this {
    this.reserve(8);
    this.view.setBigUint64(this.size, BigInt(value));
    this.size += 8;
    return this;
  }

  /** Fixed-size bytes, written as they are. */
  raw(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.size);
    this.size += bytes.length;
    return this;
  }

  /** `bytes`: u32 length ‖ data. */
  bytes(data: Uint8Array): this {
    return this.u32(data.length).raw(data);
  }

  /** `string`: u32 length ‖ UTF-8. */
  string(text: string): this {
    return this.bytes(utf8(text));
  }

  /** The written bytes (a copy-free view). */
  finish(): Uint8Array {
    return this.buffer.subarray(0, this.size);
  }
}

/** Reads NCP-1 fields (§3); every overrun or bad value throws ProtocolError 101. */
export class ByteReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get remaining(): number {
    return this.data.length - this.offset;
  }

  get position(): number {
    return this.offset;
  }

  private need(n: number, what: string): void {
    if (this.remaining < n) throw formatError(`${what} overruns the body`);
  }

  u8(what = "u8"): number {
    this.need(1, what);
    return this.view.getUint8(this.offset++);
  }

  u16(what = "u16"): number {
    this.need(2, what);
    const value = this.view.getUint16(this.offset);
    this.offset += 2;
    return value;
  }

  u32(what = "u32"): number {
    this.need(4, what);
    const value = this.view.getUint32(this.offset);
    this.offset += 4;
    return value;
  }

  u64(what = "u64"): bigint {
    this.need(8, what);
    const value = this.view.getBigUint64(this.offset);
    this.offset += 8;
    return value;
  }

  /** `n` bytes as a view into the body. */
  raw(n: number, what = "field"): Uint8Array {
    this.need(n, what);
    const out = this.data.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** `bytes` with a length limit checked before reading. */
  bytes(maxLength: number, what = "bytes"): Uint8Array {
    const length = this.u32(`${what} length`);
    if (length > maxLength) throw formatError(`${what} is ${length} bytes (limit ${maxLength})`);
    return this.raw(length, what);
  }
}
