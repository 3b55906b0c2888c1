import type { Logger } from "../log/logger.ts";
import type { Relay } from "../relay/relay.ts";
import type { ServerStatus } from "../server/server-handle.ts";
import type { SqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { BackupSchedule } from "./backups.ts";
import type { BackupReply } from "./control-protocol.ts";
import {
  type DeviceEffects,
  type DeviceReply,
  type DeviceRequest,
  runDeviceRequest,
} from "./device-admin.ts";
import { type StoreStatus, storeStatus } from "./store-status.ts";

/** What the running worker answers besides the server's own status: operator requests on its store. */
export interface WorkerAdmin {
  device(request: DeviceRequest): Promise<DeviceReply>;
  backup(output?: string): Promise<BackupReply>;
  store(): Promise<StoreStatus>;
}

/** The admin answers of a worker whose store is `store`; every change is logged (audit trail). */
export function workerAdmin(
  store: SqliteStore,
  backups: BackupSchedule,
  logger: Logger,
  relay: Relay,
): WorkerAdmin {
  const effects = relayEffects(relay);
  return {
    store: () => storeStatus(store, backups.state),
    async backup(output) {
      const { file, bytes, durationMs } = await backups.run(output);
      return { file, bytes, durationMs };
    },
    async device(request) {
      const reply = await runDeviceRequest(store, request, Date.now(), effects);
      if (reply.note !== undefined && request.action !== "list" && request.action !== "show") {
        logger.info(`operator (control channel): ${reply.note}`);
      }
      return reply;
    },
  };
}

/** What a supervised worker answers to "status": the server's status and its store. */
export type WorkerStatus = ServerStatus & { store?: StoreStatus };

/** Revocation and suspension through the relay: receipts to the senders, live sessions closed. */
export function relayEffects(relay: Relay): DeviceEffects {
  return {
    revoke: (id, nowMs) => relay.operatorRevoke(id, nowMs),
    suspend: (id, nowMs) => relay.operatorSuspend(id, nowMs),
  };
}
