import { defineCommand } from "citty";
import { refuseInClusterMode } from "../../config/cluster-settings.ts";
import { configSourceFromArgs } from "../../config/config-source.ts";
import { loadConfig } from "../../config/load-config.ts";
import { restoreOnInstance } from "../../daemon/backup-on-instance.ts";
import { ExitCode, NorcError } from "../../errors.ts";
import { say } from "../output.ts";

export default defineCommand({
  meta: {
    name: "restore",
    description:
      "Install a backup as the message store (server stopped; verifies first, keeps the old database aside)",
  },
  args: { file: { type: "positional", required: false, description: "The backup file (.db or .db.zst)" } },
  async run({ args }) {
    const file = args.file as string | undefined;
    if (file === undefined)
      throw new NorcError("restore needs the backup FILE (see data_dir/backups)", ExitCode.usage);
    const { config } = await loadConfig(configSourceFromArgs(args));
    refuseInClusterMode(config, "restore");
    for (const line of await restoreOnInstance(config, file)) say(line);
    return ExitCode.ok;
  },
});
