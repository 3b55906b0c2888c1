import { closeSync, fstatSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { ExitCode, NorcError } from "../errors.ts";
import { BATCH_HIGH_WATER_BYTES, BatchTimer } from "./batch-timer.ts";
import type { LogSink } from "./log-sink.ts";
import { rotateFiles } from "./rotate-files.ts";
import { errorText } from "./sink-error.ts";
import { reportLogFailure, writeFully } from "./write-fully.ts";

/** How a log file is rolled: `maxBytes` per file, `maxFiles` files in total (the active one included). */
export interface FileRotation {
  enabled: boolean;
  maxBytes: number;
  maxFiles: number;
}

/** How a sink behaves beside other writers of the same file. */
export interface FileSinkHooks {
  /** Another process rotates and reopens this file: before each write, follow the path to its fresh file. */
  followRotation?: boolean;
  /** Called with the path after each successful open (the first one included). */
  onOpened?: (path: string) => void;
}

/** Opens (creating dirs 0750 and the file 0640) `path` for appending; a NorcError says what to fix. */
function openLogFile(path: string): number {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
    return openSync(path, "a", 0o640);
  } catch (error) {
    throw new NorcError(
      `cannot open log file "${path}" (${errorText(error)}): fix its directory or permissions, or change logging.file`,
      ExitCode.config,
    );
  }
}

/**
 * Lines appended to a file in batches; rolls the file before a write would pass `maxBytes`. The
 * size counts what others append too (a supervisor, stderr): it is read from the file at each batch.
 */
export class FileSink implements LogSink {
  private fd: number;
  private size: number;
  private pending: string[] = [];
  private pendingBytes = 0;
  private closed = false;
  private readonly timer = new BatchTimer(() => this.flush());

  constructor(
    readonly path: string,
    public rotation: FileRotation,
    private readonly hooks: FileSinkHooks = {},
  ) {
    this.fd = openLogFile(path);
    this.size = fstatSync(this.fd).size;
    hooks.onOpened?.(path);
  }

  write(line: string): void {
    if (this.closed) return;
    const bytes = Buffer.byteLength(line);
    if (this.pending.length === 0) this.size = this.currentSize();
    const planned = this.size + this.pendingBytes;
    if (this.rotation.enabled && planned > 0 && planned + bytes > this.rotation.maxBytes) {
      this.flush();
      this.rotate();
    }
    this.pending.push(line);
    this.pendingBytes += bytes;
    if (this.pendingBytes >= BATCH_HIGH_WATER_BYTES) this.flush();
    else this.timer.arm();
  }

  flush(): void {
    this.timer.disarm();
    if (this.pending.length === 0) return;
    const data = Buffer.from(this.pending.join(""));
    this.pending = [];
    this.pendingBytes = 0;
    if (this.hooks.followRotation && this.renamedAway()) {
      const problem = this.openAgain();
      if (problem !== undefined) reportLogFailure(problem);
    }
    try {
      this.size += writeFully(this.fd, data, true);
    } catch (error) {
      reportLogFailure(`cannot write log file "${this.path}" (${errorText(error)}): lines dropped`);
    }
  }

  /** Opens the path anew (after logrotate renamed it); on failure keeps writing to the old file and says why. */
  reopen(): string | undefined {
    if (this.closed) return undefined;
    this.flush();
    return this.openAgain();
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    closeSync(this.fd);
  }

  /** Swaps in a fresh descriptor for the path; on failure keeps the old one and returns why. */
  private openAgain(): string | undefined {
    let fd: number;
    try {
      fd = openLogFile(this.path);
    } catch (error) {
      return `${errorText(error)}; still writing to the previous file`;
    }
    closeSync(this.fd);
    this.fd = fd;
    this.size = fstatSync(fd).size;
    this.hooks.onOpened?.(this.path);
    return undefined;
  }

  /** The file's size now (others may have appended since our last write). */
  private currentSize(): number {
    try {
      return fstatSync(this.fd).size;
    } catch {
      return this.size;
    }
  }

  /**
   * True when the path names another file than the one we write (the other writer rotated and
   * opened a fresh one). A missing path is not followed: that writer creates it, as its own user.
   */
  private renamedAway(): boolean {
    try {
      const atPath = statSync(this.path);
      const ours = fstatSync(this.fd);
      return atPath.ino !== ours.ino || atPath.dev !== ours.dev;
    } catch {
      return false;
    }
  }

  private rotate(): void {
    try {
      rotateFiles(this.path, this.rotation.maxFiles);
    } catch (error) {
      reportLogFailure(`cannot rotate log file "${this.path}" (${errorText(error)})`);
    }
    const problem = this.reopen();
    if (problem !== undefined) reportLogFailure(problem);
  }
}
