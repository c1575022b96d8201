// A fresh PostgreSQL database per test on the suite's server (127.0.0.1:5432, user postgres,
// trust auth; GENQ_TEST_POSTGRES_URL overrides), dropped afterwards. An unreachable server fails
// the test with a message saying how to start one: the Postgres tests never skip silently.
import { randomBytes } from "node:crypto";
import pg from "pg";

export const POSTGRES_SERVER_URL = process.env.GENQ_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  /** postgres://…/genq_test_<random>: for GENQ_DATABASE_URL. */
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_SERVER_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${POSTGRES_SERVER_URL} (${(error as Error).message}): the Postgres store tests need it. ` +
        "Start it (service postgresql start; .ci/run installs it) with trust auth for user postgres on 127.0.0.1, or set GENQ_TEST_POSTGRES_URL.",
    );
  }
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `genq_test_${randomBytes(6).toString("hex")}`;
  await admin((client) => client.query(`create database ${name}`));
  const url = new URL(POSTGRES_SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // FORCE: a pool a crashed process left open must not keep the database alive.
    drop: () => admin((client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}
