import { concatBytes } from "../../util/bytes.ts";

/**
 * A minimal DER (ASN.1 Distinguished Encoding Rules) encoder: just the types an X.509 v3
 * certificate needs. Each function returns the complete TLV bytes.
 */

function lengthBytes(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** One TLV with a raw tag byte. */
export function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const body = concatBytes(...contents);
  const length = lengthBytes(body.length);
  const out = new Uint8Array(1 + length.length + body.length);
  out[0] = tag;
  out.set(length, 1);
  out.set(body, 1 + length.length);
  return out;
}

/** SEQUENCE of the given encoded elements. */
export const sequence = (...elements: Uint8Array[]) => tlv(0x30, ...elements);
/** SET of the given encoded elements (callers pass one element, so no sorting is needed). */
export const set = (...elements: Uint8Array[]) => tlv(0x31, ...elements);
/** Context-specific constructed tag [n] EXPLICIT. */
export const explicit = (n: number, inner: Uint8Array) => tlv(0xa0 | n, inner);
/** Context-specific primitive tag [n] IMPLICIT (e.g. GeneralName choices). */
export const implicit = (n: number, body: Uint8Array) => tlv(0x80 | n, body);
/** OCTET STRING. */
export const octetString = (body: Uint8Array) => tlv(0x04, body);
/** BIT STRING with no unused bits. */
export const bitString = (body: Uint8Array) => tlv(0x03, Uint8Array.of(0), body);
/** BOOLEAN. */
export const boolean = (value: boolean) => tlv(0x01, Uint8Array.of(value ? 0xff : 0));
/** UTF8String. */
export const utf8String = (text: string) => tlv(0x0c, new TextEncoder().encode(text));

/** INTEGER from unsigned big-endian magnitude bytes (minimal, positive). */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  const needsPad = ((trimmed[0] ?? 0) & 0x80) !== 0;
  return tlv(0x02, needsPad ? Uint8Array.of(0, ...trimmed) : trimmed);
}

/** INTEGER from a small non-negative number. */
export const smallInteger = (value: number) => unsignedInteger(Uint8Array.of(value));

/** OBJECT IDENTIFIER from dotted text ("1.2.840.10045.4.3.2"). */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split(".").map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const bytes: number[] = [first * 40 + second];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      chunk.unshift((value & 0x7f) | 0x80);
    }
    bytes.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(bytes));
}

/** UTCTime before 2050, GeneralizedTime from 2050 on (RFC 5280, 4.1.2.5). */
export function time(date: Date): Uint8Array {
  const iso = date.toISOString(); // 2026-11-28T00:00:00.000Z
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const encoder = new TextEncoder();
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, encoder.encode(digits.slice(2)))
    : tlv(0x18, encoder.encode(digits));
}
