import { defineCommand } from "citty";
import { findInstance } from "../../daemon/find-instance.ts";
import { instanceReport } from "../../daemon/instance-report.ts";
import { ExitCode } from "../../errors.ts";
import { instanceFromArgs } from "../instance-from-args.ts";
import { print } from "../output.ts";

export default defineCommand({
  meta: {
    name: "status",
    description: "Show whether the server runs (exit 0 running, 1 stale PID file, 3 not running)",
  },
  args: { json: { type: "boolean", description: "Print one JSON object (for scripts)" } },
  async run({ args }) {
    const { paths } = await instanceFromArgs(args);
    const report = instanceReport(paths, await findInstance(paths));
    print(args.json ? JSON.stringify(report.json) : report.text);
    if (report.running) return ExitCode.ok;
    return report.stale ? ExitCode.failure : ExitCode.notRunning;
  },
});
