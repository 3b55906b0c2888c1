import type { KeyObject } from "node:crypto";
import { ByteWriter } from "./bytes.ts";
import { FrameType } from "./header.ts";
import { rawPublicKey } from "./keys.ts";
import { decodeRegister, type RegisterBody } from "./messages.ts";
import { buildSignedFrame, checkSignature, type FrameStamp } from "./signed-frame.ts";

/** What a device states when it registers (§6.2); capabilities has no bits defined, so 0. */
export interface RegisterRequest {
  userId: string;
  deviceInfo: string;
  capabilities?: number;
}

/**
 * A 0x02 Register inner frame, signed by the device key being registered. The frame is decoded
 * before it is returned, so a user_id or device_info outside §3's limits throws 101 here.
 */
export function buildRegister(stamp: FrameStamp, request: RegisterRequest, deviceKey: KeyObject): Uint8Array {
  const fields = new ByteWriter()
    .raw(rawPublicKey(deviceKey))
    .string(request.userId)
    .string(request.deviceInfo)
    .u32(request.capabilities ?? 0)
    .finish();
  const frame = buildSignedFrame(FrameType.register, stamp, fields, deviceKey);
  decodeRegister(frame);
  return frame;
}

/** §6.2 self-signature step: 200 unless the registered key signed the frame (strict Ed25519). */
export function checkRegisterSignature(body: RegisterBody): void {
  checkSignature(body.devicePublicKey, body, "registration");
}
