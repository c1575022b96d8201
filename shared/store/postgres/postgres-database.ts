// Opens the PostgreSQL database shared by API and worker processes on many hosts (pg Pool +
// drizzle) and applies migrations/postgres at open, under an advisory lock so that processes
// starting together migrate once. A database that cannot be used is one StartupError.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import * as schema from "../schema/postgres/index.ts";
import { describePostgresFailure } from "./postgres-failure.ts";

export type GenqPgDatabase = NodePgDatabase<typeof schema> & { $client: pg.Pool };
export type PgTx = Parameters<Parameters<GenqPgDatabase["transaction"]>[0]>[0];

/** Session lock around migrations (one bigint key: a separate key space from the (class, key) pairs
 * of postgres-locks.ts, which import this file's transaction type). */
const MIGRATION_LOCK_KEY = 0x6771_0000;
const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "migrations", "postgres");
/** A host that does not answer fails the start within this, not after the OS's TCP timeout. */
const CONNECT_TIMEOUT_MS = 5_000;

export async function openPostgresDatabase(url: string): Promise<GenqPgDatabase> {
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, max: 10 });
  // An idle client dropped by the server (restart, failover) must not crash the process: the
  // pool discards it and the next query connects again.
  pool.on("error", () => {});
  try {
    await migrateOnce(pool);
  } catch (error) {
    await pool.end().catch(() => {});
    throw describePostgresFailure(url, error);
  }
  return drizzle(pool, { schema });
}

/** Session advisory lock around drizzle's migrator: concurrent starts wait, then find nothing to do. */
async function migrateOnce(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}
