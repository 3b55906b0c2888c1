import type { ArgsDef, CommandDef } from "citty";
import { defineCommand } from "citty";
import { buildInfo } from "../build-info.ts";
import { globalArgs } from "./shared-args.ts";

type AnyCommand = CommandDef<ArgsDef>;

/** The command map, loaded lazily so a command only pays for the modules it uses. */
export const commands: Record<string, () => Promise<AnyCommand>> = {
  probe: () => import("./commands/probe.ts").then((m) => m.default as AnyCommand),
  "generate-config": () => import("./commands/generate-config.ts").then((m) => m.default as AnyCommand),
  "validate-config": () => import("./commands/validate-config.ts").then((m) => m.default as AnyCommand),
  start: () => import("./commands/start.ts").then((m) => m.default as AnyCommand),
  stop: () => import("./commands/stop.ts").then((m) => m.default as AnyCommand),
  status: () => import("./commands/status.ts").then((m) => m.default as AnyCommand),
  reload: () => import("./commands/reload.ts").then((m) => m.default as AnyCommand),
  restart: () => import("./commands/restart.ts").then((m) => m.default as AnyCommand),
  device: () => import("./commands/device.ts").then((m) => m.default as AnyCommand),
  client: () => import("./commands/client.ts").then((m) => m.default as AnyCommand),
  backup: () => import("./commands/backup.ts").then((m) => m.default as AnyCommand),
  restore: () => import("./commands/restore.ts").then((m) => m.default as AnyCommand),
  migrate: () => import("./commands/migrate.ts").then((m) => m.default as AnyCommand),
  /** Hidden: the server process under the supervisor (daemon.auto_restart). */
  _worker: () => import("./commands/worker.ts").then((m) => m.default as AnyCommand),
};

/** The command run when none is named: `norc-server` starts the server, as the seed README says. */
export const DEFAULT_COMMAND = "start";

/** The root command: global flags and the command list, for `--help`. */
export const program = defineCommand({
  meta: {
    name: "norc-server",
    version: buildInfo.version,
    description: "NORC protocol server daemon",
  },
  args: globalArgs,
  subCommands: commands,
});
