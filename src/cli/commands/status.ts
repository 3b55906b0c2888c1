import { defineCommand } from "citty";
import { findInstance } from "../../daemon/find-instance.ts";
import { ExitCode } from "../../errors.ts";
import { formatAddress, instanceFromArgs } from "../instance-from-args.ts";
import { print } from "../output.ts";

export default defineCommand({
  meta: {
    name: "status",
    description: "Show whether the server runs (exit 0 running, 1 stale PID file, 3 not running)",
  },
  args: { json: { type: "boolean", description: "Print one JSON object (for scripts)" } },
  async run({ args }) {
    const { paths } = await instanceFromArgs(args);
    const found = await findInstance(paths);
    if (found.state !== "running") {
      const stale = found.state === "stale";
      if (args.json)
        print(
          JSON.stringify({
            running: false,
            stale_pid_file: stale,
            pid_file: paths.pidFile,
            pid: stale ? (found.pid ?? null) : null,
          }),
        );
      else if (stale)
        print(
          `norc-server is not running, but the PID file ${paths.pidFile} is stale (${found.pid === undefined ? "no valid pid" : `pid ${found.pid} is not a running norc-server`}); "norc-server stop" removes it`,
        );
      else print(`norc-server is not running (no PID file at ${paths.pidFile})`);
      return stale ? ExitCode.failure : ExitCode.notRunning;
    }
    const status = found.status;
    const uptimeSecs = status ? Math.round((Date.now() - status.startedAtMs) / 1000) : undefined;
    if (args.json) {
      print(
        JSON.stringify({
          running: true,
          pid: found.pid,
          worker_pid: status?.workerPid ?? null,
          supervised: status?.supervised ?? null,
          version: status?.version ?? null,
          uptime_secs: uptimeSecs ?? null,
          listen: status?.listen ? formatAddress(status.listen) : null,
          tls: status?.listen?.tls ?? null,
          connections: status?.connections ?? null,
          identity_fingerprint: status?.identityFingerprint ?? null,
          restarts: status?.restarts ?? null,
          config_file: status ? (status.start.configFile ?? null) : null,
          pid_file: paths.pidFile,
          control_channel: status !== undefined,
        }),
      );
      return ExitCode.ok;
    }
    if (!status) {
      print(
        `norc-server is running (pid ${found.pid}); its control channel did not answer (${found.channelError ?? "no socket"}), so no details`,
      );
      return ExitCode.ok;
    }
    const lines = [
      `norc-server is running (pid ${status.pid}${status.workerPid ? `, worker pid ${status.workerPid}` : ""})`,
      `  version:     ${status.version}`,
      `  uptime:      ${formatUptime(uptimeSecs ?? 0)}`,
      `  listening:   ${status.listen ? `${formatAddress(status.listen)} (${status.listen.tls ? "TLS" : "plain TCP, no TLS"})` : "not yet (worker restarting)"}`,
      `  connections: ${status.connections ?? "unknown"}`,
      `  identity:    ${status.identityFingerprint ?? "unknown"}`,
      `  restarts:    ${status.supervised ? status.restarts : "n/a (daemon.auto_restart = false)"}`,
      `  config:      ${status.start.configFile ?? "none (built-in defaults)"}`,
      `  pid file:    ${paths.pidFile}`,
    ];
    print(lines.join("\n"));
    return ExitCode.ok;
  },
});

function formatUptime(secs: number): string {
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  return `${h > 0 ? `${h}h ` : ""}${h > 0 || m > 0 ? `${m}m ` : ""}${secs % 60}s`;
}
