import type * as v from "valibot";
import { closestMatch } from "../text/closest-match.ts";
import { isTable } from "../util/is-table.ts";
import { redactUrl } from "./cluster-url.ts";
import { keysAt, unknownKeyPaths } from "./schema-keys.ts";
import { lineOf } from "./toml-lines.ts";

/** Where the values came from: the file (its name and key lines) and the env/flag origin of each overridden path. */
export interface IssueContext {
  /** The merged input that was validated (cross-field issues carry their whole table as input). */
  input: unknown;
  file?: { shownAs: string; lines: Map<string, number> };
  origins: Record<string, string>;
}

type Issue = v.BaseIssue<unknown>;

/** The one key whose value may hold a secret (a password inside the URL). */
const SECRET_URL_PATH = "cluster.database_url";

/** A value as written in TOML, for `(got ...)`. */
export function showValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? "an array" : "a table";
  return String(value);
}

function pathOf(issue: Issue): (string | number)[] {
  return (issue.path ?? []).map((item) => item.key as string | number);
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let value = root;
  for (const key of path) value = isTable(value) ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

function unknownKeyProblem(path: readonly string[]): string {
  const parent = path.slice(0, -1);
  const known = keysAt(parent);
  const name = String(path.at(-1));
  const homes = parent.length === 0 ? known.filter((section) => keysAt([section]).includes(name)) : [];
  if (homes.length > 0) return `not a section: put it under ${homes.map((home) => `[${home}]`).join(" or ")}`;
  const hint = closestMatch(name, known);
  const what = parent.length === 0 ? "unknown section" : "unknown key";
  return hint ? `${what} (did you mean "${hint}"?)` : `${what} (known: ${known.join(", ")})`;
}

/** The problem in words: valibot's own message for a section that is not a table is reworded. */
function problemOf(issue: Issue, path: (string | number)[], root: unknown): string {
  if ((issue.type === "strict_object" || issue.type === "object") && !isTable(issue.input)) {
    return `must be a table ([${path.join(".")}] with keys under it) (got ${showValue(issue.input)})`;
  }
  const got = issue.type === "partial_check" ? valueAt(root, path) : issue.input;
  if (got === undefined) return issue.message;
  // A database URL may carry a password: never echoed.
  const shown = path.join(".") === SECRET_URL_PATH ? JSON.stringify(redactUrl(String(got))) : showValue(got);
  return `${issue.message} (got ${shown})`;
}

/** `path: problem`, prefixed with FILE:LINE: when the value is in the file, or suffixed with its env/flag origin. */
function locate(path: readonly (string | number)[], problem: string, context: IssueContext): string {
  const dotted = path.join(".");
  const text = `${dotted || "(top level)"}: ${problem}`;
  const origin = context.origins[dotted];
  if (origin)
    return text.endsWith(")") ? `${text.slice(0, -1)}, from ${origin})` : `${text} (from ${origin})`;
  if (!context.file) return text;
  const line = lineOf(context.file.lines, path);
  return `${context.file.shownAs}:${line === undefined ? "" : `${line}:`} ${text}`;
}

/**
 * One line per problem: `FILE:LINE: path: problem (got VALUE)` for values from the file,
 * `path: problem (got VALUE, from --port)` for values from a flag or the environment.
 * Unknown keys are found here (all of them, with a did-you-mean), not taken from valibot.
 */
export function formatIssues(issues: readonly Issue[], context: IssueContext): string[] {
  const lines = unknownKeyPaths(context.input).map((path) => locate(path, unknownKeyProblem(path), context));
  lines.push(...notTableSections(context));
  for (const issue of issues) {
    if (issue.type === "strict_object" && issue.expected === "never") continue;
    const path = pathOf(issue);
    const text = locate(path, problemOf(issue, path, context.input), context);
    if (!lines.includes(text)) lines.push(text);
  }
  return lines;
}

/**
 * Sections written as an array (`[[tls]]`, `network = []`) or a date: valibot takes those for
 * objects (an empty one even passes), so they are reported here.
 */
function notTableSections(context: IssueContext): string[] {
  if (!isTable(context.input)) return [];
  const input = context.input as Record<string, unknown>;
  return keysAt([])
    .filter(
      (section) => typeof input[section] === "object" && input[section] !== null && !isTable(input[section]),
    )
    .map((section) =>
      locate(
        [section],
        `must be a table ([${section}] with keys under it) (got ${showValue(input[section])})`,
        context,
      ),
    );
}

/** Problems ordered by the file line they name (`FILE:LINE:`), the others after them in their order. */
export function byLine(problems: readonly string[], shownAs: string | undefined): string[] {
  const lineOfProblem = (text: string) => {
    if (shownAs === undefined || !text.startsWith(`${shownAs}:`)) return Number.POSITIVE_INFINITY;
    const line = /^(\d+):/.exec(text.slice(shownAs.length + 1))?.[1];
    return line === undefined ? Number.POSITIVE_INFINITY : Number(line);
  };
  return problems
    .map((text, index) => ({ text, index, line: lineOfProblem(text) }))
    .sort((a, b) => a.line - b.line || a.index - b.index)
    .map((entry) => entry.text);
}
