// Opens the configured store for a process (API, worker, CLI). Only SQLite exists so far; a
// PostgreSQL (GENQ_DATABASE_URL) or D1 implementation is chosen here, nowhere else.
import type { GenqConfig } from "../config.ts";
import { openSqliteStore } from "./sqlite/sqlite-store.ts";
import type { Store } from "./store.ts";

export function openStore(config: GenqConfig): Store {
  return openSqliteStore(config.databasePath, {
    configuredSecret: config.webhookSecret,
    graceMs: config.delivery.webhookSecretGraceMs,
  });
}
