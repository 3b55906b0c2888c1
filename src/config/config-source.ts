import { configPathFromArgs, overridesFromArgs } from "./flag-overrides.ts";

/** Everything a config is made from: the file, the environment, flag overrides, and the directory paths are relative to. */
export interface ConfigSource {
  path: string;
  /** true when the path was given (-c, or validate-config FILE): then a missing file is an error. */
  explicit: boolean;
  env: Record<string, string | undefined>;
  /** dotted config path -> raw flag text, e.g. { "network.port": "9444" } */
  overrides: Record<string, string>;
  cwd: string;
}

/** The config source of parsed CLI args: -c (or config.toml), -l/-b/-p overrides, this process's environment. */
export function configSourceFromArgs(
  args: Record<string, unknown>,
  cwd: string = process.cwd(),
): ConfigSource {
  return {
    path: configPathFromArgs(args),
    explicit: typeof args.config === "string" && args.config !== "",
    env: { ...process.env },
    overrides: overridesFromArgs(args),
    cwd,
  };
}
