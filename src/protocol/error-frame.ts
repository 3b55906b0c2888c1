import { ByteReader, ByteWriter, randomBytes, toHex } from "./bytes.ts";
import { buildFrame, FrameType } from "./header.ts";
import { formatError } from "./protocol-error.ts";
import { readString } from "./strings.ts";

/** 0xFF Error body (§6). */
export interface ErrorBody {
  code: number;
  message: string;
  retryAfterSecs: number;
  details: [string, string][];
  timestampMs: bigint;
}

/** Details of an error: `ref` (the offending message_id), `reason`, `limit` (§6.1). */
export interface ErrorDetails {
  ref?: Uint8Array;
  reason?: string;
  limit?: string;
}

/** Encodes an Error body. */
export function encodeErrorBody(error: ErrorBody): Uint8Array {
  const writer = new ByteWriter().u16(error.code).string(error.message).u32(error.retryAfterSecs);
  writer.u16(error.details.length);
  for (const [key, value] of error.details) writer.string(key).string(value);
  return writer.u64(error.timestampMs).finish();
}

/** Parses an Error body (101 on any violation; extension bytes ignored). */
export function decodeErrorBody(body: Uint8Array): ErrorBody {
  const reader = new ByteReader(body);
  const code = reader.u16("code");
  const message = readString(reader, 1024, "error message");
  const retryAfterSecs = reader.u32("retry_after");
  const count = reader.u16("details count");
  if (count > 16) throw formatError(`${count} error details (limit 16)`);
  const details: [string, string][] = [];
  for (let i = 0; i < count; i++) {
    details.push([readString(reader, 64, "detail key"), readString(reader, 256, "detail value")]);
  }
  return { code, message, retryAfterSecs, details, timestampMs: reader.u64("timestamp") };
}

/** A complete 0xFF inner frame (plaintext when sent before the ServerHello, else to be sealed). */
export function buildErrorFrame(
  code: number,
  message: string,
  options: ErrorDetails & { retryAfterSecs?: number; nowMs?: number; version?: number } = {},
): Uint8Array {
  const details: [string, string][] = [];
  if (options.ref !== undefined) details.push(["ref", toHex(options.ref)]);
  if (options.reason !== undefined) details.push(["reason", options.reason]);
  if (options.limit !== undefined) details.push(["limit", options.limit]);
  const timestampMs = BigInt(options.nowMs ?? Date.now());
  const body = encodeErrorBody({
    code,
    message: message.slice(0, 1024),
    retryAfterSecs: options.retryAfterSecs ?? 0,
    details,
    timestampMs,
  });
  return buildFrame(
    {
      version: options.version ?? 1,
      type: FrameType.error,
      flags: 0,
      timestampMs,
      messageId: randomBytes(32),
    },
    body,
  );
}

/** The value of one detail key, if present. */
export function detail(error: ErrorBody, key: string): string | undefined {
  return error.details.find(([k]) => k === key)?.[1];
}
