// TenantStore on SQLite: one transaction moves a tenant's jobs, deliveries and secrets. Also run
// inside the API-key insert, so the first key takes over the keyless tenant atomically.
import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import { batches } from "../schema/batches.ts";
import { files } from "../schema/files.ts";
import { jobs } from "../schema/jobs.ts";
import { webhookDeliveries } from "../schema/webhook-deliveries.ts";
import { webhookSecrets } from "../schema/webhook-secrets.ts";
import type { TenantReassignment, TenantStore } from "../tenant-store.ts";
import type { GenqDatabase } from "./sqlite-database.ts";

type Tx = Parameters<Parameters<GenqDatabase["transaction"]>[0]>[0];

/** Runs inside the caller's transaction (`tx`), or in its own when given the database. */
export function reassignTenant(db: GenqDatabase | Tx, from: string, to: string): TenantReassignment {
  if (from === to) return { jobs: 0, webhookDeliveries: 0, webhookSecrets: 0 };
  const run = (tx: Tx): TenantReassignment => {
    // Idempotency keys are unique per tenant: where both used one, the target's job keeps it and
    // the moved job stops replaying (it is still readable by id).
    const taken = tx
      .select({ key: jobs.idempotencyKey })
      .from(jobs)
      .where(and(eq(jobs.tenantId, to), isNotNull(jobs.idempotencyKey)));
    tx.update(jobs)
      .set({ idempotencyKey: null })
      .where(and(eq(jobs.tenantId, from), inArray(jobs.idempotencyKey, taken)))
      .run();
    const movedJobs = tx.update(jobs).set({ tenantId: to }).where(eq(jobs.tenantId, from)).run().changes;
    // Files and batches follow their jobs (a batch's lines are jobs of the same tenant).
    tx.update(files).set({ tenantId: to }).where(eq(files.tenantId, from)).run();
    tx.update(batches).set({ tenantId: to }).where(eq(batches.tenantId, from)).run();
    const movedDeliveries = tx.update(webhookDeliveries).set({ tenantId: to }).where(eq(webhookDeliveries.tenantId, from)).run().changes;
    // A tenant's own signing secrets follow its jobs, unless the target already has its own.
    const targetHasSecrets =
      (tx
        .select({ n: sql<number>`count(*)` })
        .from(webhookSecrets)
        .where(and(eq(webhookSecrets.kind, "tenant"), eq(webhookSecrets.tenantId, to)))
        .get()?.n ?? 0) > 0;
    const movedSecrets = targetHasSecrets
      ? 0
      : tx
          .update(webhookSecrets)
          .set({ tenantId: to })
          .where(and(eq(webhookSecrets.kind, "tenant"), eq(webhookSecrets.tenantId, from)))
          .run().changes;
    return { jobs: movedJobs, webhookDeliveries: movedDeliveries, webhookSecrets: movedSecrets };
  };
  return "$client" in db ? db.transaction(run, { behavior: "immediate" }) : run(db);
}

export class SqliteTenantStore implements TenantStore {
  constructor(private readonly db: GenqDatabase) {}

  async reassign(from: string, to: string): Promise<TenantReassignment> {
    return reassignTenant(this.db, from, to);
  }
}
