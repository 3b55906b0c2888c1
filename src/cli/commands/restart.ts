import { defineCommand } from "citty";
import { restartInstance } from "../../daemon/restart-instance.ts";
import { withoutDaemonFlag } from "../../daemon/self-command.ts";
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
    const request = {
      paths,
      shutdownTimeoutSecs,
      argv: withoutDaemonFlag(rawArgs),
      overrides: overridesFromArgs(args),
    };
    return await restartInstance(request, {
      note: say,
      warning: warn,
      problems: (text) => process.stderr.write(text),
    });
  },
});
