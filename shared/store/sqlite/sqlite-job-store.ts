// JobStore on SQLite (better-sqlite3 + drizzle). Multi-statement decisions run in BEGIN
// IMMEDIATE transactions, which take the write lock first, so they are atomic across processes;
// transitions are the conditional UPDATEs of job-transition-sql.ts.
import { and, desc, eq, inArray, lt, sql, type SQL } from "drizzle-orm";
import type { SQLiteUpdateSetSource } from "drizzle-orm/sqlite-core";
import type { ErrorCode } from "../../errors.ts";
import type { Admission, JobListQuery, JobResult, JobStore } from "../job-store.ts";
import { jobSelectionSql as S, jobTransitionSql as T } from "../job-transition-sql.ts";
import { ACTIVE_STATUSES, jobs, type JobRow, type JobStatus, type NewJobRow } from "../schema/jobs.ts";
import { webhookAttempts } from "../schema/webhook-attempts.ts";
import { webhookDeliveries } from "../schema/webhook-deliveries.ts";
import type { GenqDatabase } from "./sqlite-database.ts";

const ACTIVE = [...ACTIVE_STATUSES];

export class SqliteJobStore implements JobStore {
  constructor(private readonly db: GenqDatabase) {}

  async admit(row: NewJobRow, maxActivePerTenant: number): Promise<Admission> {
    const tenantId = row.tenantId ?? "";
    return this.db.transaction(
      (tx): Admission => {
        if (row.idempotencyKey) {
          const existing = tx
            .select()
            .from(jobs)
            .where(and(eq(jobs.tenantId, tenantId), eq(jobs.idempotencyKey, row.idempotencyKey)))
            .get();
          if (existing) return { outcome: "duplicate", row: existing };
        }
        const counts = tx
          .select({ status: jobs.status, model: jobs.model, n: sql<number>`count(*)` })
          .from(jobs)
          .where(and(eq(jobs.tenantId, tenantId), inArray(jobs.status, ACTIVE)))
          .groupBy(jobs.status, jobs.model)
          .all();
        const active = counts.reduce((sum, c) => sum + c.n, 0);
        if (maxActivePerTenant > 0 && active >= maxActivePerTenant) return { outcome: "over-quota", active };
        const inserted = tx.insert(jobs).values(row).returning().get();
        const queuedAhead = counts.find((c) => c.status === "queued" && c.model === row.model)?.n ?? 0;
        return { outcome: "admitted", row: inserted, queuedAhead };
      },
      { behavior: "immediate" },
    );
  }

  async get(id: string): Promise<JobRow | undefined> {
    return this.db.select().from(jobs).where(eq(jobs.id, id)).get();
  }

  async getForTenant(id: string, tenantId: string): Promise<JobRow | undefined> {
    return this.db.select().from(jobs).where(and(eq(jobs.id, id), eq(jobs.tenantId, tenantId))).get();
  }

  async findByIdempotencyKey(tenantId: string, key: string): Promise<JobRow | undefined> {
    return this.db
      .select()
      .from(jobs)
      .where(and(eq(jobs.tenantId, tenantId), eq(jobs.idempotencyKey, key)))
      .get();
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
      .limit(query.limit)
      .all();
  }

  async listRecentAcrossTenants(limit: number): Promise<JobRow[]> {
    return this.db.select().from(jobs).orderBy(desc(jobs.id)).limit(limit).all();
  }

  async listActive(olderThanMs: number, limit: number): Promise<JobRow[]> {
    return this.db
      .select()
      .from(jobs)
      .where(and(inArray(jobs.status, ACTIVE), lt(jobs.updatedAt, olderThanMs)))
      .orderBy(jobs.id)
      .limit(limit)
      .all();
  }

  async countByStatus(): Promise<Partial<Record<JobStatus, number>>> {
    const rows = this.db
      .select({ status: jobs.status, count: sql<number>`count(*)` })
      .from(jobs)
      .groupBy(jobs.status)
      .all();
    return Object.fromEntries(rows.map((r) => [r.status, r.count]));
  }

  async listPastQueueDeadline(nowMs: number, limit: number): Promise<JobRow[]> {
    return this.db
      .select()
      .from(jobs)
      .where(S.pastQueueDeadline(jobs, nowMs))
      .limit(limit)
      .all();
  }

  async listPastRunTimeout(beforeMs: number, limit: number): Promise<JobRow[]> {
    return this.db
      .select()
      .from(jobs)
      .where(S.pastRunTimeout(jobs, beforeMs))
      .limit(limit)
      .all();
  }

  async listQueuedOlderThan(createdBeforeMs: number, limit: number): Promise<JobRow[]> {
    return this.db
      .select()
      .from(jobs)
      .where(S.queuedOlderThan(jobs, createdBeforeMs))
      .orderBy(jobs.createdAt)
      .limit(limit)
      .all();
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
    return this.db.update(jobs).set(set).where(where).returning({ engineRuns: jobs.engineRuns }).get()?.engineRuns ?? 0;
  }

  /** One conditional UPDATE (job-transition-sql.ts): the changed row, or undefined when the row's state forbids it. */
  private async transition({ set, where }: { set: SQLiteUpdateSetSource<typeof jobs>; where: SQL | undefined }): Promise<JobRow | undefined> {
    return this.db.update(jobs).set(set).where(where).returning().get();
  }

  async countActiveByStatus(): Promise<Record<"queued" | "running", number>> {
    const rows = this.db
      .select({ status: jobs.status, count: sql<number>`count(*)` })
      .from(jobs)
      .where(inArray(jobs.status, ACTIVE))
      .groupBy(jobs.status)
      .all();
    return { queued: 0, running: 0, ...Object.fromEntries(rows.map((r) => [r.status, r.count])) };
  }

  async deleteExpired(cutoffMs: number, batchSize: number): Promise<string[]> {
    return this.db.transaction(
      (tx) => {
        const ids = tx
          .select({ id: jobs.id })
          .from(jobs)
          .where(S.retentionExpired(jobs, cutoffMs))
          .limit(batchSize)
          .all()
          .map((r) => r.id);
        if (ids.length === 0) return ids;
        tx.delete(webhookAttempts).where(inArray(webhookAttempts.jobId, ids)).run();
        tx.delete(webhookDeliveries).where(inArray(webhookDeliveries.jobId, ids)).run();
        tx.delete(jobs).where(inArray(jobs.id, ids)).run();
        return ids;
      },
      { behavior: "immediate" },
    );
  }
}
