import { timingSafeEqual } from "node:crypto";
import { randomBytes, toHex } from "./bytes.ts";
import { decodeHeader, FrameType, PREAUTH_MAX_FRAME } from "./header.ts";
import { decodeServerHello, encodeClientHello, helloBody, type ServerHello, type Version } from "./hello.ts";
import { beginTranscript, deriveSessionKeys, type SessionKeys } from "./key-schedule.ts";
import { type EphemeralKey, generateEphemeral, verifyEd25519Raw, x25519 } from "./keys.ts";
import { ErrorCode, ProtocolError } from "./protocol-error.ts";
import { algsetString, OWN_CAPABILITIES, selectSuite } from "./suite.ts";

/** The client's half of the handshake, kept until the ServerHello arrives. */
export interface ClientHelloState {
  frame: Uint8Array;
  versions: Version[];
  capabilities: readonly string[];
  nonce: Uint8Array;
  ephemeral: EphemeralKey;
}

/** The outcome of a verified handshake. */
export interface ClientHandshake {
  serverHello: ServerHello;
  version: Version;
  algset: string;
  th: Uint8Array;
  keys: SessionKeys;
}

/** Builds a ClientHello with fresh nonce and ephemeral key (inputs fixed only in tests). */
export function createClientHello(
  options: {
    versions?: Version[];
    capabilities?: readonly string[];
    nowMs?: number;
    nonce?: Uint8Array;
    ephemeral?: EphemeralKey;
    messageId?: Uint8Array;
  } = {},
): ClientHelloState {
  const versions = options.versions ?? [{ major: 1, minor: 0, patch: 0 }];
  const capabilities = options.capabilities ?? OWN_CAPABILITIES;
  const nonce = options.nonce ?? randomBytes(32);
  const ephemeral = options.ephemeral ?? generateEphemeral();
  const highestMajor = Math.max(...versions.map((v) => v.major));
  const frame = encodeClientHello(
    {
      version: highestMajor,
      timestampMs: BigInt(options.nowMs ?? Date.now()),
      messageId: options.messageId ?? randomBytes(32),
    },
    { versions, capabilities: [...capabilities], clientNonce: nonce, clientEphemeral: ephemeral.publicKey },
  );
  return { frame, versions, capabilities, nonce, ephemeral };
}

/** Raised when the server's identity is not the pinned or remembered one (§4.5). */
export class IdentityMismatchError extends ProtocolError {
  constructor(
    readonly expected: string,
    readonly presented: string,
  ) {
    super(
      ErrorCode.authenticationFailed,
      `server identity changed: expected ${expected}, server presented ${presented}`,
      "identity",
    );
    this.name = "IdentityMismatchError";
  }
}

/**
 * Client side of §4.8 on the ServerHello: shape, version, algset (downgrade check), identity
 * (`expectedIdentity`: pinned or remembered key; undefined = first use), signature, then keys.
 */
export function finishClientHandshake(
  state: ClientHelloState,
  frame: Uint8Array,
  expectedIdentity?: Uint8Array,
): ClientHandshake {
  if (decodeHeader(frame).length > PREAUTH_MAX_FRAME)
    throw new ProtocolError(ErrorCode.messageTooLarge, "ServerHello too large");
  const hello = decodeServerHello(helloBody(frame, FrameType.serverHello));
  if (hello.pqKey.length !== 0)
    throw new ProtocolError(ErrorCode.messageFormat, "ServerHello carries a pq_key");
  const { major, minor } = hello.version;
  if (!state.versions.some((v) => v.major === major && v.minor === minor)) {
    throw new ProtocolError(
      ErrorCode.versionMismatch,
      `server chose version ${major}.${minor}, which the client did not offer`,
    );
  }
  const suite = selectSuite(state.capabilities, hello.capabilities);
  const algset = suite === null ? null : algsetString(suite);
  if (algset === null || algset !== hello.algset) {
    throw new ProtocolError(
      ErrorCode.unsupportedFeature,
      `downgrade detected: server algset "${hello.algset}", client computed "${algset}"`,
      "downgrade",
    );
  }
  if (suite?.aead !== "chacha20poly1305")
    throw new ProtocolError(ErrorCode.unsupportedFeature, `unsupported algset ${algset}`);
  if (expectedIdentity !== undefined && !timingSafeEqual(expectedIdentity, hello.serverIdentity)) {
    throw new IdentityMismatchError(toHex(expectedIdentity), toHex(hello.serverIdentity));
  }
  const unsigned = frame.subarray(0, frame.length - 64);
  const transcript = beginTranscript(state.frame, unsigned);
  if (!verifyEd25519Raw(hello.serverIdentity, transcript.signatureInput, hello.signature)) {
    throw new ProtocolError(
      ErrorCode.authenticationFailed,
      "the ServerHello signature does not verify",
      "signature",
    );
  }
  const sharedSecret = x25519(state.ephemeral.privateKey, hello.serverEphemeral);
  if (sharedSecret === null)
    throw new ProtocolError(ErrorCode.messageFormat, "server_ephemeral is not a usable X25519 key");
  const th = transcript.finish(hello.signature, algset);
  const keys = deriveSessionKeys(sharedSecret, state.nonce, hello.serverNonce, th);
  sharedSecret.fill(0);
  return { serverHello: hello, version: hello.version, algset, th, keys };
}
