import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { constants } from "node:fs";
import { access, readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { checkAccounts } from "./check-accounts.ts";
import type { Config } from "./schema.ts";

const WRITABLE = constants.W_OK | constants.X_OK;

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}

const NO_CERT_FIX = "or remove tls.cert_file and tls.key_file to use a generated self-signed certificate";

async function readPem(key: string, path: string, fix: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw `${key}: cannot read "${path}" (${code(error)}): ${fix}`;
  }
}

async function checkTls(tls: Config["tls"]): Promise<string[]> {
  const problems: string[] = [];
  let cert: X509Certificate | undefined;
  let key: KeyObject | undefined;
  const attempt = async (run: () => Promise<void>) => {
    try {
      await run();
    } catch (problem) {
      problems.push(String(problem));
    }
  };
  if (tls.cert_file) {
    const path = tls.cert_file;
    await attempt(async () => {
      const text = await readPem("tls.cert_file", path, `create it or fix the path, ${NO_CERT_FIX}`);
      cert = parse(() => new X509Certificate(text), `tls.cert_file: "${path}" is not a PEM certificate`);
    });
  }
  if (tls.key_file) {
    const path = tls.key_file;
    await attempt(async () => {
      const text = await readPem("tls.key_file", path, `create it or fix the path, ${NO_CERT_FIX}`);
      key = parse(
        () => createPrivateKey(text),
        `tls.key_file: "${path}" is not an unencrypted PEM private key`,
      );
    });
  }
  if (cert && key && !cert.checkPrivateKey(key)) {
    problems.push(
      `tls.key_file: "${tls.key_file}" does not match the certificate in "${tls.cert_file}": use the key the certificate was issued for`,
    );
  }
  if (tls.ca_file) {
    const path = tls.ca_file;
    await attempt(async () => {
      const text = await readPem("tls.ca_file", path, "create it or fix the path, or remove tls.ca_file");
      parse(() => new X509Certificate(text), `tls.ca_file: "${path}" is not a PEM certificate`);
    });
  }
  return problems;
}

function parse<T>(make: () => T, problem: string): T {
  try {
    return make();
  } catch (error) {
    throw `${problem} (${code(error).split("\n")[0]}): give a PEM file (-----BEGIN ...-----)`;
  }
}

/** The nearest existing directory at or above `path`, and what stands at `path` if it exists. */
async function nearestExisting(path: string): Promise<{ at: string; isDirectory: boolean }> {
  let current = path;
  for (;;) {
    try {
      const info = await stat(current);
      return { at: current, isDirectory: info.isDirectory() };
    } catch (error) {
      const parent = dirname(current);
      if (!["ENOENT", "ENOTDIR"].includes(code(error)) || parent === current)
        throw `${code(error)} on "${current}"`;
      current = parent;
    }
  }
}

/** A directory that exists and is writable, or can be created (its nearest existing ancestor is writable). */
async function checkDirectory(key: string, dir: string, what: string): Promise<string | undefined> {
  try {
    const found = await nearestExisting(dir);
    if (!found.isDirectory)
      return `${key}: cannot use "${dir}" (ENOTDIR: "${found.at}" is not a directory): ${what}`;
    await access(found.at, WRITABLE).catch((error) => {
      throw `${code(error)} on "${found.at}"`;
    });
    return undefined;
  } catch (reason) {
    return `${key}: cannot create or write to "${dir}" (${reason}): ${what}`;
  }
}

/** A file the server writes: if it exists it must be a writable file, else its directory must be usable. */
async function checkWritableFile(key: string, file: string, what: string): Promise<string | undefined> {
  const info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) return `${key}: "${file}" is a directory (EISDIR): ${what}`;
  if (info) {
    const denied = await access(file, constants.W_OK).then(
      () => undefined,
      (error) => code(error),
    );
    return denied ? `${key}: cannot write to "${file}" (${denied}): ${what}` : undefined;
  }
  return await checkDirectory(key, dirname(file), what);
}

/**
 * Checks what the config refers to, without changing anything: TLS files exist and parse (and the
 * key matches the certificate), directories and files the server writes can be created, the daemon
 * user and group exist. Returns one line per problem naming the key, the path, the errno and the fix.
 */
export async function checkConfigFiles(config: Config): Promise<string[]> {
  const fixPermissions = "create it, fix its permissions, or choose another path";
  const checks = await Promise.all([
    config.tls.enabled ? checkTls(config.tls) : [],
    checkDirectory("storage.data_dir", config.storage.data_dir, fixPermissions),
    config.logging.file ? checkWritableFile("logging.file", config.logging.file, fixPermissions) : undefined,
    checkWritableFile("daemon.pid_file", config.daemon.pid_file, fixPermissions),
    config.daemon.working_dir ? checkWorkingDir(config.daemon.working_dir) : undefined,
    checkAccounts(config.daemon),
  ]);
  return checks.flat().filter((problem): problem is string => typeof problem === "string");
}

async function checkWorkingDir(dir: string): Promise<string | undefined> {
  const info = await stat(dir).catch((error) => code(error));
  if (typeof info === "string")
    return `daemon.working_dir: cannot use "${dir}" (${info}): create it or fix the path`;
  return info.isDirectory()
    ? undefined
    : `daemon.working_dir: "${dir}" is not a directory (ENOTDIR): fix the path`;
}
