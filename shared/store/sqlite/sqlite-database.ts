// Opens the SQLite database shared by API and worker processes (better-sqlite3 + drizzle): WAL (readers never block the
// writer), a busy timeout (processes wait instead of failing), and migrations applied at open.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import * as schema from "../schema/index.ts";

export type GenqDatabase = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "migrations");

export function openDatabase(path: string): GenqDatabase {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  const db = drizzle(sqlite, { schema });
  migrateWithRetry(db);
  return db;
}

/** API and worker processes may start together; the loser of a migration race re-reads the journal. */
function migrateWithRetry(db: GenqDatabase): void {
  for (let attempt = 1; ; attempt++) {
    try {
      migrate(db, { migrationsFolder: MIGRATIONS_DIR });
      return;
    } catch (error) {
      // drizzle wraps the driver's error: the telling text is in `cause`.
      const text = `${String(error)} ${String((error as { cause?: unknown }).cause ?? "")}`;
      if (attempt >= 5 || !/already exists|SQLITE_BUSY|database is locked/i.test(text)) throw error;
    }
  }
}
