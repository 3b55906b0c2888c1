/** The URL schemes a [cluster] database_url may use. */
export const POSTGRES_SCHEMES = ["postgres:", "postgresql:"] as const;

/** True when `text` parses as a postgres:// or postgresql:// URL with a host. */
export function isPostgresUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (POSTGRES_SCHEMES as readonly string[]).includes(url.protocol) && url.hostname !== "";
  } catch {
    return false;
  }
}

/**
 * The URL with any password replaced by `***`, for logs, print-config and messages: a database
 * password is never shown. Text that does not parse as a URL is shown only as its scheme.
 */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password !== "") url.password = "***";
    return url.toString();
  } catch {
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(text)?.[0];
    return scheme === undefined ? "(not a URL)" : `${scheme}... (not a valid URL)`;
  }
}
