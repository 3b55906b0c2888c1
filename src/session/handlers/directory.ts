import { randomBytes } from "../../protocol/bytes.ts";
import { buildKeyResponse, DeviceState, decodeKeyRequest } from "../../protocol/directory.ts";
import type { FrameContext } from "./frame-context.ts";

const STATE_CODE = {
  registered: DeviceState.registered,
  active: DeviceState.active,
  suspended: DeviceState.suspended,
  revoked: DeviceState.revoked,
} as const;

/** 0x30 KeyRequest (§6.7): the `key_lookups` limit, then the 0x31 with the presence rule. */
export async function handleKeyRequest(context: FrameContext): Promise<Uint8Array> {
  const request = decodeKeyRequest(context.inner);
  const base = {
    nowMs: context.nowMs,
    requester: context.device as Uint8Array,
    messageId: context.header.messageId,
  };
  const entries = await context.relay.directory(
    request.kind === 0
      ? { ...base, kind: 0, userId: request.userId }
      : { ...base, kind: 1, deviceIds: request.deviceIds },
  );
  return buildKeyResponse(
    { version: context.header.version, timestampMs: BigInt(context.nowMs), messageId: randomBytes(32) },
    {
      refMessageId: context.header.messageId,
      entries: entries.map(({ device, presence }) => ({
        deviceId: device.id,
        userId: device.userId,
        publicKey: device.publicKey,
        state: STATE_CODE[device.state],
        registeredAtMs: BigInt(device.registeredAtMs),
        capabilities: device.capabilities,
        presence,
      })),
    },
  );
}
