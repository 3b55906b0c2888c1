import { FrameType } from "../../protocol/header.ts";
import { ErrorCode, ProtocolError } from "../../protocol/protocol-error.ts";
import { handleAuthRequest } from "./auth-request.ts";
import type { FrameContext, FrameHandler, FrameReply } from "./frame-context.ts";
import { handleRegister } from "./register.ts";
import { handleTimeSync } from "./time-sync.ts";

/** The frame types allowed in KEYED (§7.1), one handler each. */
const KEYED_HANDLERS: ReadonlyMap<number, FrameHandler> = new Map<number, FrameHandler>([
  [FrameType.timeSync, handleTimeSync],
  [FrameType.register, handleRegister],
  [FrameType.authRequest, handleAuthRequest],
  [FrameType.error, () => null],
]);

/**
 * Handles one inner frame in KEYED: its type's handler, or 303 for a type not allowed before
 * authentication. A ProtocolError (thrown or rejected) gets the frame's message_id as `ref`.
 */
export function handleKeyedFrame(context: FrameContext): FrameReply {
  const handler = KEYED_HANDLERS.get(context.header.type);
  const withRef = (error: unknown) => {
    if (error instanceof ProtocolError && error.ref === undefined) error.about(context.header.messageId);
    throw error;
  };
  try {
    if (handler === undefined) {
      throw new ProtocolError(
        ErrorCode.operationNotPermitted,
        `frame type 0x${context.header.type.toString(16).padStart(2, "0")} is not allowed before authentication`,
        "state",
      );
    }
    const reply = handler(context);
    return reply instanceof Promise ? reply.catch(withRef) : reply;
  } catch (error) {
    return withRef(error);
  }
}
