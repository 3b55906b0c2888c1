import { NcpClientError } from "../../client/client-error.ts";
import { describeKeys } from "../../client/key-file.ts";
import { registerDevice } from "../../client/open-session.ts";
import { ExitCode, NorcError } from "../../errors.ts";
import { print } from "../output.ts";
import { tofuNote } from "./client-flags.ts";
import { clientFailure, keyFromArgs, serverFromArgs } from "./client-target.ts";

/** `client register --key FILE --user USER [--info TEXT]`: 0x02, prints active or pending. */
export async function clientRegister(args: Record<string, unknown>): Promise<number> {
  const user = args.user;
  if (typeof user !== "string" || user === "")
    throw new NorcError("client register needs --user USER", ExitCode.usage);
  const keys = keyFromArgs(args, "register");
  const server = await serverFromArgs(args);
  const { deviceId, publicKey } = describeKeys(keys);
  let outcome: "active" | "pending";
  try {
    const info = (args.info as string | undefined) ?? "";
    const done = await registerDevice(server, keys, { userId: user, deviceInfo: info });
    tofuNote(done.info, args);
    outcome = done.outcome;
  } catch (error) {
    if (error instanceof NcpClientError && error.details.reason === "registration_closed") {
      throw new NorcError(
        `registration is closed on this server (303): ask its operator to run "norc-server device add --public-key ${publicKey} --user ${user}", or to set registration.policy = "open"`,
      );
    }
    throw clientFailure(error, "registration");
  }
  if (args.json === true) print(JSON.stringify({ device_id: deviceId, user_id: user, state: outcome }));
  else if (outcome === "active") print(`registered ${deviceId} as "${user}": active`);
  else
    print(
      `registered ${deviceId} as "${user}": pending approval (the operator runs: norc-server device approve ${deviceId})`,
    );
  return ExitCode.ok;
}
