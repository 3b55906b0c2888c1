import { defineCommand } from "citty";
import { reloadInstance } from "../../daemon/reload-instance.ts";
import { instanceFromArgs } from "../instance-from-args.ts";
import { fail, print, say } from "../output.ts";

export default defineCommand({
  meta: {
    name: "reload",
    description: "Make the running server re-read its configuration and print the outcome",
  },
  args: {},
  async run({ args }) {
    const { paths } = await instanceFromArgs(args);
    const outcome = await reloadInstance(paths);
    for (const line of outcome.lines) print(line);
    if (outcome.problems.length > 0) fail(outcome.problems.join("\n"));
    if (outcome.notice) say(outcome.notice);
    return outcome.code;
  },
});
