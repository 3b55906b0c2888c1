import { type ConsolaInstance, createConsola } from "consola/core";

/**
 * CLI output: human text to stderr through one consola instance, data to stdout.
 * Plain lines (no badges, no colours) so scripts and tests see exactly what is written.
 */
let cliConsola: ConsolaInstance | undefined;

/** The consola instance, made at the first message (a server that starts cleanly never needs it). */
function cli(): ConsolaInstance {
  cliConsola ??= createConsola({
    level: 3,
    throttle: 0,
    reporters: [
      {
        log(entry) {
          const text = entry.args.map((part) => (typeof part === "string" ? part : String(part))).join(" ");
          const prefix =
            entry.type === "error" || entry.type === "fatal"
              ? "error: "
              : entry.type === "warn"
                ? "warning: "
                : "";
          process.stderr.write(`${prefix}${text}\n`);
        },
      },
    ],
  });
  return cliConsola;
}

/** A line for the operator (stderr). */
export function say(message: string): void {
  cli().log(message);
}

/** A warning for the operator (stderr), prefixed `warning: `. */
export function warn(message: string): void {
  cli().warn(message);
}

/** An error for the operator (stderr), prefixed `error: `. */
export function fail(message: string): void {
  cli().error(message);
}

/** Data for scripts (stdout). */
export function print(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}
