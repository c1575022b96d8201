// Turns a PostgreSQL connection or migration failure into the one startup line (StartupError):
// what is wrong with which database (password never shown) and what to change.
import { StartupError } from "../../startup/startup-failure.ts";

/** Connection-level failures (no SQLSTATE): the server is not there or not answering. */
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ECONNRESET"]);

/** postgres://user@host:port/db: the URL without its password, for messages. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = "";
    return parsed.toString();
  } catch {
    return "GENQ_DATABASE_URL";
  }
}

export function describePostgresFailure(url: string, error: unknown): StartupError {
  const where = redactDatabaseUrl(url);
  const code = String((error as { code?: unknown } | null)?.code ?? (error as { cause?: { code?: unknown } } | null)?.cause?.code ?? "");
  const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
  if (code === "3D000") return new StartupError(`the PostgreSQL database at ${where} does not exist (${message})`, "create it (createdb) or correct GENQ_DATABASE_URL");
  if (code === "25006") return new StartupError(`the PostgreSQL database at ${where} is read-only (${message})`, "point GENQ_DATABASE_URL at the primary server");
  if (code === "28P01" || code === "28000") {
    return new StartupError(`PostgreSQL at ${where} refused the login (${message})`, "correct the user and password in GENQ_DATABASE_URL, or the server's pg_hba.conf");
  }
  if (UNREACHABLE.has(code) || /timeout|terminated/i.test(message)) {
    return new StartupError(`the PostgreSQL database at ${where} is not reachable (${code ? `${code}: ` : ""}${message})`, "start PostgreSQL or correct GENQ_DATABASE_URL");
  }
  return new StartupError(
    `the PostgreSQL database at ${where} cannot be used (${code}: ${message})`,
    "let the user in GENQ_DATABASE_URL create tables in that database (migrations run at start), or point it at another database",
  );
}
