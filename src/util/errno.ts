import { errorMessage } from "../errors.ts";

/** The errno code of a failed system call ("ENOENT", ...), or undefined for any other error. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The errno code when there is one, else the error's message: for "(EACCES)" in messages. */
export function errnoText(error: unknown): string {
  return errnoCode(error) ?? errorMessage(error);
}
