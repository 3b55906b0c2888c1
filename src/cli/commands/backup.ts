import { defineCommand } from "citty";
import { refuseInClusterMode } from "../../config/cluster-settings.ts";
import { configSourceFromArgs } from "../../config/config-source.ts";
import { loadConfig } from "../../config/load-config.ts";
import { backupOnInstance } from "../../daemon/backup-on-instance.ts";
import { ExitCode } from "../../errors.ts";
import { say } from "../output.ts";

export default defineCommand({
  meta: {
    name: "backup",
    description:
      "Take a verified backup of the message store now (into data_dir/backups, or -o FILE), while the server runs or not",
  },
  args: {
    output: {
      type: "string",
      alias: "o",
      valueHint: "FILE",
      description: "Write the backup to FILE (.zst: compressed)",
    },
  },
  async run({ args }) {
    const { config } = await loadConfig(configSourceFromArgs(args));
    refuseInClusterMode(config, "backup");
    const backup = await backupOnInstance(config, args.output as string | undefined);
    say(
      `backup written: ${backup.file} (${backup.bytes} bytes, ${Math.round(backup.durationMs)} ms, verified)`,
    );
    return ExitCode.ok;
  },
});
