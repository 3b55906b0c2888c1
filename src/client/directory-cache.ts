import { toHex } from "../protocol/bytes.ts";
import type { DirectoryEntry, KeyRequest } from "../protocol/directory.ts";

/**
 * Directory entries by device id, fetched with 0x30 kind 1 and kept for `ttlMs`: the keys that
 * verify senders, ackers and presence (§8.5). Concurrent lookups of one id share a request.
 */
export class DirectoryCache {
  private readonly entries = new Map<string, { entry: DirectoryEntry; atMs: number }>();
  private readonly inFlight = new Map<string, Promise<DirectoryEntry | undefined>>();

  constructor(
    private readonly lookup: (request: KeyRequest) => Promise<DirectoryEntry[]>,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The entry of `deviceId`, or undefined when the server does not know it. */
  device(deviceId: Uint8Array): Promise<DirectoryEntry | undefined> {
    const id = toHex(deviceId);
    const cached = this.entries.get(id);
    if (cached !== undefined && this.now() - cached.atMs < this.ttlMs) return Promise.resolve(cached.entry);
    const running = this.inFlight.get(id);
    if (running !== undefined) return running;
    const request = this.lookup({ kind: 1, deviceIds: [deviceId] })
      .then((entries) => {
        this.remember(entries);
        return entries.find((entry) => toHex(entry.deviceId) === id);
      })
      .finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, request);
    return request;
  }

  /** Keeps entries another lookup returned. */
  remember(entries: DirectoryEntry[]): void {
    for (const entry of entries) this.entries.set(toHex(entry.deviceId), { entry, atMs: this.now() });
  }
}
