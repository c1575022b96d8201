// A throwaway PostgreSQL database on a server (tests, benchmarks): created with a random name,
// dropped WITH (FORCE) afterwards. An unreachable server fails with how to start one.
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The developer machines' and CI's server: 127.0.0.1:5432, user postgres, trust auth. */
export const LOCAL_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";

export interface ScratchDatabase {
  /** postgres://…/<prefix>_<random>: for GENQ_DATABASE_URL. */
  url: string;
  drop(): Promise<void>;
}

async function onServer<T>(serverUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${serverUrl} (${(error as Error).message}). ` +
        "Start it (service postgresql start; .ci/run installs it) with trust auth for user postgres on 127.0.0.1.",
    );
  }
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function createScratchDatabase(serverUrl: string, namePrefix: string): Promise<ScratchDatabase> {
  const name = `${namePrefix}_${randomBytes(6).toString("hex")}`;
  await onServer(serverUrl, (client) => client.query(`create database ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // FORCE: a pool a killed process left open must not keep the database alive.
    drop: () => onServer(serverUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}
