import { timingSafeEqual } from "node:crypto";
import { ByteReader, ByteWriter } from "./bytes.ts";
import { FrameType, frameBody } from "./header.ts";
import { deviceIdOf } from "./messages.ts";
import { formatError } from "./protocol-error.ts";
import { buildUnsignedFrame, type FrameStamp } from "./signed-frame.ts";
import { readUserId } from "./strings.ts";

/** 0x31 device states (§6; §5.1 of NORC as NCP-1 fixes it). */
export const DeviceState = { registered: 1, active: 2, suspended: 3, revoked: 4 } as const;

/** 0x30 KeyRequest (§6.7): kind 0 asks for a user's devices, kind 1 for 1–64 device ids. */
export type KeyRequest = { kind: 0; userId: string } | { kind: 1; deviceIds: Uint8Array[] };

/** Parses a 0x30 inner frame (101: unknown kind, 0 or over 64 ids, a bad user_id). */
export function decodeKeyRequest(inner: Uint8Array): KeyRequest {
  const reader = new ByteReader(frameBody(inner));
  const kind = reader.u8("kind");
  if (kind === 0) return { kind, userId: readUserId(reader) };
  if (kind !== 1) throw formatError(`key request kind ${kind} is not defined`);
  const count = reader.u16("device_ids count");
  if (count < 1 || count > 64) throw formatError(`${count} device_ids (1–64 allowed)`);
  const deviceIds: Uint8Array[] = [];
  for (let i = 0; i < count; i++) deviceIds.push(reader.raw(32, "device_id"));
  return { kind, deviceIds };
}

/** A 0x30 inner frame (unsigned); checked by decodeKeyRequest before it is returned. */
export function buildKeyRequest(stamp: FrameStamp, request: KeyRequest): Uint8Array {
  const writer = new ByteWriter().u8(request.kind);
  if (request.kind === 0) writer.string(request.userId);
  else {
    writer.u16(request.deviceIds.length);
    for (const id of request.deviceIds) {
      if (id.length !== 32) throw new RangeError("a device_id is 32 bytes");
      writer.raw(id);
    }
  }
  const frame = buildUnsignedFrame(FrameType.keyRequest, stamp, writer.finish());
  decodeKeyRequest(frame);
  return frame;
}

/** One 0x31 entry. */
export interface DirectoryEntry {
  deviceId: Uint8Array;
  userId: string;
  publicKey: Uint8Array;
  state: number;
  registeredAtMs: bigint;
  capabilities: number;
  /** The latest presence status when the requester is in the audience, else 0. */
  presence: number;
}

/** 0x31 KeyResponse: the request's message_id and up to 256 entries. */
export interface KeyResponse {
  refMessageId: Uint8Array;
  entries: DirectoryEntry[];
}

function readEntry(reader: ByteReader): DirectoryEntry {
  const deviceId = reader.raw(32, "device_id");
  const userId = readUserId(reader);
  const publicKey = reader.raw(32, "public_key");
  const state = reader.u8("state");
  if (state < DeviceState.registered || state > DeviceState.revoked)
    throw formatError(`device state ${state} is not defined`);
  const registeredAtMs = reader.u64("registered_at");
  const capabilities = reader.u32("capabilities");
  const presence = reader.u8("presence");
  if (presence > 3) throw formatError(`presence ${presence} is not defined`);
  return { deviceId, userId, publicKey, state, registeredAtMs, capabilities, presence };
}

/** Parses a 0x31 inner frame (101: over 256 entries, an undefined state or presence, a bad user_id). */
export function decodeKeyResponse(inner: Uint8Array): KeyResponse {
  const reader = new ByteReader(frameBody(inner));
  const refMessageId = reader.raw(32, "ref_message_id");
  const count = reader.u16("entries count");
  if (count > 256) throw formatError(`${count} directory entries (limit 256)`);
  const entries: DirectoryEntry[] = [];
  for (let i = 0; i < count; i++) entries.push(readEntry(reader));
  return { refMessageId, entries };
}

/** A 0x31 inner frame (unsigned: it rides the authenticated record layer). */
export function buildKeyResponse(stamp: FrameStamp, response: KeyResponse): Uint8Array {
  if (response.refMessageId.length !== 32) throw new RangeError("ref_message_id is 32 bytes");
  const writer = new ByteWriter().raw(response.refMessageId).u16(response.entries.length);
  for (const e of response.entries) {
    if (e.deviceId.length !== 32 || e.publicKey.length !== 32)
      throw new RangeError("ids and keys are 32 bytes");
    writer.raw(e.deviceId).string(e.userId).raw(e.publicKey).u8(e.state);
    writer.u64(e.registeredAtMs).u32(e.capabilities).u8(e.presence);
  }
  const frame = buildUnsignedFrame(FrameType.keyResponse, stamp, writer.finish());
  decodeKeyResponse(frame);
  return frame;
}

/** True when an entry's device_id is BLAKE3(public_key), as clients MUST check (§6.7). */
export function isGenuineEntry(entry: DirectoryEntry): boolean {
  return timingSafeEqual(deviceIdOf(entry.publicKey), entry.deviceId);
}

/** The entries a client may encrypt to: genuine and in state 2 (active), per §6.7. */
export function encryptableEntries(entries: DirectoryEntry[]): DirectoryEntry[] {
  return entries.filter((entry) => entry.state === DeviceState.active && isGenuineEntry(entry));
}
