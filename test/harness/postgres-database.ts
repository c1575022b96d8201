// A fresh PostgreSQL database per test on the suite's server (127.0.0.1:5432, user postgres,
// trust auth; GENQ_TEST_POSTGRES_URL overrides), dropped afterwards. An unreachable server fails
// the test with a message saying how to start one: the Postgres tests never skip silently.
import { createScratchDatabase, LOCAL_POSTGRES_URL, type ScratchDatabase } from "../../scripts/postgres-scratch-database.ts";

export const POSTGRES_SERVER_URL = process.env.GENQ_TEST_POSTGRES_URL ?? LOCAL_POSTGRES_URL;

export type TestDatabase = ScratchDatabase;

export function createTestDatabase(): Promise<TestDatabase> {
  return createScratchDatabase(POSTGRES_SERVER_URL, "genq_test");
}
