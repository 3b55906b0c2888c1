import { ByteReader, ByteWriter } from "./bytes.ts";
import { decodeUtf8, readString } from "./strings.ts";
import type { Suite } from "./suite.ts";

/** content_type values of §6.5.1: 0 bytes, 1 UTF-8 text, 2–127 reserved, 128–255 application use. */
export const ContentType = { bytes: 0, text: 1 } as const;

/** MessageContent C of §6.5.1: content_type u8 ‖ metadata []KeyValue ‖ body bytes. */
export interface MessageContent {
  contentType: number;
  metadata: [string, string][];
  body: Uint8Array;
}

/** Why a recipient refuses an end-to-end payload; it acks the 0x10 with status 3 (§8.5). */
export class PayloadRejected extends Error {
  constructor(
    readonly reason: "key" | "decrypt" | "padding" | "content",
    message: string,
  ) {
    super(message);
    this.name = "PayloadRejected";
  }
}

function isDefinedContentType(type: number): boolean {
  return Number.isInteger(type) && (type === 0 || type === 1 || (type >= 128 && type <= 255));
}

/** Encodes C; a reserved content_type (2–127) is refused, as is text that is not a whole string. */
export function encodeContent(content: MessageContent): Uint8Array {
  if (!isDefinedContentType(content.contentType)) {
    throw new RangeError(`content_type ${content.contentType} is reserved or out of range`);
  }
  const writer = new ByteWriter().u8(content.contentType).u16(content.metadata.length);
  for (const [key, value] of content.metadata) writer.string(key).string(value);
  const encoded = writer.bytes(content.body).finish();
  decodeContent(encoded);
  return encoded;
}

/**
 * Decodes C (PayloadRejected "content" on any violation): a reserved content_type, bad UTF-8 in a
 * metadata string or in a text body, or a field overrunning |C|. Bytes after the body are ignored (§3).
 */
export function decodeContent(bytes: Uint8Array): MessageContent {
  try {
    const reader = new ByteReader(bytes);
    const contentType = reader.u8("content_type");
    if (!isDefinedContentType(contentType)) throw new Error(`content_type ${contentType} is reserved`);
    const count = reader.u16("metadata count");
    const metadata: [string, string][] = [];
    for (let i = 0; i < count; i++) {
      metadata.push([
        readString(reader, bytes.length, "metadata key"),
        readString(reader, bytes.length, "metadata value"),
      ]);
    }
    const body = reader.bytes(bytes.length, "body");
    if (contentType === ContentType.text) decodeUtf8(body, "text body");
    return { contentType, metadata, body };
  } catch (error) {
    throw new PayloadRejected("content", `message content: ${(error as Error).message}`);
  }
}

/** The text of a content_type 1 message (decodeContent has already checked it is well-formed). */
export function contentText(content: MessageContent): string {
  return decodeUtf8(content.body, "text body");
}

/** Smallest |encrypted_payload| (§3): epk (32) ‖ u32 length (4) ‖ tag (16) around an empty C. */
export const PAYLOAD_OVERHEAD = 52;
const KIB = 1024;
const BUCKET_MAX = 256 * KIB;

/**
 * |encrypted_payload| for a C of `contentLength` bytes: PAD-PROFILE-4 exactly 52 + |C|;
 * PAD-PROFILE-1 the smallest power-of-two bucket from 1 KiB to 256 KiB, then multiples of 256 KiB.
 */
export function paddedPayloadLength(contentLength: number, pad: Suite["pad"]): number {
  const needed = PAYLOAD_OVERHEAD + contentLength;
  if (pad === "PAD-PROFILE-4") return needed;
  if (needed > BUCKET_MAX) return Math.ceil(needed / BUCKET_MAX) * BUCKET_MAX;
  let bucket = KIB;
  while (bucket < needed) bucket *= 2;
  return bucket;
}
