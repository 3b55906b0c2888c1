import { join } from "node:path";

/** Writes `config.toml` in `dir` from TOML sections ({ network: { port: 0 } } ...); returns its path. */
export async function writeConfig(
  dir: string,
  sections: Record<string, Record<string, unknown>>,
): Promise<string> {
  const lines: string[] = [];
  for (const [section, values] of Object.entries(sections)) {
    lines.push(`[${section}]`);
    for (const [key, value] of Object.entries(values)) lines.push(`${key} = ${JSON.stringify(value)}`);
    lines.push("");
  }
  const path = join(dir, "config.toml");
  await Bun.write(path, lines.join("\n"));
  return path;
}

/** The port from a `listening on ADDRESS:PORT (...)` line. */
export function listeningPort(line: string): number {
  const match = /listening on \S*:(\d+) \(/.exec(line);
  if (!match?.[1]) throw new Error(`no port in: ${line}`);
  return Number(match[1]);
}
