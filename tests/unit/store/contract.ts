import { describe } from "bun:test";
import { clusterContract } from "./contract-cluster.ts";
import { lifecycleContract } from "./contract-lifecycle.ts";
import { mailboxContract } from "./contract-mailbox.ts";
import { maintenanceContract } from "./contract-maintenance.ts";
import { unitOfWorkContract } from "./contract-unit-of-work.ts";
import type { FixtureFactory } from "./store-fixtures.ts";

/**
 * The one contract every Store implementation passes (memory, sqlite, later postgres): a behaviour is
 * specified once here. An implementation's test file is one line: storeContract("name", fixture).
 */
export function storeContract(name: string, makeFixture: FixtureFactory): void {
  describe(`${name} store`, () => {
    mailboxContract(makeFixture);
    unitOfWorkContract(makeFixture);
    maintenanceContract(makeFixture);
    lifecycleContract(makeFixture);
    clusterContract(makeFixture);
  });
}
