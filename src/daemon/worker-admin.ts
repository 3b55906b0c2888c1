import type { Logger } from "../log/logger.ts";
import type { ServerStatus } from "../server/server-handle.ts";
import type { SqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { BackupSchedule } from "./backups.ts";
import type { BackupReply } from "./control-protocol.ts";
import { type DeviceReply, type DeviceRequest, runDeviceRequest } from "./device-admin.ts";
import { type StoreStatus, storeStatus } from "./store-status.ts";

/** What the running worker answers besides the server's own status: operator requests on its store. */
export interface WorkerAdmin {
  device(request: DeviceRequest): Promise<DeviceReply>;
  backup(output?: string): Promise<BackupReply>;
  store(): Promise<StoreStatus>;
}

/** The admin answers of a worker whose store is `store`; every change is logged (audit trail). */
export function workerAdmin(store: SqliteStore, backups: BackupSchedule, logger: Logger): WorkerAdmin {
  return {
    store: () => storeStatus(store, backups.state),
    async backup(output) {
      const { file, bytes, durationMs } = await backups.run(output);
      return { file, bytes, durationMs };
    },
    async device(request) {
      const reply = await runDeviceRequest(store, request);
      if (reply.note !== undefined && request.action !== "list" && request.action !== "show") {
        logger.info(`operator (control channel): ${reply.note}`);
      }
      return reply;
    },
  };
}

/** What a supervised worker answers to "status": the server's status and its store. */
export type WorkerStatus = ServerStatus & { store?: StoreStatus };
