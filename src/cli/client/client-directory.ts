import { MessagingClient } from "../../client/messaging-client.ts";
import { ExitCode, NorcError } from "../../errors.ts";
import { fromHex } from "../../protocol/bytes.ts";
import type { KeyRequest } from "../../protocol/directory.ts";
import { print } from "../output.ts";
import { entryJson, entryLine } from "./client-format.ts";
import { clientFailure, keyFromArgs, serverFromArgs } from "./client-target.ts";

function requestOf(args: Record<string, unknown>): KeyRequest {
  const [user, device] = [args.user, args.device] as [string | undefined, string | undefined];
  if ((user === undefined) === (device === undefined)) {
    throw new NorcError("client directory needs exactly one of --user USER or --device ID", ExitCode.usage);
  }
  if (user !== undefined) return { kind: 0, userId: user };
  const ids = (device as string).split(",");
  if (!ids.every((id) => /^[0-9a-fA-F]{64}$/.test(id)) || ids.length > 64) {
    throw new NorcError(
      `--device takes 1 to 64 device ids of 64 hex digits, comma-separated (got "${device}")`,
      ExitCode.usage,
    );
  }
  return { kind: 1, deviceIds: ids.map((id) => fromHex(id.toLowerCase())) };
}

/** `client directory --key FILE (--user U | --device ID[,ID...])`: a 0x30 and its entries. */
export async function clientDirectory(args: Record<string, unknown>): Promise<number> {
  const request = requestOf(args);
  const client = new MessagingClient({
    server: await serverFromArgs(args),
    keys: keyFromArgs(args, "directory"),
  });
  try {
    await client.start();
    const entries = await client.lookup(request);
    if (args.json === true) print(JSON.stringify(entries.map(entryJson)));
    else if (entries.length === 0)
      print(request.kind === 0 ? `no devices for user "${request.userId}"` : "no such devices");
    else print(entries.map(entryLine).join("\n"));
    return ExitCode.ok;
  } catch (error) {
    throw clientFailure(error, "directory lookup");
  } finally {
    client.close();
  }
}
