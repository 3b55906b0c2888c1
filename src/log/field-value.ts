/** One field value as JSON text: bigint as a decimal string, Error as "Name: message", undefined as null. */
export function jsonValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  try {
    return JSON.stringify(value, replaceUnserialisable) ?? "null";
  } catch (error) {
    return JSON.stringify(`[unserialisable: ${error instanceof Error ? error.message : String(error)}]`);
  }
}

/** One field value for the pretty and compact formats: bare when safe, JSON-quoted otherwise. */
export function textValue(value: unknown): string {
  if (typeof value === "string") return SAFE_BARE.test(value) ? value : JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  if (value instanceof Error) return JSON.stringify(errorText(value));
  return jsonValue(value);
}

/** Escapes control characters (newlines included) so a message can never split or forge a line. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (char) => {
    if (char === "\n") return "\\n";
    if (char === "\r") return "\\r";
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f\u2028\u2029]/g;
const SAFE_BARE = /^[^\s"=\\\p{C}\u2028\u2029]+$/u;

function errorText(error: Error): string {
  return `${error.name}: ${error.message}`;
}

function replaceUnserialisable(_key: string, value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return errorText(value);
  if (typeof value === "function") return `[function ${value.name || "anonymous"}]`;
  if (typeof value === "symbol") return value.toString();
  return value;
}
