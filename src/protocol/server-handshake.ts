import type { KeyObject } from "node:crypto";
import { concatBytes, randomBytes } from "./bytes.ts";
import { FrameType } from "./header.ts";
import {
  type ClientHello,
  decodeClientHello,
  encodeServerHelloUnsigned,
  helloBody,
  type Version,
} from "./hello.ts";
import { beginTranscript, deriveSessionKeys, type SessionKeys } from "./key-schedule.ts";
import { type EphemeralKey, generateEphemeral, signEd25519, x25519 } from "./keys.ts";
import { ErrorCode, ProtocolError } from "./protocol-error.ts";
import { algsetString, CORE_CAPABILITY, negotiateVersion, OWN_CAPABILITIES, selectSuite } from "./suite.ts";

/** The server's long-term Ed25519 identity (IKs). */
export interface ServerIdentity {
  privateKey: KeyObject;
  /** IKs_pk, 32 raw bytes. */
  publicKey: Uint8Array;
  /** IKs_pk as 64 lowercase hex characters (§4.5). */
  fingerprint: string;
}

/** What the server knows once it has answered a ClientHello. */
export interface ServerHandshake {
  serverHello: Uint8Array;
  clientHello: ClientHello;
  version: Version;
  algset: string;
  th: Uint8Array;
  keys: SessionKeys;
}

/** Fixed inputs for tests (golden vectors); production draws them fresh. */
export interface ServerHandshakeInputs {
  nowMs?: number;
  serverNonce?: Uint8Array;
  ephemeral?: EphemeralKey;
  messageId?: Uint8Array;
  capabilities?: readonly string[];
}

/**
 * Runs §4.8 steps 2–6 on the first frame: parse (101), profile (102), version (100), suite (102),
 * then signs the ServerHello and derives the keys. Throws ProtocolError with the code to send.
 */
export function acceptClientHello(
  frame: Uint8Array,
  identity: ServerIdentity,
  inputs: ServerHandshakeInputs = {},
): ServerHandshake {
  const hello = decodeClientHello(helloBody(frame, FrameType.clientHello));
  if (!hello.capabilities.includes(CORE_CAPABILITY)) {
    throw new ProtocolError(
      ErrorCode.unsupportedFeature,
      `the client does not list ${CORE_CAPABILITY}`,
      "profile",
    );
  }
  const version = negotiateVersion(hello.versions);
  if (version === null) {
    const offered = hello.versions.map((v) => `${v.major}.${v.minor}.${v.patch}`).join(", ");
    throw new ProtocolError(
      ErrorCode.versionMismatch,
      `no common version: client offers ${offered}, server speaks 1.0`,
    );
  }
  const capabilities = inputs.capabilities ?? OWN_CAPABILITIES;
  const suite = selectSuite(hello.capabilities, capabilities);
  if (suite === null || suite.aead !== "chacha20poly1305") {
    throw new ProtocolError(ErrorCode.unsupportedFeature, "no common algorithm suite", "suite");
  }
  const ephemeral = inputs.ephemeral ?? generateEphemeral();
  const sharedSecret = x25519(ephemeral.privateKey, hello.clientEphemeral);
  if (sharedSecret === null)
    throw new ProtocolError(ErrorCode.messageFormat, "client_ephemeral is not a usable X25519 key");
  const algset = algsetString(suite);
  const serverNonce = inputs.serverNonce ?? randomBytes(32);
  const unsigned = encodeServerHelloUnsigned(
    {
      version: version.major,
      timestampMs: BigInt(inputs.nowMs ?? Date.now()),
      messageId: inputs.messageId ?? randomBytes(32),
    },
    {
      version,
      capabilities: [...capabilities],
      algset,
      serverNonce,
      serverEphemeral: ephemeral.publicKey,
      serverIdentity: identity.publicKey,
      pqKey: new Uint8Array(0),
    },
  );
  const transcript = beginTranscript(frame, unsigned);
  const signature = signEd25519(identity.privateKey, transcript.signatureInput);
  const serverHello = concatBytes(unsigned, signature);
  const th = transcript.finish(signature, algset);
  const keys = deriveSessionKeys(sharedSecret, hello.clientNonce, serverNonce, th);
  sharedSecret.fill(0);
  return { serverHello, clientHello: hello, version, algset, th, keys };
}
