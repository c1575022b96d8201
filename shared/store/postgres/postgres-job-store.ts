// JobStore on PostgreSQL (pg + drizzle), for many hosts. Transitions are the conditional UPDATEs
// of job-transition-sql.ts (READ COMMITTED re-checks the WHERE on a row another transaction just
// changed, so terminal stays final). Admission holds the tenant's advisory lock (postgres-locks.ts): see admit.
import { withoutNul } from "./postgres-text.ts";
import { and, count, desc, eq, inArray, lt, type SQL } from "drizzle-orm";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import type { ErrorCode } from "../../errors.ts";
import type { Admission, JobListQuery, JobResult, JobStore } from "../job-store.ts";
import { jobSelectionSql as S, jobTransitionSql as T } from "../job-transition-sql.ts";
import { ACTIVE_STATUSES, type JobRow, type JobStatus, type NewJobRow } from "../schema/jobs.ts";
import { jobs } from "../schema/postgres/jobs.ts";
import { webhookAttempts } from "../schema/postgres/webhook-attempts.ts";
import { webhookDeliveries } from "../schema/postgres/webhook-deliveries.ts";
import type { GenqPgDatabase } from "./postgres-database.ts";
import { first } from "./first-row.ts";
import { LOCK_CLASS, lockInTransaction } from "./postgres-locks.ts";

const ACTIVE = [...ACTIVE_STATUSES];

export class PostgresJobStore implements JobStore {
  constructor(private readonly db: GenqPgDatabase) {}

  /**
   * Count-then-insert is a predicate the row locks of READ COMMITTED do not cover, so every
   * admission of one tenant first takes that tenant's transaction-scoped advisory lock: racing
   * APIs queue for a few milliseconds and each then counts the rows the previous one committed
   * (each statement takes a fresh snapshot). Chosen over SERIALIZABLE, which would abort and
   * retry racing admissions (and, through index-page predicate locks, other tenants' too); no
   * tenants table exists to SELECT ... FOR UPDATE. Cancels and completions only lower the count.
   */
  async admit(row: NewJobRow, maxActivePerTenant: number): Promise<Admission> {
    const tenantId = row.tenantId ?? "";
    return this.db.transaction(async (tx): Promise<Admission> => {
      await lockInTransaction(tx, LOCK_CLASS.admit, tenantId);
      if (row.idempotencyKey) {
        const [existing] = await tx
          .select()
          .from(jobs)
          .where(and(eq(jobs.tenantId, tenantId), eq(jobs.idempotencyKey, row.idempotencyKey)));
        if (existing) return { outcome: "duplicate", row: existing };
      }
      const counts = await tx
        .select({ status: jobs.status, model: jobs.model, n: count() })
        .from(jobs)
        .where(and(eq(jobs.tenantId, tenantId), inArray(jobs.status, ACTIVE)))
        .groupBy(jobs.status, jobs.model);
      const active = counts.reduce((sum, c) => sum + c.n, 0);
      if (maxActivePerTenant > 0 && active >= maxActivePerTenant) return { outcome: "over-quota", active };
      const [inserted] = await tx.insert(jobs).values(row).returning();
      const queuedAhead = counts.find((c) => c.status === "queued" && c.model === row.model)?.n ?? 0;
      return { outcome: "admitted", row: inserted, queuedAhead };
    });
  }

  async get(id: string): Promise<JobRow | undefined> {
    return first(this.db.select().from(jobs).where(eq(jobs.id, id)));
  }

  async getForTenant(id: string, tenantId: string): Promise<JobRow | undefined> {
    return first(this.db.select().from(jobs).where(and(eq(jobs.id, id), eq(jobs.tenantId, tenantId))));
  }

  async findByIdempotencyKey(tenantId: string, key: string): Promise<JobRow | undefined> {
    return first(this.db.select().from(jobs).where(and(eq(jobs.tenantId, tenantId), eq(jobs.idempotencyKey, key))));
  }

  async list(query: JobListQuery): Promise<JobRow[]> {
    const conditions = [eq(jobs.tenantId, query.tenantId)];
    if (query.after) conditions.push(lt(jobs.id, query.after));
    if (query.status) conditions.push(eq(jobs.status, query.status));
    return this.db
      .select()
      .from(jobs)
      .where(and(...conditions))
      .orderBy(desc(jobs.id))
      .limit(query.limit);
  }

  async listRecentAcrossTenants(limit: number): Promise<JobRow[]> {
    return this.db.select().from(jobs).orderBy(desc(jobs.id)).limit(limit);
  }

  async listActive(olderThanMs: number, limit: number): Promise<JobRow[]> {
    return this.db
      .select()
      .from(jobs)
      .where(and(inArray(jobs.status, ACTIVE), lt(jobs.updatedAt, olderThanMs)))
      .orderBy(jobs.id)
      .limit(limit);
  }

  async countByStatus(): Promise<Partial<Record<JobStatus, number>>> {
    const rows = await this.db.select({ status: jobs.status, n: count() }).from(jobs).groupBy(jobs.status);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  async countActiveByStatus(): Promise<Record<"queued" | "running", number>> {
    const rows = await this.db.select({ status: jobs.status, n: count() }).from(jobs).where(inArray(jobs.status, ACTIVE)).groupBy(jobs.status);
    return { queued: 0, running: 0, ...Object.fromEntries(rows.map((r) => [r.status, r.n])) };
  }

  async listPastQueueDeadline(nowMs: number, limit: number): Promise<JobRow[]> {
    return this.db
      .select()
      .from(jobs)
      .where(S.pastQueueDeadline(jobs, nowMs))
      .limit(limit);
  }

  async listPastRunTimeout(beforeMs: number, limit: number): Promise<JobRow[]> {
    return this.db
      .select()
      .from(jobs)
      .where(S.pastRunTimeout(jobs, beforeMs))
      .limit(limit);
  }

  async listQueuedOlderThan(createdBeforeMs: number, limit: number): Promise<JobRow[]> {
    return this.db
      .select()
      .from(jobs)
      .where(S.queuedOlderThan(jobs, createdBeforeMs))
      .orderBy(jobs.createdAt)
      .limit(limit);
  }

  async markRunning(id: string, nowMs: number): Promise<JobRow | undefined> {
    return this.transition(T.markRunning(jobs, id, nowMs));
  }

  async complete(id: string, result: JobResult, nowMs: number): Promise<JobRow | undefined> {
    return this.transition(T.finish(jobs, id, nowMs, T.completed(result)));
  }

  async fail(id: string, code: ErrorCode, message: string, nowMs: number): Promise<JobRow | undefined> {
    return this.transition(T.finish(jobs, id, nowMs, T.failed(code, message)));
  }

  async expire(
    id: string,
    code: "QUEUE_TIMEOUT" | "RUN_TIMEOUT",
    message: string,
    nowMs: number,
    partial?: Omit<JobResult, "finishReason">,
  ): Promise<JobRow | undefined> {
    return this.transition(T.finish(jobs, id, nowMs, T.expired(code, message, partial)));
  }

  async cancelQueued(id: string, nowMs: number): Promise<JobRow | undefined> {
    return this.transition(T.cancelQueued(jobs, id, nowMs));
  }

  async requestCancel(id: string, nowMs: number): Promise<JobRow | undefined> {
    return this.transition(T.requestCancel(jobs, id, nowMs));
  }

  async handBack(id: string, runEndedCleanly: boolean, nowMs: number): Promise<JobRow | undefined> {
    return this.transition(T.handBack(jobs, id, runEndedCleanly, nowMs));
  }

  async countEngineRun(id: string, nowMs: number): Promise<number> {
    const { set, where } = T.countEngineRun(jobs, id, nowMs);
    const row = await first(this.db.update(jobs).set(set).where(where).returning({ engineRuns: jobs.engineRuns }));
    return row?.engineRuns ?? 0;
  }

  /** One conditional UPDATE (job-transition-sql.ts): the changed row, or undefined when the row's state forbids it. */
  private transition({ set, where }: { set: PgUpdateSetSource<typeof jobs>; where: SQL | undefined }): Promise<JobRow | undefined> {
    return first(this.db.update(jobs).set(withoutNul(set)).where(where).returning());
  }

  /** SKIP LOCKED: sweeps on several workers take disjoint batches instead of waiting on each other. */
  async deleteExpired(cutoffMs: number, batchSize: number): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const rows = await tx
        .select({ id: jobs.id })
        .from(jobs)
        .where(S.retentionExpired(jobs, cutoffMs))
        .limit(batchSize)
        .for("update", { skipLocked: true });
      const ids = rows.map((r) => r.id);
      if (ids.length === 0) return ids;
      await tx.delete(webhookAttempts).where(inArray(webhookAttempts.jobId, ids));
      await tx.delete(webhookDeliveries).where(inArray(webhookDeliveries.jobId, ids));
      await tx.delete(jobs).where(inArray(jobs.id, ids));
      return ids;
    });
  }
}
