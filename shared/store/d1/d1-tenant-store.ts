// TenantStore on D1: the moves of one tenant's jobs, deliveries and secrets as guarded statements
// for one db.batch (one transaction). The first API key's takeover of the keyless tenant runs the
// same statements in the key's insert batch, guarded by "this key is the only one".
import { and, eq, inArray, isNotNull, sql, type SQL } from "drizzle-orm";
import { jobs } from "../schema/jobs.ts";
import { webhookDeliveries } from "../schema/webhook-deliveries.ts";
import { webhookSecrets } from "../schema/webhook-secrets.ts";
import type { TenantReassignment, TenantStore } from "../tenant-store.ts";
import { changesOf, type GenqD1Database } from "./d1-database.ts";

/** The four statements of a reassignment, each applied only where `guard` holds (default: always). */
export function reassignStatements(db: GenqD1Database, from: string, to: string, guard: SQL = sql`1`) {
  const targetKeys = db.select({ key: jobs.idempotencyKey }).from(jobs).where(and(eq(jobs.tenantId, to), isNotNull(jobs.idempotencyKey)));
  const targetSecrets = db
    .select({ n: sql<number>`count(*)` })
    .from(webhookSecrets)
    .where(and(eq(webhookSecrets.kind, "tenant"), eq(webhookSecrets.tenantId, to)));
  return [
    // Idempotency keys are unique per tenant: where both used one, the target's job keeps it.
    db.update(jobs).set({ idempotencyKey: null }).where(and(guard, eq(jobs.tenantId, from), inArray(jobs.idempotencyKey, targetKeys))),
    db.update(jobs).set({ tenantId: to }).where(and(guard, eq(jobs.tenantId, from))),
    db.update(webhookDeliveries).set({ tenantId: to }).where(and(guard, eq(webhookDeliveries.tenantId, from))),
    // A non-correlated scalar subquery is evaluated once, before any row moves: "the target had none".
    db
      .update(webhookSecrets)
      .set({ tenantId: to })
      .where(and(guard, eq(webhookSecrets.kind, "tenant"), eq(webhookSecrets.tenantId, from), sql`(${targetSecrets}) = 0`)),
  ] as const;
}

/** The counts from the results of `reassignStatements` (in order). */
export function reassignmentOf(results: readonly unknown[]): TenantReassignment {
  return { jobs: changesOf(results[1]), webhookDeliveries: changesOf(results[2]), webhookSecrets: changesOf(results[3]) };
}

export class D1TenantStore implements TenantStore {
  constructor(private readonly db: GenqD1Database) {}

  async reassign(from: string, to: string): Promise<TenantReassignment> {
    if (from === to) return { jobs: 0, webhookDeliveries: 0, webhookSecrets: 0 };
    return reassignmentOf(await this.db.batch(reassignStatements(this.db, from, to)));
  }
}
