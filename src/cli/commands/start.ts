import { defineCommand } from "citty";
import { configSourceFromArgs } from "../../config/config-source.ts";
import { ExitCode, NorcError } from "../../errors.ts";
import { runWorker } from "../../server/run-worker.ts";

export default defineCommand({
  meta: { name: "start", description: "Start the server in the foreground (Ctrl+C or SIGTERM stops it)" },
  args: {},
  async run({ args }) {
    if (args.daemon) {
      throw new NorcError(
        "--daemon is not supported by this build yet: run norc-server in the foreground, under a service manager",
        ExitCode.failure,
      );
    }
    return await runWorker({ source: configSourceFromArgs(args) });
  },
});
