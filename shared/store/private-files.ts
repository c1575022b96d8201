// Owner-only files for secrets at rest: the data dir (0700) and the SQLite database (0600; its
// -wal and -shm inherit the database file's mode from SQLite). Only what genq creates is set:
// an operator's existing, deliberately shared directory is left as it is.
import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";

/** Creates `dir` (and missing parents) as 0700; an existing directory is left alone. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Creates an empty `path` as 0600 if it does not exist yet. */
export function ensurePrivateFile(path: string): void {
  if (existsSync(path)) return;
  // "a" creates without truncating: a racing process that created it first loses nothing.
  closeSync(openSync(path, "a", 0o600));
}
