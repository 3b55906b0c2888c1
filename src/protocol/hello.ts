import { ByteReader, ByteWriter, utf8 } from "./bytes.ts";
import { decodeHeader, FrameType, frameBody, HEADER_SIZE, LAYER_C, writeHeader } from "./header.ts";
import { formatError } from "./protocol-error.ts";
import { capabilityName, isCapabilityName, readString } from "./strings.ts";

/** A protocol version as carried in hellos: (major, minor, patch). */
export interface Version {
  major: number;
  minor: number;
  patch: number;
}

/** 0x00 ClientHello body (§4.1). */
export interface ClientHello {
  versions: Version[];
  capabilities: string[];
  clientNonce: Uint8Array;
  clientEphemeral: Uint8Array;
  pqKey?: Uint8Array;
}

/** 0x01 ServerHello body (§4.2). */
export interface ServerHello {
  version: Version;
  capabilities: string[];
  algset: string;
  serverNonce: Uint8Array;
  serverEphemeral: Uint8Array;
  serverIdentity: Uint8Array;
  pqKey: Uint8Array;
  signature: Uint8Array;
}

/** Header fields a caller chooses for a hello (the rest is fixed by the type). */
export interface HelloHeader {
  version: number;
  timestampMs: bigint;
  messageId: Uint8Array;
}

const MAX_CAPABILITIES = 64;

function writeCapabilities(writer: ByteWriter, capabilities: string[]): void {
  writer.u16(capabilities.length);
  for (const name of capabilities) writer.string(name);
}

function readCapabilities(reader: ByteReader): string[] {
  const count = reader.u16("capabilities count");
  if (count > MAX_CAPABILITIES) throw formatError(`${count} capabilities (limit ${MAX_CAPABILITIES})`);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = reader.bytes(128, "capability");
    if (!isCapabilityName(bytes))
      throw formatError("a capability name is not 1-128 bytes of printable ASCII");
    names.push(capabilityName(bytes));
  }
  return names;
}

/** The full 0x00 frame for `hello` (plaintext, flags 0). */
export function encodeClientHello(header: HelloHeader, hello: ClientHello): Uint8Array {
  const writer = new ByteWriter().u16(hello.versions.length);
  for (const v of hello.versions) writer.u8(v.major).u8(v.minor).u8(v.patch);
  writeCapabilities(writer, hello.capabilities);
  writer.raw(hello.clientNonce).raw(hello.clientEphemeral);
  if (hello.pqKey !== undefined) writer.bytes(hello.pqKey);
  return withHeader(FrameType.clientHello, header, writer.finish());
}

/** Parses a 0x00 body; any violation of §3/§4.1 is a ProtocolError 101. */
export function decodeClientHello(body: Uint8Array): ClientHello {
  const reader = new ByteReader(body);
  const count = reader.u16("versions count");
  if (count < 1 || count > 16) throw formatError(`${count} versions (must be 1-16)`);
  const versions: Version[] = [];
  for (let i = 0; i < count; i++) {
    versions.push({ major: reader.u8("major"), minor: reader.u8("minor"), patch: reader.u8("patch") });
  }
  const capabilities = readCapabilities(reader);
  const clientNonce = reader.raw(32, "client_nonce");
  const clientEphemeral = reader.raw(32, "client_ephemeral");
  const hello: ClientHello = { versions, capabilities, clientNonce, clientEphemeral };
  if (reader.remaining >= 4) hello.pqKey = reader.bytes(body.length, "pq_key");
  return hello;
}

/** The 0x01 frame without its signature (SH⁻), whose length already counts the 64 signature bytes. */
export function encodeServerHelloUnsigned(
  header: HelloHeader,
  hello: Omit<ServerHello, "signature">,
): Uint8Array {
  const writer = new ByteWriter().u8(hello.version.major).u8(hello.version.minor).u8(hello.version.patch);
  writeCapabilities(writer, hello.capabilities);
  writer.string(hello.algset).raw(hello.serverNonce).raw(hello.serverEphemeral).raw(hello.serverIdentity);
  writer.bytes(hello.pqKey);
  const fields = writer.finish();
  const frame = new Uint8Array(HEADER_SIZE + fields.length + 64);
  writeHeader(frame, {
    ...header,
    layer: LAYER_C,
    type: FrameType.serverHello,
    flags: 0,
    length: frame.length,
  });
  frame.set(fields, HEADER_SIZE);
  return frame.subarray(0, frame.length - 64);
}

/** Parses a 0x01 body (signature = last 64 bytes; extension bytes before it are ignored). */
export function decodeServerHello(body: Uint8Array): ServerHello {
  if (body.length < 64) throw formatError("ServerHello is shorter than its signature");
  const reader = new ByteReader(body.subarray(0, body.length - 64));
  const version = { major: reader.u8("major"), minor: reader.u8("minor"), patch: reader.u8("patch") };
  const capabilities = readCapabilities(reader);
  const algset = readString(reader, 256, "algset");
  const serverNonce = reader.raw(32, "server_nonce");
  const serverEphemeral = reader.raw(32, "server_ephemeral");
  const serverIdentity = reader.raw(32, "server_identity");
  const pqKey = reader.bytes(body.length, "pq_key");
  const signature = body.subarray(body.length - 64);
  return { version, capabilities, algset, serverNonce, serverEphemeral, serverIdentity, pqKey, signature };
}

/** Checks a hello header (type, flags 0, layer 1) and returns its body; 101 otherwise. */
export function helloBody(frame: Uint8Array, type: number): Uint8Array {
  const header = decodeHeader(frame);
  if (header.type !== type) throw formatError(`expected frame type ${type}, got ${header.type}`);
  if (header.flags !== 0) throw formatError(`hello flags are ${header.flags} (must be 0)`);
  if (header.layer !== LAYER_C) throw formatError(`layer is ${header.layer} (must be 1)`);
  if (header.length !== frame.length) throw formatError("hello length field does not match the frame");
  return frameBody(frame);
}

function withHeader(type: number, header: HelloHeader, body: Uint8Array): Uint8Array {
  const frame = new Uint8Array(HEADER_SIZE + body.length);
  writeHeader(frame, { ...header, layer: LAYER_C, type, flags: 0, length: frame.length });
  frame.set(body, HEADER_SIZE);
  return frame;
}

/** The ASCII label that prefixes the ServerHello signature input. */
export const SH_SIG_LABEL = utf8("norc:sh-sig:v1");
