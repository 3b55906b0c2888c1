import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "../util/atomic-write.ts";

/** Where a client remembers server identities for trust on first use (§4.5), per "host:port". */
export interface TrustStore {
  get(endpoint: string): string | undefined;
  remember(endpoint: string, fingerprint: string): void;
}

/** A TOFU store kept in memory only (one process). */
export class MemoryTrustStore implements TrustStore {
  private readonly known = new Map<string, string>();
  get(endpoint: string): string | undefined {
    return this.known.get(endpoint);
  }
  remember(endpoint: string, fingerprint: string): void {
    this.known.set(endpoint, fingerprint);
  }
}

/** A TOFU store in a JSON file ({"host:port": "fingerprint"}), written atomically with mode 0600. */
export class FileTrustStore implements TrustStore {
  constructor(readonly file: string) {}

  private read(): Record<string, string> {
    try {
      return JSON.parse(readFileSync(this.file, "utf8")) as Record<string, string>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw new Error(`cannot read the known servers file "${this.file}": ${String(error)}`);
    }
  }

  get(endpoint: string): string | undefined {
    return this.read()[endpoint];
  }

  remember(endpoint: string, fingerprint: string): void {
    const known = this.read();
    if (known[endpoint] !== undefined) return;
    known[endpoint] = fingerprint;
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.file, `${JSON.stringify(known, null, 2)}\n`, 0o600);
  }
}
