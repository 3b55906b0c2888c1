import { defineCommand } from "citty";
import { ExitCode, NorcError } from "../../errors.ts";
import { clientArgs } from "../client/client-flags.ts";

const ACTIONS = {
  keygen: () => import("../client/client-keygen.ts").then((m) => m.clientKeygen),
  register: () => import("../client/client-register.ts").then((m) => m.clientRegister),
  send: () => import("../client/client-send.ts").then((m) => m.clientSend),
  listen: () => import("../client/client-listen.ts").then((m) => m.clientListen),
  directory: () => import("../client/client-directory.ts").then((m) => m.clientDirectory),
} as const;

export default defineCommand({
  meta: {
    name: "client",
    description:
      "Use a server as a device: keygen -o FILE | register --key FILE --user USER | send --key FILE --to DEVICE_OR_USER --text TEXT | listen --key FILE | directory --key FILE (--user U | --device ID)",
  },
  args: clientArgs,
  async run({ args }) {
    const action = args.action as string | undefined;
    const load = action === undefined ? undefined : ACTIONS[action as keyof typeof ACTIONS];
    if (load === undefined) {
      throw new NorcError(
        `client: say what to do: ${Object.keys(ACTIONS).join(", ")} (got ${action === undefined ? "nothing" : `"${action}"`})`,
        ExitCode.usage,
      );
    }
    return (await load())(args as Record<string, unknown>);
  },
});
