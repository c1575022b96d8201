// Opens the configured store for a process (API, worker, CLI): PostgreSQL when GENQ_DATABASE_URL
// is set (many hosts), else the SQLite file in the data dir (one box). Chosen here, nowhere else.
// Migrations run at open; a database that cannot be used is a StartupError (one line, exit 1).
import type { GenqConfig } from "../config.ts";
import { openPostgresStore } from "./postgres/postgres-store.ts";
import { openSqliteStore } from "./sqlite/sqlite-store.ts";
import type { Store } from "./store.ts";

export async function openStore(config: GenqConfig): Promise<Store> {
  const secrets = { configuredSecret: config.webhookSecret, graceMs: config.delivery.webhookSecretGraceMs };
  if (config.databaseUrl) return openPostgresStore(config.databaseUrl, secrets);
  return openSqliteStore(config.databasePath, secrets);
}
