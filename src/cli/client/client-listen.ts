import { MessagingClient } from "../../client/messaging-client.ts";
import { ExitCode, NorcError } from "../../errors.ts";
import { toHex } from "../../protocol/bytes.ts";
import { print, say, warn } from "../output.ts";
import { tofuNote } from "./client-flags.ts";
import { messageJson, messageLine, presenceJson, receiptJson, shortId } from "./client-format.ts";
import { ClientStateFile } from "./client-state-file.ts";
import { clientFailure, keyFromArgs, serverFromArgs } from "./client-target.ts";

function countFlag(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1)
    throw new NorcError(`--count must be a whole number from 1, got "${value}"`, ExitCode.usage);
  return count;
}

/** Prints what the client reports: messages on stdout; receipts and presence too with --json; the rest on stderr. */
function wire(client: MessagingClient, json: boolean, onShown: () => void): void {
  const line = (object: Record<string, unknown>) => print(JSON.stringify(object));
  client.events.message = (message) => {
    print(json ? JSON.stringify(messageJson(message)) : messageLine(message));
    onShown();
  };
  client.events.rejected = (r) =>
    warn(
      `${r.alert ? "integrity alert: " : ""}discarded message ${r.messageId} from ${shortId(r.senderId)} (${r.reason}), acked as failed`,
    );
  client.events.receipt = (receipt) =>
    json
      ? line(receiptJson(receipt))
      : say(`receipt: ${receiptJson(receipt).status} ${receipt.ref} by ${receipt.by}`);
  client.events.presence = (update) =>
    json
      ? line(presenceJson(update))
      : say(
          `presence: ${update.userId} ${shortId(update.deviceId)} ${presenceJson(update).status} ${update.message}`,
        );
  client.events.offline = (error, retryInMs) =>
    warn(`connection lost (${error.message}); reconnecting in ${(retryInMs / 1000).toFixed(1)} s`);
  client.events.problem = (error) => warn(error.message);
}

/**
 * `client listen --key FILE [--json] [--count N]`: prints each verified message as it arrives and
 * acks it (§8.5), reconnecting as §9 says, until interrupted (exit 0) or the server ends it for good.
 */
export async function clientListen(args: Record<string, unknown>): Promise<number> {
  const count = countFlag(args.count);
  const keys = keyFromArgs(args, "listen");
  const state = ClientStateFile.forKey(args.key as string);
  const client = new MessagingClient({
    server: await serverFromArgs(args),
    keys,
    seen: state.seenStore(),
    chains: state.receivedChains(),
  });
  let shown = 0;
  return new Promise<number>((resolve, reject) => {
    const finish = (code: number) => {
      process.off("SIGINT", interrupted);
      process.off("SIGTERM", interrupted);
      client.close();
      resolve(code);
    };
    const interrupted = () => finish(ExitCode.ok);
    process.on("SIGINT", interrupted);
    process.on("SIGTERM", interrupted);
    wire(client, args.json === true, () => {
      if (count !== undefined && ++shown === count) void client.idle().then(() => finish(ExitCode.ok));
    });
    client.events.stopped = (error) => {
      if (error.kind === "closed" && error.message === "the client was closed") return;
      process.off("SIGINT", interrupted);
      process.off("SIGTERM", interrupted);
      reject(clientFailure(error, "listen"));
    };
    let [sessions, reconnecting] = [0, false];
    const lost = client.events.offline;
    client.events.offline = (error, retryInMs) => {
      reconnecting = true;
      lost?.(error, retryInMs);
    };
    client.events.online = (limits) => {
      const waiting = `${limits.queued} queued`;
      if (sessions++ === 0) say(`listening as ${shortId(toHex(keys.deviceId))}: ${waiting}; Ctrl+C stops`);
      else if (reconnecting) say(`reconnected: ${waiting}`);
      reconnecting = false;
    };
    client.start().then(
      () => tofuNote(client, args),
      (error) => reject(clientFailure(error, "listen")),
    );
  });
}
