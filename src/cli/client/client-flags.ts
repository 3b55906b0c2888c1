import type { ArgsDef } from "citty";
import type { ConnectionInfo } from "../../client/client-protocol.ts";
import type { MessagingClient } from "../../client/messaging-client.ts";
import { ExitCode, NorcError } from "../../errors.ts";
import { say } from "../output.ts";
import { knownServersPath } from "./client-target.ts";

/** The flags of `norc-server client ACTION`. */
export const clientArgs = {
  action: { type: "positional", required: false, description: "keygen, register, send, listen, directory" },
  key: { type: "string", valueHint: "FILE", description: "The device key file (from client keygen)" },
  output: {
    type: "string",
    alias: "o",
    valueHint: "FILE",
    description: "keygen: where to write the new key (0600)",
  },
  server: {
    type: "string",
    valueHint: "HOST:PORT",
    description: "Server (default: this config's listen address)",
  },
  user: {
    type: "string",
    valueHint: "USER",
    description: "register: the device's user; directory: whose devices",
  },
  info: {
    type: "string",
    valueHint: "TEXT",
    description: "register: a description of the device (device_info)",
  },
  to: {
    type: "string",
    valueHint: "DEVICE_OR_USER",
    description: "send: a device id (64 hex) or a user (each active device)",
  },
  text: { type: "string", valueHint: "TEXT", description: "send: the message" },
  device: { type: "string", valueHint: "ID[,ID...]", description: "directory: device ids (64 hex each)" },
  count: { type: "string", valueHint: "N", description: "listen: exit after N messages" },
  timeout: {
    type: "string",
    valueHint: "SECS",
    description: "send: wait this long for the server's acceptance (default 30)",
  },
  json: { type: "boolean", description: "Print JSON (one object per line for listen and send)" },
  pin: {
    type: "string",
    valueHint: "FINGERPRINT",
    description: "Expected server identity fingerprint (64 hex)",
  },
  "known-servers": {
    type: "string",
    valueHint: "FILE",
    description: "Trust-on-first-use file (default ~/.config/norc-server/known-servers.json)",
  },
  insecure: { type: "boolean", description: "Accept any TLS certificate (self-signed servers)" },
  ca: { type: "string", valueHint: "FILE", description: "Trust this CA certificate (PEM) for TLS" },
  plain: { type: "boolean", description: "Plain TCP, no TLS" },
  sni: { type: "string", valueHint: "NAME", description: "TLS server name (default: the host)" },
} as const satisfies ArgsDef;

/** A whole number of seconds from a flag, `fallback` when absent. */
export function secondsFlag(value: unknown, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 1)
    throw new NorcError(`${flag} must be a whole number of seconds, got "${value}"`, ExitCode.usage);
  return seconds;
}

/** Says when the server identity was just trusted on first use, and where it was remembered. */
export function tofuNote(from: MessagingClient | ConnectionInfo, args: Record<string, unknown>): void {
  const info = "identityCheck" in from ? from : from.connectionInfo;
  if (info?.identityCheck !== "first-use") return;
  const file = knownServersPath(args["known-servers"] as string | undefined);
  say(
    `trusted server identity ${info.fingerprint} on first use (remembered in ${file}); compare it with the fingerprint the server logs`,
  );
}
