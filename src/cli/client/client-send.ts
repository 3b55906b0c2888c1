import { blake3 } from "@noble/hashes/blake3.js";
import { emptyPlanMessage, parseSendTarget, planFanOut, targetRequest } from "../../client/fan-out.ts";
import { MessagingClient, type OutgoingMessage } from "../../client/messaging-client.ts";
import { SendChains } from "../../client/send-chains.ts";
import { ExitCode, NorcError } from "../../errors.ts";
import { concatBytes, toHex, utf8 } from "../../protocol/bytes.ts";
import type { DirectoryEntry } from "../../protocol/directory.ts";
import { print, say } from "../output.ts";
import { secondsFlag, tofuNote } from "./client-flags.ts";
import { shortId } from "./client-format.ts";
import { ClientStateFile } from "./client-state-file.ts";
import { clientFailure, keyFromArgs, serverFromArgs } from "./client-target.ts";

/** The CLI's conversation between two devices: the same in both directions, so replies share it. */
export function conversationOf(a: Uint8Array, b: Uint8Array): Uint8Array {
  const [low, high] = toHex(a) < toHex(b) ? [a, b] : [b, a];
  return blake3(concatBytes(utf8("norc-cli:conversation:v1"), low, high));
}

interface Outcome {
  entry: DirectoryEntry;
  message: OutgoingMessage;
  error?: Error;
}

function report(outcomes: Outcome[], json: boolean): void {
  for (const { entry, message, error } of outcomes) {
    const to = `${entry.userId} ${shortId(toHex(entry.deviceId))}`;
    if (json) {
      const base = { to_device: message.recipientId, to_user: entry.userId, message_id: message.messageId };
      print(
        JSON.stringify({
          ...base,
          accepted: error === undefined,
          ...(error ? { error: error.message } : {}),
        }),
      );
    } else
      print(
        error === undefined
          ? `${to}: accepted (message ${message.messageId})`
          : `${to}: NOT accepted: ${error.message}`,
      );
  }
}

/**
 * `client send --key FILE --to DEVICE_OR_USER --text TEXT`: one 0x10 per active device of the
 * target (§6.5), each resent until the server's status 0 or `--timeout` seconds (default 30).
 */
export async function clientSend(args: Record<string, unknown>): Promise<number> {
  const [to, text] = [args.to, args.text] as [string | undefined, string | undefined];
  if (!to || text === undefined)
    throw new NorcError("client send needs --to DEVICE_OR_USER and --text TEXT", ExitCode.usage);
  const timeoutMs = secondsFlag(args.timeout, "--timeout", 30) * 1_000;
  const keys = keyFromArgs(args, "send");
  const state = ClientStateFile.forKey(args.key as string);
  const client = new MessagingClient({
    server: await serverFromArgs(args),
    keys,
    sendChains: new SendChains(state.sendChainStore()),
  });
  try {
    await client.start();
    tofuNote(client, args);
    const target = parseSendTarget(to);
    const plan = planFanOut(target, await client.lookup(targetRequest(target)), keys.deviceId);
    for (const skipped of plan.skipped) say(`skipping ${shortId(skipped.deviceId)}: ${skipped.why}`);
    if (plan.recipients.length === 0) throw new NorcError(emptyPlanMessage(target, plan));
    const content = { contentType: 1, metadata: [] as [string, string][], body: utf8(text) };
    const outcomes: Outcome[] = plan.recipients.map((entry) => ({
      entry,
      message: client.send(entry, content, conversationOf(keys.deviceId, entry.deviceId)),
    }));
    const deadline = Bun.sleep(timeoutMs).then(() => {
      throw new Error(`no status 0 within ${timeoutMs / 1000} s (the server may still have stored it)`);
    });
    await Promise.all(
      outcomes.map((o) =>
        Promise.race([o.message.accepted, deadline]).catch((error) => (o.error = error as Error)),
      ),
    );
    report(outcomes, args.json === true);
    return outcomes.every((o) => o.error === undefined) ? ExitCode.ok : ExitCode.failure;
  } catch (error) {
    throw clientFailure(error, "send");
  } finally {
    client.close();
  }
}
