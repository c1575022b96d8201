// TenantStore on PostgreSQL: one transaction moves a tenant's jobs, deliveries and secrets. Also
// run inside the API-key insert, so the first key takes over the keyless tenant atomically.
import { and, count, eq, inArray, isNotNull } from "drizzle-orm";
import { jobs } from "../schema/postgres/jobs.ts";
import { webhookDeliveries } from "../schema/postgres/webhook-deliveries.ts";
import { webhookSecrets } from "../schema/postgres/webhook-secrets.ts";
import type { TenantReassignment, TenantStore } from "../tenant-store.ts";
import type { GenqPgDatabase, PgTx } from "./postgres-database.ts";
import { LOCK_CLASS, lockInTransaction } from "./postgres-locks.ts";

/** Runs inside the caller's transaction. */
export async function reassignTenantIn(tx: PgTx, from: string, to: string): Promise<TenantReassignment> {
  if (from === to) return { jobs: 0, webhookDeliveries: 0, webhookSecrets: 0 };
  // Jobs join the target: hold both tenants' admission locks (in a fixed order: no deadlock), so
  // no racing admission counts either tenant while its jobs move.
  for (const tenant of [from, to].sort()) await lockInTransaction(tx, LOCK_CLASS.admit, tenant);
  for (const tenant of [from, to].sort()) await lockInTransaction(tx, LOCK_CLASS.webhookSecrets, tenant);
  // Idempotency keys are unique per tenant: where both used one, the target's job keeps it and
  // the moved job stops replaying (it is still readable by id).
  const taken = tx
    .select({ key: jobs.idempotencyKey })
    .from(jobs)
    .where(and(eq(jobs.tenantId, to), isNotNull(jobs.idempotencyKey)));
  await tx
    .update(jobs)
    .set({ idempotencyKey: null })
    .where(and(eq(jobs.tenantId, from), inArray(jobs.idempotencyKey, taken)));
  const movedJobs = (await tx.update(jobs).set({ tenantId: to }).where(eq(jobs.tenantId, from))).rowCount ?? 0;
  const movedDeliveries = (await tx.update(webhookDeliveries).set({ tenantId: to }).where(eq(webhookDeliveries.tenantId, from))).rowCount ?? 0;
  // A tenant's own signing secrets follow its jobs, unless the target already has its own.
  const [{ n }] = await tx
    .select({ n: count() })
    .from(webhookSecrets)
    .where(and(eq(webhookSecrets.kind, "tenant"), eq(webhookSecrets.tenantId, to)));
  const movedSecrets =
    n > 0
      ? 0
      : ((await tx
          .update(webhookSecrets)
          .set({ tenantId: to })
          .where(and(eq(webhookSecrets.kind, "tenant"), eq(webhookSecrets.tenantId, from)))).rowCount ?? 0);
  return { jobs: movedJobs, webhookDeliveries: movedDeliveries, webhookSecrets: movedSecrets };
}

export class PostgresTenantStore implements TenantStore {
  constructor(private readonly db: GenqPgDatabase) {}

  async reassign(from: string, to: string): Promise<TenantReassignment> {
    return this.db.transaction((tx) => reassignTenantIn(tx, from, to));
  }
}
