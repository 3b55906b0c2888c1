/**
 * The command line that runs this program again with `args`: the compiled binary itself
 * (`process.execPath`, never `process.argv[1]`, a virtual path inside a compiled binary), or
 * `bun <entry script>` when running from source.
 */
export function selfCommand(args: string[]): string[] {
  const compiled = Bun.main.startsWith("/$bunfs/") || /^[A-Z]:[\\/]~BUN[\\/]/i.test(Bun.main);
  return compiled ? [process.execPath, ...args] : [process.execPath, Bun.main, ...args];
}

/** The user's arguments without the daemon flag (`-d`, `--daemon`, `--daemon=...`, `--no-daemon`). */
export function withoutDaemonFlag(args: string[]): string[] {
  const out: string[] = [];
  for (const arg of args) {
    if (arg === "--") {
      out.push(...args.slice(args.indexOf(arg)));
      break;
    }
    if (arg === "-d" || arg === "--daemon" || arg === "--no-daemon" || arg.startsWith("--daemon=")) continue;
    if (/^-[a-zA-Z]+$/.test(arg) && arg.includes("d")) {
      const rest = arg.replaceAll("d", "");
      if (rest !== "-") out.push(rest);
      continue;
    }
    out.push(arg);
  }
  return out;
}
