// Whether the SQLite database accepts writes: rewrites the header's user_version inside a
// transaction that is rolled back. BEGIN IMMEDIATE alone succeeds on a read-only file.
import type { GenqDatabase } from "./client.ts";

/** Throws the driver's error (e.g. SQLITE_READONLY) when the database cannot be written. */
export function probeWritable(db: GenqDatabase): void {
  const sqlite = db.$client;
  const version = sqlite.pragma("user_version", { simple: true }) as number;
  sqlite.exec("BEGIN IMMEDIATE");
  try {
    sqlite.pragma(`user_version = ${Number(version)}`);
  } finally {
    sqlite.exec("ROLLBACK");
  }
}
