import { defineCommand } from "citty";
import { findInstance } from "../../daemon/find-instance.ts";
import { selfCommand, withoutDaemonFlag } from "../../daemon/self-command.ts";
import { stopInstance } from "../../daemon/stop-instance.ts";
import { gracefulStopWaitSecs } from "../../daemon/timeouts.ts";
import { ExitCode } from "../../errors.ts";
import { instanceFromArgs } from "../instance-from-args.ts";
import { say, warn } from "../output.ts";
import { overridesFromArgs } from "../shared-args.ts";

export default defineCommand({
  meta: {
    name: "restart",
    description:
      "Check the config, stop the running server gracefully, then start it as a daemon with the flags it was started with",
  },
  args: {},
  async run({ args, rawArgs }) {
    const { paths, shutdownTimeoutSecs } = await instanceFromArgs(args);
    const found = await findInstance(paths);
    const recorded = found.state === "running" ? found.status?.start : undefined;
    const useRecorded = recorded !== undefined && Object.keys(overridesFromArgs(args)).length === 0;
    const argv = useRecorded ? recorded.argv : withoutDaemonFlag(rawArgs);
    const cwd = useRecorded ? recorded.cwd : process.cwd();
    if (found.state === "running") {
      const problems = configProblems(argv, cwd);
      if (problems !== undefined) {
        process.stderr.write(problems.output);
        say(`not restarting: the running server (pid ${found.pid}) is left as it is; fix the config first`);
        return problems.code;
      }
      const stopped = await stopInstance(paths, {
        force: false,
        timeoutMs: gracefulStopWaitSecs(shutdownTimeoutSecs) * 1000,
      });
      for (const line of stopped.notes) say(line);
      for (const line of stopped.warnings) warn(line);
      if (stopped.code !== ExitCode.ok) return stopped.code;
    } else {
      say(`norc-server was not running (PID file ${paths.pidFile}); starting it`);
    }
    const child = Bun.spawn(selfCommand(["start", ...argv, "--daemon"]), {
      cwd,
      env: process.env,
      stdio: ["ignore", "inherit", "inherit"],
    });
    return await child.exited;
  },
});

/** Validates the config the new start would read, before anything is stopped; undefined = usable. */
function configProblems(argv: string[], cwd: string): { code: number; output: string } | undefined {
  const check = Bun.spawnSync(selfCommand(["validate-config", ...argv]), {
    cwd,
    env: process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (check.exitCode === 0) return undefined;
  return { code: check.exitCode ?? ExitCode.failure, output: check.stderr.toString() };
}
