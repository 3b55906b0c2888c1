import { closestMatch } from "../text/closest-match.ts";
import { keysAt, sectionNames } from "./schema-keys.ts";

/** Config values taken from `NORC_<SECTION>_<KEY>` variables, and the variables that name no key. */
export interface EnvOverrides {
  /** dotted path -> raw text, e.g. { "network.port": "9443" } */
  values: Record<string, string>;
  /** dotted path -> the variable it came from, for messages. */
  origins: Record<string, string>;
  problems: string[];
}

const PREFIX = "NORC_";

/** The variable that sets a config key: network.bind_address -> NORC_NETWORK_BIND_ADDRESS. */
export function envName(dottedPath: string): string {
  return PREFIX + dottedPath.replace(".", "_").toUpperCase();
}

/** Every NORC_* variable of `env` (set, even if empty): the environment part of a config source. */
export function norcVariables(env: Record<string, string | undefined>): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith(PREFIX) && value !== undefined) found[name] = value;
  }
  return found;
}

/**
 * Reads `NORC_<SECTION>_<KEY>` variables. An empty value means unset. A variable whose section is a
 * config section (or a likely typo of one) but whose key is unknown is a problem with a did-you-mean;
 * other NORC_* variables are not config keys and are left alone.
 */
export function envOverrides(env: Record<string, string | undefined>): EnvOverrides {
  const result: EnvOverrides = { values: {}, origins: {}, problems: [] };
  const sections = sectionNames();
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(PREFIX) || value === undefined) continue;
    const rest = name.slice(PREFIX.length).toLowerCase();
    const cut = rest.indexOf("_");
    if (cut <= 0) continue;
    const [section, key] = [rest.slice(0, cut), rest.slice(cut + 1)];
    const keys = sections.includes(section) ? keysAt([section]) : [];
    if (keys.includes(key)) {
      if (value.trim() === "") continue;
      result.values[`${section}.${key}`] = value;
      result.origins[`${section}.${key}`] = name;
      continue;
    }
    const problem = unknownVariable(name, section, key, sections);
    if (problem) result.problems.push(problem);
  }
  return result;
}

function unknownVariable(name: string, section: string, key: string, sections: string[]): string | undefined {
  if (sections.includes(section)) {
    const hint = closestMatch(key, keysAt([section]));
    const suggestion = hint
      ? `did you mean ${envName(`${section}.${hint}`)}?`
      : `keys of [${section}]: ${keysAt([section]).join(", ")}`;
    return `${name}: unknown config variable (${suggestion})`;
  }
  const sectionHint = closestMatch(section, sections);
  if (sectionHint && keysAt([sectionHint]).includes(key)) {
    return `${name}: unknown config variable (did you mean ${envName(`${sectionHint}.${key}`)}?)`;
  }
  return undefined;
}
