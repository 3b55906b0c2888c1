import type { Logger } from "../log/logger.ts";
import type { Store } from "../store/ports.ts";
import type { BackupSchedule } from "./backups.ts";
import type { BackupReply } from "./control-protocol.ts";
import { type DeviceReply, type DeviceRequest, runDeviceRequest } from "./device-admin.ts";

/** What the running worker answers besides the server's own status: operator requests on its store. */
export interface WorkerAdmin {
  device(request: DeviceRequest): Promise<DeviceReply>;
  backup(output?: string): Promise<BackupReply>;
}

/** The admin answers of a worker whose store is `store`; every change is logged (audit trail). */
export function workerAdmin(store: Store, backups: BackupSchedule, logger: Logger): WorkerAdmin {
  return {
    async backup(output) {
      const { file, bytes, durationMs } = backups.run(output);
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
