import type { ArgsDef } from "citty";

/** Flags every command takes, before or after the command name (seed README, "CLI Options"). */
export const globalArgs = {
  config: {
    type: "string",
    alias: "c",
    valueHint: "FILE",
    description: "Configuration file path (default: config.toml)",
  },
  "log-level": {
    type: "string",
    alias: "l",
    valueHint: "LEVEL",
    description: "Override log level (trace, debug, info, warn, error)",
  },
  bind: { type: "string", alias: "b", valueHint: "ADDRESS", description: "Override bind address" },
  port: { type: "string", alias: "p", valueHint: "PORT", description: "Override port number" },
  daemon: { type: "boolean", alias: "d", description: "Run as daemon (background process)" },
  "generate-config": { type: "boolean", description: "Generate default configuration file" },
  help: { type: "boolean", alias: "h", description: "Show help" },
  version: { type: "boolean", alias: "V", description: "Show version, commit, build date and target" },
} as const satisfies ArgsDef;

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
