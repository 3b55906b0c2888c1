import { defineCommand } from "citty";
import { configSourceFromArgs } from "../../config/config-source.ts";
import { loadConfig } from "../../config/load-config.ts";
import { type DeviceRequest, deviceLines } from "../../daemon/device-admin.ts";
import { deviceOnInstance } from "../../daemon/device-on-instance.ts";
import { ExitCode, NorcError } from "../../errors.ts";
import { print, say } from "../output.ts";

const ACTIONS = ["add", "list", "show", "approve", "suspend", "revoke"] as const;

export default defineCommand({
  meta: {
    name: "device",
    description:
      "Administer devices: add --public-key HEX --user USER [--info TEXT] | list [--user U] | show|approve|suspend|revoke ID",
  },
  args: {
    action: { type: "positional", required: false, description: ACTIONS.join(", ") },
    id: { type: "positional", required: false, description: "Device id (64 hex digits)" },
    "public-key": { type: "string", valueHint: "HEX", description: "add: the device's Ed25519 public key" },
    user: {
      type: "string",
      valueHint: "USER",
      description: "add: the device's user; list: only this user's",
    },
    info: { type: "string", valueHint: "TEXT", description: "add: a description (device_info)" },
    json: { type: "boolean", description: "Print the devices as JSON" },
  },
  async run({ args }) {
    const request = requestOf(args);
    const { config } = await loadConfig(configSourceFromArgs(args));
    const reply = await deviceOnInstance(config, request);
    if (reply.note !== undefined) say(reply.note);
    print(
      args.json
        ? JSON.stringify(request.action === "list" ? reply.devices : reply.devices[0])
        : deviceLines(reply.devices),
    );
    return ExitCode.ok;
  },
});

function requestOf(args: Record<string, unknown>): DeviceRequest {
  const action = args.action as string | undefined;
  const id = args.id as string | undefined;
  if (!ACTIONS.includes(action as (typeof ACTIONS)[number])) {
    throw new NorcError(
      `device: say what to do: ${ACTIONS.join(", ")} (got ${action === undefined ? "nothing" : `"${action}"`})`,
      ExitCode.usage,
    );
  }
  if (action === "add") {
    const [publicKey, user] = [args["public-key"], args.user] as [string | undefined, string | undefined];
    if (publicKey === undefined || user === undefined) {
      throw new NorcError("device add needs --public-key HEX and --user USER", ExitCode.usage);
    }
    return { action, publicKey, user, info: args.info as string | undefined };
  }
  if (action === "list") return { action, user: args.user as string | undefined };
  if (id === undefined)
    throw new NorcError(
      `device ${action} needs the device id (64 hex digits; "norc-server device list" shows them)`,
      ExitCode.usage,
    );
  return { action: action as "show", id };
}
