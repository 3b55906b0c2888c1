import { defineCommand } from "citty";
import type { NcpClientError } from "../../client/client-error.ts";
import { type ProbeReport, probeServer } from "../../client/probe-server.ts";
import { configSourceFromArgs } from "../../config/config-source.ts";
import { loadConfig } from "../../config/load-config.ts";
import { requireNamedConfigFile } from "../../config/named-config-file.ts";
import { type Config, defaultConfig } from "../../config/schema.ts";
import { ExitCode, NorcError } from "../../errors.ts";
import { print, warn } from "../output.ts";
import { probeOptions } from "../probe-target.ts";

function formatReport(report: ProbeReport): string {
  const { info, rtt } = report;
  const identity = info.identityCheck === "pinned" ? "matches --pin" : "not pinned: use --pin to verify it";
  return [
    `NCP-1 handshake with ${report.target}: OK`,
    `  version:          ${info.version}`,
    `  algorithms:       ${info.algset}`,
    `  server identity:  ${info.fingerprint} (${identity})`,
    `  tls:              ${info.tlsVersion ?? "none (plain TCP)"}`,
    `  rtt:              min ${rtt.min.toFixed(3)} ms, avg ${rtt.avg.toFixed(3)} ms, max ${rtt.max.toFixed(3)} ms (${report.pings} pings)`,
    `  clock offset:     ${report.offsetMs.toFixed(1)} ms`,
  ].join("\n");
}

/** Exit code of a failed probe: unreachable or unavailable → 69, anything else → 1. */
function exitCodeOf(error: NcpClientError): number {
  if (error.kind === "unreachable" || error.code === 501 || error.code === 503) return ExitCode.unavailable;
  return ExitCode.failure;
}

export default defineCommand({
  meta: {
    name: "probe",
    description: "Connect to a NORC server, complete the NCP-1 handshake and ping it (health check)",
  },
  args: {
    target: {
      type: "positional",
      required: false,
      valueHint: "HOST:PORT",
      description: "Server (default: this config's listen address)",
    },
    count: { type: "string", valueHint: "N", description: "Number of pings (default 3)" },
    json: { type: "boolean", description: "Print one JSON object on stdout" },
    insecure: { type: "boolean", description: "Accept any TLS certificate (self-signed servers)" },
    ca: { type: "string", valueHint: "FILE", description: "Trust this CA certificate (PEM) for TLS" },
    pin: {
      type: "string",
      valueHint: "FINGERPRINT",
      description: "Expected server identity fingerprint (64 hex)",
    },
    plain: { type: "boolean", description: "Plain TCP, no TLS" },
    sni: { type: "string", valueHint: "NAME", description: "TLS server name (default: the host)" },
  },
  run: async ({ args }) => {
    const count = args.count === undefined ? 3 : Number(args.count);
    if (!Number.isInteger(count) || count < 1 || count > 10) {
      throw new NorcError(`--count must be a whole number from 1 to 10, got "${args.count}"`, ExitCode.usage);
    }
    const target = typeof args.target === "string" && args.target !== "" ? args.target : undefined;
    const config = await probeConfig(args, target !== undefined);
    const options = probeOptions(
      {
        target,
        insecure: args.insecure === true,
        ca: args.ca,
        pin: args.pin,
        plain: args.plain === true,
        sni: args.sni,
      },
      config,
    );
    const outcome = await probeServer(options, count);
    if (args.json === true) print(JSON.stringify(outcome.json));
    if (outcome.ok) {
      if (args.json !== true) print(formatReport(outcome.report));
      return ExitCode.ok;
    }
    if (args.json === true) return exitCodeOf(outcome.error);
    const hint =
      outcome.error.kind === "closed" && options.tls === undefined
        ? " (a TLS server closes a plain TCP connection: if this one uses TLS, probe it without --plain)"
        : "";
    throw new NorcError(
      `probe of ${outcome.target} failed: ${outcome.error.message}${hint}`,
      exitCodeOf(outcome.error),
    );
  },
});

/**
 * The config that gives the probe its defaults. With an explicit target a broken local config
 * does not stop the probe: it says so and uses the built-in defaults (TLS on).
 */
async function probeConfig(args: Record<string, unknown>, explicitTarget: boolean): Promise<Config> {
  const source = configSourceFromArgs(args);
  requireNamedConfigFile(source, "fix the -c path, or leave -c out to probe with this directory's config");
  try {
    return (await loadConfig(source)).config;
  } catch (error) {
    if (!explicitTarget || !(error instanceof NorcError) || error.exitCode !== ExitCode.config) throw error;
    warn(
      "the local configuration is invalid (norc-server validate-config lists why): probing with the built-in defaults",
    );
    return defaultConfig();
  }
}
