import { defineCommand } from "citty";
import { configSourceFromArgs } from "../../config/config-source.ts";
import { loadConfig } from "../../config/load-config.ts";
import { migrateClusterStore } from "../../daemon/open-cluster-store.ts";
import { ExitCode } from "../../errors.ts";
import { print } from "../output.ts";

export default defineCommand({
  meta: {
    name: "migrate",
    description:
      "Apply the schema migrations of the cluster's Postgres database (cluster mode; the SQLite store migrates itself)",
  },
  args: {},
  async run({ args }) {
    const { config } = await loadConfig(configSourceFromArgs(args));
    if (!config.cluster.enabled) {
      print(
        "nothing to migrate: cluster.enabled is false, and the SQLite store in data_dir migrates itself when the server starts",
      );
      return ExitCode.ok;
    }
    const { from, to, applied, target } = await migrateClusterStore(config);
    print(
      applied.length === 0
        ? `${target}: schema version ${to}, up to date`
        : `${target}: schema version ${from} -> ${to} (applied ${applied.join(", ")})`,
    );
    return ExitCode.ok;
  },
});
