import { homedir } from "node:os";
import { join } from "node:path";
import { NcpClientError } from "../../client/client-error.ts";
import type { DeviceKeys } from "../../client/device-messaging.ts";
import { KeyFileError, readKeyFile } from "../../client/key-file.ts";
import type { ConnectOptions } from "../../client/ncp-client.ts";
import { FileTrustStore } from "../../client/trust-store.ts";
import { configSourceFromArgs } from "../../config/config-source.ts";
import { loadConfig } from "../../config/load-config.ts";
import { type Config, defaultConfig } from "../../config/schema.ts";
import { ExitCode, NorcError } from "../../errors.ts";
import { warn } from "../output.ts";
import { probeOptions } from "../probe-target.ts";

/**
 * The known-servers file of trust on first use (§4.5): `--known-servers`, else
 * $XDG_CONFIG_HOME/norc-server/known-servers.json (~/.config/... without it; %APPDATA% on Windows).
 */
export function knownServersPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== "") return flag;
  const base =
    process.platform === "win32"
      ? (env.APPDATA ?? join(homedir(), "AppData", "Roaming"))
      : env.XDG_CONFIG_HOME || join(env.HOME ?? homedir(), ".config");
  return join(base, "norc-server", "known-servers.json");
}

/** The device key of `--key`, or a usage error when it is missing. */
export function keyFromArgs(args: Record<string, unknown>, action: string): DeviceKeys {
  const path = args.key;
  if (typeof path !== "string" || path === "") {
    throw new NorcError(
      `client ${action} needs --key FILE (make one with: norc-server client keygen -o FILE)`,
      ExitCode.usage,
    );
  }
  try {
    return readKeyFile(path);
  } catch (error) {
    if (error instanceof KeyFileError) throw new NorcError(error.message, ExitCode.failure);
    throw error;
  }
}

/**
 * Where and how to connect: `--server` (default: this config's listen address, like `probe`),
 * TLS as configured or forced by --ca/--insecure (--plain for none), --pin or the known-servers file.
 */
export async function serverFromArgs(args: Record<string, unknown>): Promise<ConnectOptions> {
  const server = typeof args.server === "string" && args.server !== "" ? args.server : undefined;
  const config = await clientConfig(args, server !== undefined);
  const options = probeOptions(
    {
      target: server,
      insecure: args.insecure === true,
      ca: args.ca as string | undefined,
      pin: args.pin as string | undefined,
      plain: args.plain === true,
      sni: args.sni as string | undefined,
    },
    config,
  );
  options.trustStore = new FileTrustStore(knownServersPath(args["known-servers"] as string | undefined));
  return options;
}

async function clientConfig(args: Record<string, unknown>, explicitServer: boolean): Promise<Config> {
  try {
    return (await loadConfig(configSourceFromArgs(args))).config;
  } catch (error) {
    if (!explicitServer || !(error instanceof NorcError) || error.exitCode !== ExitCode.config) throw error;
    warn(
      "the local configuration is invalid (norc-server validate-config lists why): using the built-in defaults",
    );
    return defaultConfig();
  }
}

/** A client failure as the CLI reports it: unreachable or unavailable → 69, anything else → 1. */
export function clientFailure(error: unknown, what: string): NorcError {
  if (error instanceof NorcError) return error;
  if (!(error instanceof NcpClientError)) throw error;
  const unavailable = error.kind === "unreachable" || error.code === 501 || error.code === 503;
  const hint =
    error.code === 201 ? " (register it first: norc-server client register --key FILE --user USER)" : "";
  return new NorcError(
    `${what} failed: ${error.message}${hint}`,
    unavailable ? ExitCode.unavailable : ExitCode.failure,
  );
}
