declare const NORC_BUILD_VERSION: string | undefined;
declare const NORC_BUILD_COMMIT: string | undefined;
declare const NORC_BUILD_DATE: string | undefined;
declare const NORC_BUILD_TARGET: string | undefined;

/** What this binary is, embedded at build time by `bun build --define` (scripts/build.ts). */
export const buildInfo = {
  version: typeof NORC_BUILD_VERSION === "string" ? NORC_BUILD_VERSION : "0.1.0-dev",
  commit: typeof NORC_BUILD_COMMIT === "string" ? NORC_BUILD_COMMIT : "unknown",
  date: typeof NORC_BUILD_DATE === "string" ? NORC_BUILD_DATE : "unknown",
  target: typeof NORC_BUILD_TARGET === "string" ? NORC_BUILD_TARGET : `${process.platform}-${process.arch}`,
};

/** One line for `--version`. */
export function versionLine(): string {
  const { version, commit, date, target } = buildInfo;
  return `norc-server ${version} (commit ${commit}, built ${date}, ${target})`;
}
