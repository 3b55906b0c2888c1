import type { LockoutStore } from "../store/cluster-ports.ts";
import type { Store } from "../store/ports.ts";
import type { RelayLimits } from "./limits.ts";
import type { MailboxCursor } from "./mailbox-cursor.ts";
import type { ReceiptLedger } from "./receipt-ledger.ts";
import type { RelayFrames } from "./relay-frames.ts";
import type { RelayStats } from "./relay-stats.ts";
import type { Router } from "./router.ts";
import type { SendOrder } from "./send-order.ts";
import type { RelaySettings } from "./settings.ts";

/** What every part of the relay works with; `settings` and `limits` are replaced on reload. */
export interface RelayContext {
  readonly store: Store;
  readonly frames: RelayFrames;
  readonly router: Router;
  settings: RelaySettings;
  limits: RelayLimits;
  readonly receipts: ReceiptLedger;
  /** One sender's sends reach their commit in arrival order. */
  readonly sendOrder: SendOrder;
  /** Cluster mode: the §6.3 lockout kept in the shared store (else `limits.lockout`, per process). */
  readonly sharedLockout?: LockoutStore;
  /** The cursor of each device's current session, by device id hex. */
  readonly cursors: Map<string, MailboxCursor>;
  readonly stats: RelayStats;
  /** The clock for work no request carries (pushes, the sweeper). */
  readonly clock: () => number;
  /** U[0, 1): the jitter of expires_at. */
  readonly random: () => number;
  readonly randomBytes: (length: number) => Uint8Array;
}
