import type { NcpClientError } from "../../../src/client/client-error.ts";
import type { InboundMessage, Receipt, RejectedMessage } from "../../../src/client/client-events.ts";
import { type DeviceKeys, deviceKeys } from "../../../src/client/device-messaging.ts";
import {
  type ClientTiming,
  MessagingClient,
  type MessagingClientOptions,
} from "../../../src/client/messaging-client.ts";
import { MemoryTrustStore } from "../../../src/client/trust-store.ts";
import { randomBytes, utf8 } from "../../../src/protocol/bytes.ts";
import type { DirectoryEntry } from "../../../src/protocol/directory.ts";
import { FakeNcpServer } from "../../helpers/fake-ncp-server.ts";

/** Short clocks so resends and reconnects happen within a test (NCP-1's are 30 s and 1–60 s). */
export const FAST: Partial<ClientTiming> = {
  resendAfterMs: 150,
  requestTimeoutMs: 2_000,
  backoff: { baseMs: 20, maxMs: 100, jitter: 0.2 },
};

export const text = (t: string) => ({ contentType: 1, metadata: [] as [string, string][], body: utf8(t) });

/** A client and everything it reported. */
export interface Observed {
  client: MessagingClient;
  keys: DeviceKeys;
  messages: InboundMessage[];
  rejected: RejectedMessage[];
  receipts: Receipt[];
  online: number;
  offline: NcpClientError[];
  stopped?: NcpClientError;
  problems: Error[];
}

/** A fake server plus clients on it; `stop()` closes everything. */
export class ClientHarness {
  readonly server: FakeNcpServer;
  private readonly clients: MessagingClient[] = [];
  private readonly trust = new MemoryTrustStore();

  constructor(options: ConstructorParameters<typeof FakeNcpServer>[0] = {}) {
    this.server = new FakeNcpServer(options);
  }

  /** A new device of `userId`, added to the server as active. */
  device(userId: string): DeviceKeys {
    const keys = deviceKeys(randomBytes(32));
    this.server.relay.addDevice(keys.publicKey, userId);
    return keys;
  }

  /** A client for `keys` (not started) whose events are collected. */
  client(keys: DeviceKeys, options: Partial<MessagingClientOptions> = {}): Observed {
    const server = { host: "127.0.0.1", port: this.server.port, trustStore: this.trust };
    const client = new MessagingClient({ server, keys, timing: FAST, ...options });
    this.clients.push(client);
    const seen: Observed = {
      client,
      keys,
      messages: [],
      rejected: [],
      receipts: [],
      online: 0,
      offline: [],
      problems: [],
    };
    client.events.message = (m) => seen.messages.push(m);
    client.events.rejected = (r) => seen.rejected.push(r);
    client.events.receipt = (r) => seen.receipts.push(r);
    client.events.online = () => seen.online++;
    client.events.offline = (e) => seen.offline.push(e);
    client.events.stopped = (e) => {
      seen.stopped = e;
    };
    client.events.problem = (e) => seen.problems.push(e);
    return seen;
  }

  /** The server's entry of `keys`, as a 0x31 would carry it. */
  entry(keys: DeviceKeys): DirectoryEntry {
    return [...this.server.relay.devices.values()].find((e) =>
      e.deviceId.every((b, i) => b === keys.deviceId[i]),
    ) as DirectoryEntry;
  }

  stop(): void {
    for (const client of this.clients) client.close();
    this.server.stop();
  }
}
