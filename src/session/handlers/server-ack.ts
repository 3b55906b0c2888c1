import { buildServerAck } from "../../protocol/ack.ts";
import { randomBytes } from "../../protocol/bytes.ts";
import type { FrameContext } from "./frame-context.ts";

/** A server 0x11 (acker 0, signed with IKs) answering the frame of `context`. */
export function serverAck(context: FrameContext, status: number, targetId: Uint8Array): Uint8Array {
  return buildServerAck(
    { version: context.header.version, timestampMs: BigInt(context.nowMs), messageId: randomBytes(32) },
    { refMessageId: context.header.messageId, status, eventTimeMs: BigInt(context.nowMs), targetId },
    context.identity.privateKey,
  );
}
