import { defineCommand } from "citty";
import { daemonUserWarnings } from "../../config/check-daemon-user.ts";
import { configSourceFromArgs } from "../../config/config-source.ts";
import { describeConfig } from "../../config/describe-config.ts";
import { checkConfigFiles, loadConfig } from "../../config/load-config.ts";
import { printConfig } from "../../config/print-config.ts";
import { ExitCode, NorcError } from "../../errors.ts";
import { print, warn } from "../output.ts";

export default defineCommand({
  meta: {
    name: "validate-config",
    description: "Check a configuration file (default: the -c path, config.toml) and the files it refers to",
  },
  args: {
    print: {
      type: "boolean",
      description:
        "Print the merged configuration, each value with where it came from (default, file:line, env, flag)",
    },
    file: {
      type: "positional",
      required: false,
      valueHint: "FILE",
      description: "Configuration file to check",
    },
  },
  run: async ({ args }) => {
    const given = typeof args.file === "string" && args.file !== "" ? { config: args.file } : {};
    const source = configSourceFromArgs({ ...args, ...given });
    const { config, file, origins } = await loadConfig(source);
    const problems = await checkConfigFiles(config);
    const name = file === undefined ? `${source.path} (not found: built-in defaults)` : source.path;
    if (problems.length > 0) {
      throw new NorcError(
        [`${name}: unusable files or directories:`, ...problems].join("\n"),
        ExitCode.config,
      );
    }
    const verdict = `${name}: OK: ${describeConfig(config)}`;
    print(args.print ? printConfig(config, origins ?? {}, verdict) : verdict);
    for (const line of daemonUserWarnings(config, file)) warn(line);
    return ExitCode.ok;
  },
});
