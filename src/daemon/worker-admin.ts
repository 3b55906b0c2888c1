import type { Logger } from "../log/logger.ts";
import type { Store } from "../store/ports.ts";
import { type DeviceReply, type DeviceRequest, runDeviceRequest } from "./device-admin.ts";

/** What the running worker answers besides the server's own status: operator requests on its store. */
export interface WorkerAdmin {
  device(request: DeviceRequest): Promise<DeviceReply>;
}

/** The admin answers of a worker whose store is `store`; every change is logged (audit trail). */
export function workerAdmin(store: Store, logger: Logger): WorkerAdmin {
  return {
    async device(request) {
      const reply = await runDeviceRequest(store, request);
      if (reply.note !== undefined && request.action !== "list" && request.action !== "show") {
        logger.info(`operator (control channel): ${reply.note}`);
      }
      return reply;
    },
  };
}
