import { defineCommand } from "citty";
import { configSourceFromArgs } from "../../config/config-source.ts";
import { norcVariables } from "../../config/env-overrides.ts";
import { checkConfigFiles, loadConfig } from "../../config/load-config.ts";
import { daemonLogFile } from "../../daemon/daemon-log.ts";
import { startDetached } from "../../daemon/detach.ts";
import { formatListen } from "../../daemon/instance-report.ts";
import { hasReadinessChannel } from "../../daemon/readiness.ts";
import { withoutDaemonFlag } from "../../daemon/self-command.ts";
import { serviceManagerOf } from "../../daemon/service-manager.ts";
import { runInstance } from "../../daemon/start-instance.ts";
import { ExitCode, NorcError } from "../../errors.ts";
import { say } from "../output.ts";

export default defineCommand({
  meta: {
    name: "start",
    description:
      "Start the server in the foreground (Ctrl+C or SIGTERM stops it); -d/--daemon: in the background",
  },
  args: {},
  async run({ args, rawArgs }) {
    process.umask(0o027);
    const source = configSourceFromArgs(args);
    const loaded = await loadConfig(source);
    const problems = await checkConfigFiles(loaded.config);
    if (problems.length > 0) throw new NorcError(problems.join("\n"), ExitCode.config);
    const daemonChild = hasReadinessChannel();
    const start = {
      argv: withoutDaemonFlag(rawArgs),
      cwd: source.cwd,
      configFile: loaded.file,
      env: norcVariables(source.env),
      daemon: daemonChild,
      serviceManager: serviceManagerOf(process.env),
    };
    if (!args.daemon || daemonChild) return await runInstance(loaded.config, source, start);
    if (process.platform === "win32") {
      throw new NorcError(
        "--daemon is Unix only: on Windows run `norc-server start` in the foreground under a service wrapper (WinSW, NSSM; see the README)",
        ExitCode.usage,
      );
    }
    const logFile = daemonLogFile(loaded.config);
    if (loaded.config.logging.file === undefined) {
      say(`logging.file is not set: the daemon logs to ${logFile}`);
    }
    const result = await startDetached({
      args: start.argv,
      cwd: source.cwd,
      env: process.env,
      stdioTarget: logFile,
    });
    if (!result.ok) {
      say(result.message);
      return result.code;
    }
    say(
      `norc-server started (pid ${result.pid}), listening on ${formatListen(result.listen)}; log: ${logFile}`,
    );
    return ExitCode.ok;
  },
});
