import { constants } from "node:fs";
import { open, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { defineCommand } from "citty";
import { CONFIG_TEMPLATE } from "../../config/config-template.ts";
import { ExitCode, NorcError } from "../../errors.ts";
import { errnoCode } from "../../util/errno.ts";
import { print, say } from "../output.ts";
import { configPathFromArgs } from "../shared-args.ts";

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}

/** Writes the template to `path` (mode 0640); without `force` an existing file is left untouched. */
async function writeTemplate(path: string, shownAs: string, force: boolean): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_CREAT | (force ? constants.O_TRUNC : constants.O_EXCL);
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, flags, 0o640);
  } catch (error) {
    const code = errnoCode(error) ?? "error";
    if ((code === "EEXIST" || code === "EISDIR") && (await isDirectory(path))) {
      throw new NorcError(
        `"${shownAs}" is a directory: give a file path, e.g. -o ${join(shownAs, "config.toml")}`,
      );
    }
    if (code === "EEXIST") {
      throw new NorcError(
        `"${shownAs}" already exists, left unchanged: use --force to overwrite it, or -o another file`,
      );
    }
    throw new NorcError(
      `cannot write "${shownAs}" (${code}): check the directory exists and is writable, or use -o`,
    );
  }
  try {
    await file.writeFile(CONFIG_TEMPLATE);
    const { mode } = await file.stat();
    await file.chmod(mode & 0o640);
  } finally {
    await file.close();
  }
}

export default defineCommand({
  meta: {
    name: "generate-config",
    description:
      "Write the commented default configuration to FILE (default: the -c path, config.toml; - = stdout)",
  },
  args: {
    output: { type: "string", alias: "o", valueHint: "FILE", description: "File to write (- = stdout)" },
    force: { type: "boolean", description: "Overwrite an existing file" },
  },
  run: async ({ args }) => {
    const target =
      typeof args.output === "string" && args.output !== "" ? args.output : configPathFromArgs(args);
    if (target === "-") {
      print(CONFIG_TEMPLATE);
      return ExitCode.ok;
    }
    await writeTemplate(resolve(target), target, args.force === true);
    say(`wrote ${target}`);
    return ExitCode.ok;
  },
});
