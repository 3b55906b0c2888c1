import { resolve } from "node:path";
import * as v from "valibot";
import { ExitCode, NorcError } from "../errors.ts";
import { clusterConfigProblems } from "./cluster-settings.ts";
import type { ConfigSource } from "./config-source.ts";
import { envOverrides } from "./env-overrides.ts";
import { FLAG_TO_CONFIG_PATH } from "./flag-overrides.ts";
import { byLine, formatIssues } from "./format-issues.ts";
import { applyOverrides, dropEmpty } from "./merge-sources.ts";
import { readConfigFile } from "./read-config-file.ts";
import { resolvePaths } from "./resolve-paths.ts";
import { type Config, ConfigSchema } from "./schema.ts";
import { valueOrigins } from "./value-origins.ts";

export { checkConfigFiles } from "./check-files.ts";
export type { ConfigSource } from "./config-source.ts";

/** A validated config and the file it came from. */
export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file read; undefined = no file, built-in defaults (plus env and flags). */
  file?: string;
  /** dotted path -> where its value came from (`file config.toml:3`, `env NORC_...`, `flag --port`, `default`). */
  origins?: Record<string, string>;
}

function flagOrigins(overrides: Record<string, string>): Record<string, string> {
  const origins: Record<string, string> = {};
  const flags = Object.entries(FLAG_TO_CONFIG_PATH);
  for (const path of Object.keys(overrides)) {
    const flag = flags.find(([, target]) => target === path)?.[0];
    origins[path] = flag ? `--${flag}` : `override ${path}`;
  }
  return origins;
}

/**
 * Builds the config: schema defaults < TOML file < NORC_<SECTION>_<KEY> variables < flag overrides,
 * validated once as a whole. Throws NorcError(78) listing every problem, one per line.
 */
export async function loadConfig(source: ConfigSource): Promise<LoadedConfig> {
  const absolute = resolve(source.cwd, source.path);
  const content = await readConfigFile(absolute, source.path, source.explicit);
  const env = envOverrides(source.env);
  const merged = dropEmpty(content?.data ?? {});
  applyOverrides(merged, env.values);
  applyOverrides(merged, source.overrides);
  const result = v.safeParse(ConfigSchema, merged);
  const problems = byLine(
    [
      ...(content?.syntaxErrors ?? []),
      ...env.problems,
      ...formatIssues(result.issues ?? [], {
        input: merged,
        file: content ? { shownAs: source.path, lines: content.lines } : undefined,
        origins: { ...env.origins, ...flagOrigins(source.overrides) },
      }),
    ],
    content ? source.path : undefined,
  );
  if (problems.length > 0 || !result.success) {
    const where = content
      ? `in ${source.path}`
      : "(no config file; built-in defaults, environment and flags)";
    throw new NorcError([`invalid configuration ${where}:`, ...problems].join("\n"), ExitCode.config);
  }
  const origins = valueOrigins({
    file: content ? { shownAs: source.path, data: dropEmpty(content.data), lines: content.lines } : undefined,
    env: env.origins,
    flags: source.overrides,
  });
  const unused = clusterConfigProblems(result.output, origins);
  if (unused.length > 0) {
    const where = content ? `in ${source.path}` : "(no config file; environment and flags)";
    throw new NorcError([`invalid configuration ${where}:`, ...unused].join("\n"), ExitCode.config);
  }
  return { config: resolvePaths(result.output, source.cwd), file: content ? absolute : undefined, origins };
}
