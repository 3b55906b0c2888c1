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

export {
  configPathFromArgs,
  DEFAULT_CONFIG_PATH,
  FLAG_TO_CONFIG_PATH,
  overridesFromArgs,
} from "../config/flag-overrides.ts";
