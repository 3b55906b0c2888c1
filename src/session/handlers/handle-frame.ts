import { FrameType } from "../../protocol/header.ts";
import { ErrorCode, ProtocolError } from "../../protocol/protocol-error.ts";
import { protocolErrorOf } from "../relay-errors.ts";
import { handleAck } from "./ack.ts";
import { handleAuthRequest } from "./auth-request.ts";
import { handleKeyRequest } from "./directory.ts";
import type { FrameContext, FrameHandler, FrameReply } from "./frame-context.ts";
import { handlePresence } from "./presence.ts";
import { handleRegister } from "./register.ts";
import { handleRevoke } from "./revoke.ts";
import { handleSend } from "./send.ts";
import { handleTimeSync } from "./time-sync.ts";

const ignore: FrameHandler = () => null;

/** The frame types allowed in KEYED (§7.1), one handler each. */
const KEYED_HANDLERS: ReadonlyMap<number, FrameHandler> = new Map<number, FrameHandler>([
  [FrameType.timeSync, handleTimeSync],
  [FrameType.register, handleRegister],
  [FrameType.authRequest, handleAuthRequest],
  [FrameType.error, ignore],
]);

/** The frame types allowed in AUTHENTICATED (§6). */
const AUTH_HANDLERS: ReadonlyMap<number, FrameHandler> = new Map<number, FrameHandler>([
  [FrameType.timeSync, handleTimeSync],
  [FrameType.register, handleRegister],
  [FrameType.revoke, handleRevoke],
  [FrameType.send, handleSend],
  [FrameType.ack, handleAck],
  [FrameType.presence, handlePresence],
  [FrameType.keyRequest, handleKeyRequest],
  [FrameType.error, ignore],
]);

/** In AUTHENTICATED these types are a fatal 101; any other unknown type is 102 (non-fatal). */
const AUTH_FORBIDDEN = new Set<number>([
  FrameType.clientHello,
  FrameType.serverHello,
  FrameType.authRequest,
  FrameType.authResponse,
  FrameType.keyResponse,
]);

/**
 * Handles one inner frame: its type's handler for the session's state, or the profile's answer to
 * a type not allowed there (KEYED 303; AUTH 101 or 102). A ProtocolError or RelayError (thrown or
 * rejected) comes out as a ProtocolError with the frame's message_id as `ref`.
 */
export function handleFrame(context: FrameContext): FrameReply {
  const authenticated = context.device !== undefined;
  const handler = (authenticated ? AUTH_HANDLERS : KEYED_HANDLERS).get(context.header.type);
  const withRef = (error: unknown) => {
    const mapped = protocolErrorOf(error);
    if (mapped instanceof ProtocolError && mapped.ref === undefined) mapped.about(context.header.messageId);
    throw mapped;
  };
  try {
    if (handler === undefined) throw notAllowed(context.header.type, authenticated);
    const reply = handler(context);
    return reply instanceof Promise ? reply.catch(withRef) : reply;
  } catch (error) {
    return withRef(error);
  }
}

function notAllowed(type: number, authenticated: boolean): ProtocolError {
  const name = `0x${type.toString(16).padStart(2, "0")}`;
  if (!authenticated) {
    return new ProtocolError(
      ErrorCode.operationNotPermitted,
      `frame type ${name} is not allowed before authentication`,
      "state",
    );
  }
  if (AUTH_FORBIDDEN.has(type)) {
    return new ProtocolError(
      ErrorCode.messageFormat,
      `frame type ${name} is not allowed after authentication`,
      "state",
    );
  }
  return new ProtocolError(ErrorCode.unsupportedFeature, `frame type ${name} is not supported`);
}
