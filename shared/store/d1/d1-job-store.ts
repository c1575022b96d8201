// JobStore on D1. Every transition is one conditional UPDATE ... RETURNING (terminal stays final:
// the WHERE names the states it may leave). `admit` and `deleteExpired` are one db.batch each,
// which D1 runs as a single transaction; `admit` inserts, then takes the row back out in the same
// batch when the tenant is over its cap, so no interactive transaction is needed.
import { and, desc, eq, inArray, lt, sql, type SQL } from "drizzle-orm";
import type { SQLiteUpdateSetSource } from "drizzle-orm/sqlite-core";
import type { ErrorCode } from "../../errors.ts";
import type { Admission, JobListQuery, JobResult, JobStore } from "../job-store.ts";
import { jobSelectionSql as S, jobTransitionSql as T } from "../job-transition-sql.ts";
import { ACTIVE_STATUSES, jobs, type JobRow, type JobStatus, type NewJobRow } from "../schema/jobs.ts";
import { webhookAttempts } from "../schema/webhook-attempts.ts";
import { webhookDeliveries } from "../schema/webhook-deliveries.ts";
import type { GenqD1Database } from "./d1-database.ts";

const ACTIVE = [...ACTIVE_STATUSES];

export class D1JobStore implements JobStore {
  constructor(private readonly db: GenqD1Database) {}

  async admit(row: NewJobRow, maxActivePerTenant: number): Promise<Admission> {
    const { db } = this;
    const tenantId = row.tenantId ?? "";
    const mine = and(eq(jobs.tenantId, tenantId), inArray(jobs.status, ACTIVE));
    const [existing, counts, inserted, removed] = await db.batch([
      row.idempotencyKey
        ? db.select().from(jobs).where(and(eq(jobs.tenantId, tenantId), eq(jobs.idempotencyKey, row.idempotencyKey)))
        : db.select().from(jobs).where(sql`0`),
      db.select({ status: jobs.status, model: jobs.model, n: sql<number>`count(*)` }).from(jobs).where(mine).groupBy(jobs.status, jobs.model),
      // A duplicate Idempotency-Key hits the unique (tenant, key) index and inserts nothing.
      db.insert(jobs).values({ ...row, tenantId }).onConflictDoNothing().returning(),
      // Over the cap counting the new row: it goes again, in the same transaction.
      db
        .delete(jobs)
        .where(and(eq(jobs.id, row.id), sql`${maxActivePerTenant} > 0`, sql`(select count(*) from ${jobs} where ${mine}) > ${maxActivePerTenant}`))
        .returning({ id: jobs.id }),
    ]);
    if (existing.length > 0) return { outcome: "duplicate", row: existing[0] };
    const active = counts.reduce((sum, c) => sum + c.n, 0);
    if (removed.length > 0) return { outcome: "over-quota", active };
    if (inserted.length === 0) throw new Error(`job ${row.id} was not inserted (id taken?)`);
    const queuedAhead = counts.find((c) => c.status === "queued" && c.model === row.model)?.n ?? 0;
    return { outcome: "admitted", row: inserted[0], queuedAhead };
  }

  async get(id: string): Promise<JobRow | undefined> {
    return await this.db.select().from(jobs).where(eq(jobs.id, id)).get();
  }

  async getForTenant(id: string, tenantId: string): Promise<JobRow | undefined> {
    return await this.db.select().from(jobs).where(and(eq(jobs.id, id), eq(jobs.tenantId, tenantId))).get();
  }

  async findByIdempotencyKey(tenantId: string, key: string): Promise<JobRow | undefined> {
    return await this.db.select().from(jobs).where(and(eq(jobs.tenantId, tenantId), eq(jobs.idempotencyKey, key))).get();
  }

  async list(query: JobListQuery): Promise<JobRow[]> {
    const conditions = [eq(jobs.tenantId, query.tenantId)];
    if (query.after) conditions.push(lt(jobs.id, query.after));
    if (query.status) conditions.push(eq(jobs.status, query.status));
    return await this.db.select().from(jobs).where(and(...conditions)).orderBy(desc(jobs.id)).limit(query.limit).all();
  }

  async listRecentAcrossTenants(limit: number): Promise<JobRow[]> {
    return this.db.select().from(jobs).orderBy(desc(jobs.id)).limit(limit).all();
  }

  async listActive(olderThanMs: number, limit: number): Promise<JobRow[]> {
    return await this.db.select().from(jobs).where(and(inArray(jobs.status, ACTIVE), lt(jobs.updatedAt, olderThanMs))).orderBy(jobs.id).limit(limit).all();
  }

  async countByStatus(): Promise<Partial<Record<JobStatus, number>>> {
    const rows = await this.db.select({ status: jobs.status, count: sql<number>`count(*)` }).from(jobs).groupBy(jobs.status).all();
    return Object.fromEntries(rows.map((r) => [r.status, r.count]));
  }

  async listPastQueueDeadline(nowMs: number, limit: number): Promise<JobRow[]> {
    return await this.db
      .select()
      .from(jobs)
      .where(S.pastQueueDeadline(jobs, nowMs))
      .limit(limit)
      .all();
  }

  async listPastRunTimeout(beforeMs: number, limit: number): Promise<JobRow[]> {
    return await this.db
      .select()
      .from(jobs)
      .where(S.pastRunTimeout(jobs, beforeMs))
      .limit(limit)
      .all();
  }

  async listQueuedOlderThan(createdBeforeMs: number, limit: number): Promise<JobRow[]> {
    return await this.db.select().from(jobs).where(S.queuedOlderThan(jobs, createdBeforeMs)).orderBy(jobs.createdAt).limit(limit).all();
  }

  async countActiveByStatus(): Promise<Record<"queued" | "running", number>> {
    const rows = await this.db.select({ status: jobs.status, count: sql<number>`count(*)` }).from(jobs).where(inArray(jobs.status, ACTIVE)).groupBy(jobs.status).all();
    return { queued: 0, running: 0, ...Object.fromEntries(rows.map((r) => [r.status, r.count])) };
  }

  async deleteExpired(cutoffMs: number, batchSize: number): Promise<string[]> {
    const { db } = this;
    // The same subquery in each statement of one transaction picks the same ids (jobs is deleted last).
    const doomed = db
      .select({ id: jobs.id })
      .from(jobs)
      .where(S.retentionExpired(jobs, cutoffMs))
      .orderBy(jobs.id)
      .limit(batchSize);
    const [ids] = await db.batch([
      doomed,
      db.delete(webhookAttempts).where(inArray(webhookAttempts.jobId, doomed)),
      db.delete(webhookDeliveries).where(inArray(webhookDeliveries.jobId, doomed)),
      db.delete(jobs).where(inArray(jobs.id, doomed)),
    ]);
    return ids.map((r) => r.id);
  }

  async countEngineRun(id: string, nowMs: number): Promise<number> {
    const { set, where } = T.countEngineRun(jobs, id, nowMs);
    const row = await this.db.update(jobs).set(set).where(where).returning({ engineRuns: jobs.engineRuns }).get();
    return row?.engineRuns ?? 0;
  }

  async markRunning(id: string, nowMs: number): Promise<JobRow | undefined> {
    return await this.transition(T.markRunning(jobs, id, nowMs));
  }

  async complete(id: string, result: JobResult, nowMs: number): Promise<JobRow | undefined> {
    return await this.transition(T.finish(jobs, id, nowMs, T.completed(result)));
  }

  async fail(id: string, code: ErrorCode, message: string, nowMs: number): Promise<JobRow | undefined> {
    return await this.transition(T.finish(jobs, id, nowMs, T.failed(code, message)));
  }

  async expire(id: string, code: "QUEUE_TIMEOUT" | "RUN_TIMEOUT", message: string, nowMs: number, partial?: Omit<JobResult, "finishReason">): Promise<JobRow | undefined> {
    return await this.transition(T.finish(jobs, id, nowMs, T.expired(code, message, partial)));
  }

  async cancelQueued(id: string, nowMs: number): Promise<JobRow | undefined> {
    return await this.transition(T.cancelQueued(jobs, id, nowMs));
  }

  async requestCancel(id: string, nowMs: number): Promise<JobRow | undefined> {
    return await this.transition(T.requestCancel(jobs, id, nowMs));
  }

  async handBack(id: string, runEndedCleanly: boolean, nowMs: number): Promise<JobRow | undefined> {
    return await this.transition(T.handBack(jobs, id, runEndedCleanly, nowMs));
  }

  /** One conditional UPDATE (job-transition-sql.ts): the changed row, or undefined when the row's state forbids it. */
  private async transition({ set, where }: { set: SQLiteUpdateSetSource<typeof jobs>; where: SQL | undefined }): Promise<JobRow | undefined> {
    return await this.db.update(jobs).set(set).where(where).returning().get();
  }
}
