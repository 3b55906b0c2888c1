/** Default config file, relative to the directory the command runs in. */
export const DEFAULT_CONFIG_PATH = "config.toml";

/** One table from flag to config key: a flag value is validated as that key. */
export const FLAG_TO_CONFIG_PATH = {
  "log-level": "logging.level",
  bind: "network.bind_address",
  port: "network.port",
} as const;

/** The config overrides (dotted path -> raw text) carried by parsed global flags. */
export function overridesFromArgs(args: Record<string, unknown>): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const [flag, path] of Object.entries(FLAG_TO_CONFIG_PATH)) {
    const value = args[flag];
    if (typeof value === "string") overrides[path] = value;
  }
  return overrides;
}

/** The config path a command was given, or the default. */
export function configPathFromArgs(args: Record<string, unknown>): string {
  return typeof args.config === "string" && args.config !== "" ? args.config : DEFAULT_CONFIG_PATH;
}
