import { norcVariables } from "../config/env-overrides.ts";
import { FLAG_TO_CONFIG_PATH } from "../config/flag-overrides.ts";
import type { StartRecord } from "./control-protocol.ts";

/** What a start runs with: its arguments (without -d), directory and environment. */
export interface StartSource {
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
}

/**
 * The source to start a recorded instance again with: its arguments plus `overrides` as flags
 * (a later flag wins), its directory, and `current` with its NORC_* variables replaced by the
 * recorded ones (kept as they are when the instance recorded none: an older version).
 */
export function startSourceOf(
  recorded: StartRecord,
  overrides: Record<string, string>,
  current: Record<string, string | undefined>,
): StartSource {
  const flags = Object.entries(FLAG_TO_CONFIG_PATH);
  const given = Object.entries(overrides).flatMap(([path, value]) => {
    const flag = flags.find(([, target]) => target === path)?.[0];
    return flag === undefined ? [] : [[flag, value] as const];
  });
  const argv = withoutFlags(
    recorded.argv,
    given.map(([flag]) => flag),
  );
  argv.push(...given.map(([flag, value]) => `--${flag}=${value}`));
  const env: Record<string, string | undefined> = { ...current };
  if (recorded.env !== undefined) {
    for (const name of Object.keys(norcVariables(current))) delete env[name];
    Object.assign(env, recorded.env);
  }
  return { argv, cwd: recorded.cwd, env };
}

/** The short spelling of each override flag (shared-args.ts in the CLI defines them). */
const SHORT: Record<string, string> = { "log-level": "l", bind: "b", port: "p" };

/** `argv` without the given flags and their values (`--port 1`, `--port=1`, `-p 1`, `-p=1`). */
function withoutFlags(argv: readonly string[], names: readonly string[]): string[] {
  const spellings = names.flatMap((name) => [`--${name}`, ...(SHORT[name] ? [`-${SHORT[name]}`] : [])]);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? "";
    if (token === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const [name] = token.split("=");
    if (!spellings.includes(name ?? "")) out.push(token);
    else if (!token.includes("=")) i++;
  }
  return out;
}

/** `start -c config.toml --port 9444 in /srv/norc, NORC_NETWORK_BIND_ADDRESS=127.0.0.1`, for messages. */
export function describeSource(source: StartSource): string {
  const variables = Object.entries(norcVariables(source.env)).map(([name, value]) => `${name}=${value}`);
  const command = ["start", ...source.argv].join(" ");
  return [`${command} in ${source.cwd}`, ...variables].join(", ");
}
