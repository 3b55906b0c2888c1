import { ExitCode, NorcError } from "../errors.ts";
import { fromHex, toHex } from "../protocol/bytes.ts";
import { deviceIdOf } from "../protocol/messages.ts";
import { isStrictPoint } from "../protocol/strict-ed25519.ts";
import type { Store } from "../store/ports.ts";
import type { DeviceRecord, DeviceState } from "../store/records.ts";
import type { RevokeOutcome } from "../store/work.ts";

/** What `norc-server device ...` asks, locally or over the control channel. */
export type DeviceRequest =
  | { action: "add"; publicKey: string; user: string; info?: string }
  | { action: "list"; user?: string }
  | { action: "show" | "approve" | "suspend" | "revoke"; id: string };

/** One device as `device` prints it (JSON keys snake_case). */
export interface DeviceView {
  id: string;
  public_key: string;
  user_id: string;
  state: DeviceState;
  info: string;
  capabilities: number;
  registered_at: string;
  updated_at: string;
}

/** The answer: the devices concerned (after the change), and a line saying what happened. */
export interface DeviceReply {
  devices: DeviceView[];
  note?: string;
}

/**
 * Device administration on a store (registration is `closed` by default, so operators provision
 * devices): add, list, show, approve, suspend, revoke. Refusals are NorcErrors naming the device
 * and what to do: a bad key or user is 64, an unknown device or a forbidden change 1.
 */
/**
 * How revocation and suspension take effect: through the relay (§8.4 purge with status-3
 * receipts to the senders, live sessions closed with 202 / 303 suspended).
 */
export interface DeviceEffects {
  revoke(id: Uint8Array, nowMs: number): Promise<RevokeOutcome>;
  suspend(id: Uint8Array, nowMs: number): Promise<boolean>;
}

export async function runDeviceRequest(
  store: Store,
  request: DeviceRequest,
  nowMs = Date.now(),
  effects?: DeviceEffects,
): Promise<DeviceReply> {
  switch (request.action) {
    case "add":
      return addDevice(store, request, nowMs);
    case "list": {
      const devices =
        request.user === undefined ? await store.allDevices() : await store.devicesOfUser(request.user);
      return { devices: devices.map(deviceView) };
    }
    case "show":
      return { devices: [deviceView(await known(store, request.id))] };
    case "revoke":
      return revoke(store, request.id, nowMs, effects);
    default:
      return changeState(
        store,
        request.id,
        request.action === "approve" ? "active" : "suspended",
        nowMs,
        effects,
      );
  }
}

async function addDevice(
  store: Store,
  request: { publicKey: string; user: string; info?: string },
  nowMs: number,
) {
  const publicKey = parseKey(request.publicKey);
  checkUser(request.user);
  const info = request.info ?? "";
  if (Buffer.byteLength(info) > 1024) throw usage("--info is longer than 1024 bytes (NCP-1 device_info)");
  const id = deviceIdOf(publicKey);
  const existing = await store.getDevice(id);
  if (existing !== undefined) {
    throw new NorcError(
      `device ${toHex(id)} already exists (user "${existing.userId}", ${existing.state}): "norc-server device show ${toHex(id)}" shows it`,
    );
  }
  const device: DeviceRecord = {
    id,
    publicKey,
    userId: request.user,
    state: "active",
    info,
    capabilities: 0,
    registeredAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  await store.commit({ writes: [{ type: "putDevice", device }] });
  return {
    devices: [deviceView(device)],
    note: `device ${toHex(id)} added for user "${request.user}" (active)`,
  };
}

async function changeState(
  store: Store,
  idText: string,
  state: "active" | "suspended",
  nowMs: number,
  effects?: DeviceEffects,
) {
  const device = await known(store, idText);
  const verb = state === "active" ? "approved" : "suspended";
  if (device.state === "revoked") {
    throw new NorcError(
      `device ${idText} is revoked and cannot be ${verb}: revocation is final; add the device's new key with "norc-server device add"`,
    );
  }
  if (device.state === state) {
    return { devices: [deviceView(device)], note: `device ${idText} is already ${state}: nothing changed` };
  }
  if (state === "suspended" && effects !== undefined) await effects.suspend(device.id, nowMs);
  else await store.commit({ writes: [{ type: "setDeviceState", device: device.id, state, atMs: nowMs }] });
  return {
    devices: [deviceView(await known(store, idText))],
    note: `device ${idText} ${verb} (now ${state})`,
  };
}

async function revoke(store: Store, idText: string, nowMs: number, effects?: DeviceEffects) {
  const device = await known(store, idText);
  const outcome = await (effects?.revoke(device.id, nowMs) ?? store.revokeDevice(device.id, nowMs));
  const after = deviceView(await known(store, idText));
  if (outcome.status === "already_revoked")
    return { devices: [after], note: `device ${idText} was already revoked` };
  const purged = outcome.status === "revoked" ? outcome.purged.length : 0;
  return {
    devices: [after],
    note: `device ${idText} revoked; ${purged} queued entr${purged === 1 ? "y" : "ies"} purged`,
  };
}

async function known(store: Store, idText: string): Promise<DeviceRecord> {
  const id = parseHex32(idText, "device id");
  const device = await store.getDevice(id);
  if (device === undefined) {
    throw new NorcError(
      `no device ${idText.toLowerCase()} on this server: "norc-server device list" shows the devices`,
    );
  }
  return device;
}

function parseKey(text: string): Uint8Array {
  const key = parseHex32(text, "--public-key");
  if (!isStrictPoint(key)) {
    throw usage("--public-key is not a usable Ed25519 public key (not canonical, or a small-order point)");
  }
  return key;
}

function parseHex32(text: string, what: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw usage(`${what} must be 64 hex digits (32 bytes), got "${text}"`);
  return fromHex(text.toLowerCase());
}

function checkUser(user: string): void {
  const bytes = Buffer.byteLength(user);
  if (bytes < 1 || bytes > 256) throw usage("--user must be 1–256 bytes (NCP-1 user_id)");
  if ([...user].some((c) => (c.codePointAt(0) ?? 0) < 0x20 || c.codePointAt(0) === 0x7f)) {
    throw usage("--user must not contain control characters (NCP-1 user_id)");
  }
}

function usage(message: string): NorcError {
  return new NorcError(message, ExitCode.usage);
}

/** A device as printed. */
export function deviceView(device: DeviceRecord): DeviceView {
  return {
    id: toHex(device.id),
    public_key: toHex(device.publicKey),
    user_id: device.userId,
    state: device.state,
    info: device.info,
    capabilities: device.capabilities,
    registered_at: new Date(device.registeredAtMs).toISOString(),
    updated_at: new Date(device.updatedAtMs).toISOString(),
  };
}

/** Devices as text: one block per device. */
export function deviceLines(devices: DeviceView[]): string {
  if (devices.length === 0) return "no devices";
  return devices
    .map((d) =>
      [
        `${d.id}  ${d.state}  user "${d.user_id}"`,
        `  public key: ${d.public_key}`,
        `  info:       ${d.info === "" ? "-" : d.info}`,
        `  registered: ${d.registered_at}, updated ${d.updated_at}`,
      ].join("\n"),
    )
    .join("\n");
}
