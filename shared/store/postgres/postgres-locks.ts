// Advisory locks that serialize the few decisions a conditional UPDATE cannot make alone (count
// then insert). Transaction-scoped, keyed (class, hashtext(tenant)): only one tenant's admissions
// wait on each other; a hash collision only serializes two tenants, it never breaks a decision.
import { sql } from "drizzle-orm";
import type { PgTx } from "./postgres-database.ts";

/** Lock classes ("gq" + a number, unlikely to collide with another application's advisory locks). */
export const LOCK_CLASS = {
  /** A tenant's admissions (cap, rank, idempotency key) and anything that adds jobs to it. */
  admit: 0x67710001,
  /** A tenant's webhook secrets (first-use creation, the one reveal, rotation). */
  webhookSecrets: 0x67710002,
  /** The api_keys table as a whole ("is this the first key ever?"). */
  apiKeys: 0x67710003,
} as const;

/** Waits for the lock on (lockClass, key) until the transaction ends. */
export async function lockInTransaction(tx: PgTx, lockClass: number, key: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${lockClass}::int, hashtext(${key}))`);
}
