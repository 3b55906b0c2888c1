import { existsSync } from "node:fs";
import type { ConnectOptions } from "../client/ncp-client.ts";
import { dataDirLayout } from "../config/data-dir.ts";
import type { Config } from "../config/schema.ts";
import { ExitCode, NorcError } from "../errors.ts";

/** The probe's own flags. */
export interface ProbeFlags {
  target?: string;
  insecure: boolean;
  ca?: string;
  pin?: string;
  plain: boolean;
  sni?: string;
}

/** "host:port", "[v6]:port" or "host" (port from config) → host and port. */
export function parseTarget(text: string, defaultPort: number): { host: string; port: number } {
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text);
  const port = match?.[2] === undefined ? defaultPort : Number(match[2]);
  if (match === null || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new NorcError(`"${text}" is not HOST:PORT (e.g. 127.0.0.1:8443 or [::1]:8443)`, ExitCode.usage);
  }
  return { host: match[1] as string, port };
}

/** A wildcard bind address becomes the loopback address of its family. */
export function localAddress(bind: string): string {
  if (bind === "0.0.0.0" || bind === "") return "127.0.0.1";
  if (bind === "::" || bind === "[::]") return "::1";
  return bind;
}

/**
 * Connect options of a probe: the target (default: the config's listen address), TLS as the
 * config says unless --plain, trusting --ca, or the configured/generated certificate, or --insecure.
 */
export function probeOptions(flags: ProbeFlags, config: Config): ConnectOptions {
  if (flags.target === undefined && config.network.port === 0) {
    throw new NorcError(
      'network.port is 0 (any free port), so the listen address is not known: give it, e.g. norc-server probe 127.0.0.1:PORT with the port from the server\'s "listening on" line',
      ExitCode.usage,
    );
  }
  const { host, port } =
    flags.target === undefined
      ? { host: localAddress(config.network.bind_address), port: config.network.port }
      : parseTarget(flags.target, config.network.port);
  const useTls = !flags.plain && (config.tls.enabled || flags.ca !== undefined || flags.insecure);
  const options: ConnectOptions = { host, port, pin: flags.pin };
  if (!useTls) return options;
  const generated = dataDirLayout(config.storage.data_dir).tlsCert;
  const caFile =
    flags.ca ??
    (flags.insecure || flags.target !== undefined
      ? undefined
      : (config.tls.cert_file ?? (existsSync(generated) ? generated : undefined)));
  options.tls = { insecure: flags.insecure, caFile, serverName: flags.sni };
  return options;
}
