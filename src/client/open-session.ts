import { NCP_SESSION_TIMING, type SessionTiming } from "./client-events.ts";
import type { ConnectionInfo } from "./client-protocol.ts";
import type { DeviceKeys } from "./device-messaging.ts";
import { DeviceSession } from "./device-session.ts";
import { type ConnectOptions, connectNcp } from "./ncp-client.ts";

/** Connects (handshake, pin or TOFU), syncs the clock with one 0x33, and returns the KEYED session. */
export async function openDeviceSession(
  server: ConnectOptions,
  keys: DeviceKeys,
  timing: SessionTiming = NCP_SESSION_TIMING,
): Promise<DeviceSession> {
  const connection = await connectNcp(server);
  const session = new DeviceSession(connection, keys, timing);
  try {
    await session.syncClock();
  } catch (error) {
    session.close();
    throw error;
  }
  return session;
}

/** The outcome of a 0x02 (§6.2): active (status 0) or waiting for the operator (status 4). */
export type RegistrationOutcome = "active" | "pending";

/** Registers this device under `userId` on its own connection, then closes it. */
export async function registerDevice(
  server: ConnectOptions,
  keys: DeviceKeys,
  request: { userId: string; deviceInfo: string },
  timing: SessionTiming = NCP_SESSION_TIMING,
): Promise<{ outcome: RegistrationOutcome; info: ConnectionInfo }> {
  const session = await openDeviceSession(server, keys, timing);
  try {
    const outcome = (await session.register(request)) === 0 ? "active" : "pending";
    return { outcome, info: session.connection.info };
  } finally {
    session.close();
  }
}
