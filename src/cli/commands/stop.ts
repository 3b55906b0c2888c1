import { defineCommand } from "citty";
import { stopInstance } from "../../daemon/stop-instance.ts";
import { gracefulStopWaitSecs } from "../../daemon/timeouts.ts";
import { ExitCode, NorcError } from "../../errors.ts";
import { instanceFromArgs } from "../instance-from-args.ts";
import { say, warn } from "../output.ts";

export default defineCommand({
  meta: { name: "stop", description: "Stop the running server gracefully (--force: kill it now)" },
  args: {
    force: { type: "boolean", description: "Kill the server and its worker now (SIGKILL)" },
    timeout: {
      type: "string",
      valueHint: "SECS",
      description:
        "Seconds to wait for a graceful stop before killing (default: network.shutdown_timeout_secs + 5)",
    },
  },
  async run({ args }) {
    const { paths, shutdownTimeoutSecs } = await instanceFromArgs(args);
    const timeoutSecs =
      args.timeout === undefined ? gracefulStopWaitSecs(shutdownTimeoutSecs) : Number(args.timeout);
    if (!Number.isFinite(timeoutSecs) || timeoutSecs <= 0) {
      throw new NorcError(`--timeout "${args.timeout}" must be a number of seconds > 0`, ExitCode.usage);
    }
    const outcome = await stopInstance(paths, { force: Boolean(args.force), timeoutMs: timeoutSecs * 1000 });
    for (const line of outcome.notes) say(line);
    for (const line of outcome.warnings) warn(line);
    return outcome.code;
  },
});
