import { stripVTControlCharacters } from "node:util";
import type { ArgsDef, CommandDef } from "citty";
import { parseArgs, renderUsage } from "citty";
import { versionLine } from "../build-info.ts";
import { ExitCode, NorcError } from "../errors.ts";
import { closestMatch } from "../text/closest-match.ts";
import { fail, print } from "./output.ts";
import { commands, DEFAULT_COMMAND, program } from "./program.ts";
import { globalArgs } from "./shared-args.ts";

type AnyCommand = CommandDef<ArgsDef>;

/**
 * The one error boundary of the program: finds the command (flags may stand before or after its
 * name), rejects unknown flags and commands with exit 64, runs it, and turns a NorcError into its
 * message and exit code. Anything else is a bug: its stack is printed and the exit code is 1.
 */
export async function runCli(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (error) {
    if (error instanceof NorcError) {
      fail(error.message);
      return error.exitCode;
    }
    fail(
      `internal error (a bug, please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return ExitCode.failure;
  }
}

async function dispatch(argv: string[]): Promise<number> {
  const { name, rest } = splitCommand(argv);
  if (name !== undefined && !(name in commands)) {
    const hint = closestMatch(
      name,
      Object.keys(commands).filter((command) => !command.startsWith("_")),
    );
    throw usageError(`unknown command "${name}"${hint ? ` (did you mean "${hint}"?)` : ""}`);
  }
  const early = parseArgs(rest, globalArgs as ArgsDef);
  if (early["generate-config"] && name !== undefined && name !== "generate-config") {
    throw usageError(`--generate-config cannot be combined with the command "${name}"`);
  }
  const commandName = name ?? (early["generate-config"] ? "generate-config" : DEFAULT_COMMAND);
  const load = commands[commandName];
  if (!load) throw usageError(`unknown command "${commandName}"`);
  const command = await load();
  const argsDef = { ...globalArgs, ...((command.args ?? {}) as ArgsDef) } as ArgsDef;
  checkFlags(rest, argsDef);
  const args = parseArgs(rest, argsDef);
  if (args.version) {
    print(versionLine());
    return ExitCode.ok;
  }
  if (args.help) {
    const meta = { name: `norc-server ${commandName}`, description: await describe(command) };
    const usage = name === undefined ? (program as AnyCommand) : { ...command, meta, args: argsDef };
    printUsage(await renderUsage(usage));
    return ExitCode.ok;
  }
  const result = await command.run?.({ rawArgs: rest, args, cmd: command });
  return typeof result === "number" ? result : ExitCode.ok;
}

/** Help text, without colour codes unless stdout is a terminal (`--help > usage.txt` stays plain). */
function printUsage(text: string): void {
  print(process.stdout.isTTY ? text : stripVTControlCharacters(text));
}

async function describe(command: AnyCommand): Promise<string> {
  const meta = typeof command.meta === "function" ? await command.meta() : await command.meta;
  return meta?.description ?? "";
}

/**
 * The command name is the first word that is neither a flag nor the value of a global flag. A word
 * after an unknown flag may be that flag's value: it names the command only if it is one.
 */
function splitCommand(argv: string[]): { name?: string; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? "";
    if (token === "--") break;
    if (token.startsWith("-") && token !== "-") {
      if (takesValue(token, globalArgs as ArgsDef) && !token.includes("=")) i++;
      continue;
    }
    const previous = argv[i - 1] ?? "";
    const afterUnknownFlag = previous.startsWith("-") && !findFlag(previous, globalArgs as ArgsDef);
    if (afterUnknownFlag && !(token in commands)) continue;
    return { name: token, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { rest: argv };
}

/** Unknown flags, missing flag values and surplus words are usage errors: nothing runs. */
function checkFlags(tokens: string[], argsDef: ArgsDef): void {
  const positionals = Object.values(argsDef).filter((def) => def.type === "positional").length;
  let words = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? "";
    if (token === "--") {
      const surplus = tokens.slice(i + 1)[positionals - words];
      if (surplus !== undefined) throw usageError(`unexpected argument "${surplus}"`);
      break;
    }
    if (!token.startsWith("-") || token === "-") {
      if (++words > positionals) throw usageError(`unexpected argument "${token}"`);
      continue;
    }
    const def = findFlag(token, argsDef);
    if (!def) {
      const names = Object.keys(argsDef).filter((key) => argsDef[key]?.type !== "positional");
      const hint = closestMatch(flagName(token), names);
      throw usageError(`unknown flag "${token}"${hint ? ` (did you mean "--${hint}"?)` : ""}`);
    }
    if (def.type === "boolean" && token.includes("=")) {
      throw usageError(`flag "${token.split("=")[0]}" takes no value (got "${token}")`);
    }
    if (def.type === "string" && !token.includes("=")) {
      const value = tokens[i + 1];
      if (value === undefined || (value.startsWith("-") && value !== "-")) {
        throw usageError(`flag "${token}" needs a value`);
      }
      i++;
    }
  }
}

function flagName(token: string): string {
  return token.replace(/^-+/, "").split("=")[0] ?? "";
}

function findFlag(token: string, argsDef: ArgsDef) {
  const name = flagName(token);
  const long = token.startsWith("--");
  for (const [key, def] of Object.entries(argsDef)) {
    if (def.type === "positional") continue;
    const alias = "alias" in def ? def.alias : undefined;
    const aliases = alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
    if (long && (key === name || (def.type === "boolean" && `no-${key}` === name))) return def;
    if (!long && aliases.includes(name)) return def;
  }
  return undefined;
}

function takesValue(token: string, argsDef: ArgsDef): boolean {
  return findFlag(token, argsDef)?.type === "string";
}

function usageError(message: string): NorcError {
  return new NorcError(`${message}\nRun "norc-server --help" for usage.`, ExitCode.usage);
}
