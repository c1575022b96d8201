// Startup against a broken environment: every entry (api, worker, start) runs its startup through
// runStartup, which turns any failure into ONE line on stderr (what is wrong, how to fix it) and
// a non-zero exit. No stack traces; waits are bounded where they happen (Redis: 5 s).
import { ConfigError } from "../config.ts";

/** A failure whose cause and fix are known; `fix` tells the operator what to change. */
export class StartupError extends Error {
  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${problem}. Fix: ${fix}`);
    this.name = "StartupError";
  }
}

/** One line for any startup failure. */
export function describeStartupFailure(error: unknown): string {
  if (error instanceof StartupError) return error.message;
  if (error instanceof ConfigError) {
    return `invalid configuration: ${error.problems.join("; ")}. Fix: correct these environment variables (README: Configuration)`;
  }
  // drizzle wraps driver errors (e.g. a migration on a read-only file): the code is on the cause.
  const code = (error as { code?: string } | null)?.code ?? (error as { cause?: { code?: string } } | null)?.cause?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === "EADDRINUSE") return `the API port is already in use (${message}). Fix: stop the other process or set GENQ_PORT to a free port`;
  if (code === "EACCES" || code === "EPERM") return `permission denied (${message}). Fix: use a port above 1023 or a GENQ_DATA_DIR this user may write`;
  if (typeof code === "string" && code.startsWith("SQLITE_")) {
    return `the SQLite database cannot be used (${code}: ${message}). Fix: make GENQ_DATA_DIR and its genq.db writable by this user, or point GENQ_DATA_DIR elsewhere`;
  }
  return `startup failed: ${message.split("\n")[0]}. Fix: see the message; the README lists the settings`;
}

/** Runs an entry's startup; on failure prints `genq <entry>: <line>` to stderr and exits with code 1. */
export async function runStartup<T>(entry: string, start: () => Promise<T> | T): Promise<T> {
  try {
    return await start();
  } catch (error) {
    process.stderr.write(`genq ${entry}: ${describeStartupFailure(error)}\n`);
    process.exit(1);
  }
}
