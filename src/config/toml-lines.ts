/**
 * Line-level views of TOML text that the parser does not give: where each key is written (for
 * `FILE:LINE:` in messages), and the text split at table headers (to keep checking the other
 * tables when one has a syntax error). A scan, not a parser: it is right for ordinary files.
 */

export interface TomlChunk {
  /** 1-based line of the chunk's first line in the whole file. */
  firstLine: number;
  text: string;
}

const HEADER = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/;
const KEY = /^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=/;

function splitDotted(text: string): string[] {
  const parts = text.match(/"[^"]*"|'[^']*'|[^.\s]+/g) ?? [];
  return parts.map((part) => part.replace(/^["']|["']$/g, ""));
}

/** Lines as [1-based number, text, inside a multi-line string?] so content of """...""" is skipped. */
function* scanLines(text: string): Generator<[number, string, boolean]> {
  let inString = false;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    yield [i + 1, line, inString];
    const quotes = line.match(/"""|'''/g)?.length ?? 0;
    if (quotes % 2 === 1) inString = !inString;
  }
}

/** Dotted key path -> 1-based line where it is written (tables: their header line). */
export function keyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let table: string[] = [];
  for (const [number, line, inString] of scanLines(text)) {
    if (inString) continue;
    const header = HEADER.exec(line);
    if (header?.[1]) {
      table = splitDotted(header[1]);
      if (!lines.has(table.join("."))) lines.set(table.join("."), number);
      continue;
    }
    const key = KEY.exec(line);
    if (key?.[1]) {
      const path = [...table, ...splitDotted(key[1])].join(".");
      if (!lines.has(path)) lines.set(path, number);
    }
  }
  return lines;
}

/** The line of `path`, or of its nearest written parent (a key inside an inline table). */
export function lineOf(lines: Map<string, number>, path: readonly (string | number)[]): number | undefined {
  for (let end = path.length; end > 0; end--) {
    const line = lines.get(path.slice(0, end).join("."));
    if (line !== undefined) return line;
  }
  return undefined;
}

/** The text cut before each table header: chunk 0 holds the top-level keys. */
export function splitAtHeaders(text: string): TomlChunk[] {
  const chunks: TomlChunk[] = [];
  let current: TomlChunk = { firstLine: 1, text: "" };
  for (const [number, line, inString] of scanLines(text)) {
    if (!inString && HEADER.test(line) && number > 1) {
      chunks.push(current);
      current = { firstLine: number, text: "" };
    }
    current.text += `${line}\n`;
  }
  chunks.push(current);
  return chunks;
}
