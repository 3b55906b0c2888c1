import { storeContract } from "./contract.ts";
import { postgresFixture } from "./postgres-fixture.ts";

storeContract("postgres", () => postgresFixture());
