// BatchStore on PostgreSQL. Transitions and claims are conditional single UPDATEs (READ COMMITTED
// re-checks the WHERE on a row another process just changed, so two API processes never both
// hold a lease or move a batch backwards); line inserts and retention run in one transaction.
import { and, count, desc, eq, gt, inArray, lt, notInArray, or, sql } from "drizzle-orm";
import type { BatchListQuery, BatchPatch, BatchStore, LineTally } from "../batch-store.ts";
import { TERMINAL_BATCH_STATUSES, type BatchRow, type BatchStatus, type NewBatchRow } from "../schema/batches.ts";
import type { JobRow, JobStatus, NewJobRow } from "../schema/jobs.ts";
import { batches } from "../schema/postgres/batches.ts";
import { jobs } from "../schema/postgres/jobs.ts";
import { webhookAttempts } from "../schema/postgres/webhook-attempts.ts";
import { webhookDeliveries } from "../schema/postgres/webhook-deliveries.ts";
import type { GenqPgDatabase } from "./postgres-database.ts";
import { first } from "./first-row.ts";

const UNFINISHED = notInArray(batches.status, [...TERMINAL_BATCH_STATUSES]);

export class PostgresBatchStore implements BatchStore {
  constructor(private readonly db: GenqPgDatabase) {}

  async create(row: NewBatchRow): Promise<BatchRow> {
    const [created] = await this.db.insert(batches).values(row).returning();
    return created;
  }

  async get(id: string): Promise<BatchRow | undefined> {
    return first(this.db.select().from(batches).where(eq(batches.id, id)));
  }

  async getForTenant(id: string, tenantId: string): Promise<BatchRow | undefined> {
    return first(this.db.select().from(batches).where(and(eq(batches.id, id), eq(batches.tenantId, tenantId))));
  }

  async list(query: BatchListQuery): Promise<BatchRow[]> {
    const conditions = [eq(batches.tenantId, query.tenantId)];
    if (query.after) conditions.push(lt(batches.id, query.after));
    return this.db.select().from(batches).where(and(...conditions)).orderBy(desc(batches.id)).limit(query.limit);
  }

  async listUnleased(nowMs: number, limit: number): Promise<BatchRow[]> {
    return this.db.select().from(batches).where(and(UNFINISHED, lt(batches.leaseUntil, nowMs))).orderBy(batches.id).limit(limit);
  }

  async claim(id: string, nowMs: number, untilMs: number, heldUntil?: number): Promise<BatchRow | undefined> {
    const free = heldUntil === undefined ? lt(batches.leaseUntil, nowMs) : or(lt(batches.leaseUntil, nowMs), eq(batches.leaseUntil, heldUntil));
    return first(this.db.update(batches).set({ leaseUntil: untilMs }).where(and(eq(batches.id, id), UNFINISHED, free)).returning());
  }

  async transition(id: string, from: readonly BatchStatus[], patch: BatchPatch): Promise<BatchRow | undefined> {
    return first(this.db.update(batches).set(patch).where(and(eq(batches.id, id), inArray(batches.status, [...from]))).returning());
  }

  async insertLines(rows: NewJobRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction(async (tx) => {
      // PostgreSQL allows 65,535 bound parameters per statement; ~30 columns a row.
      for (let i = 0; i < rows.length; i += 1_000) await tx.insert(jobs).values(rows.slice(i, i + 1_000)).onConflictDoNothing();
    });
  }

  async countLines(batchId: string): Promise<LineTally> {
    const rows = await this.db
      .select({
        status: jobs.status,
        n: count(),
        prompt: sql<string>`coalesce(sum(${jobs.promptTokens}), 0)`,
        completion: sql<string>`coalesce(sum(${jobs.completionTokens}), 0)`,
      })
      .from(jobs)
      .where(eq(jobs.batchId, batchId))
      .groupBy(jobs.status);
    const finished = rows.filter((r) => r.status !== "queued" && r.status !== "running");
    return {
      byStatus: Object.fromEntries(rows.map((r) => [r.status, r.n])),
      // sum() of integers is numeric: pg hands it over as a string.
      promptTokens: finished.reduce((sum, r) => sum + Number(r.prompt), 0),
      completionTokens: finished.reduce((sum, r) => sum + Number(r.completion), 0),
    };
  }

  async listLines(batchId: string, afterId: string, limit: number, status?: JobStatus): Promise<JobRow[]> {
    const conditions = [eq(jobs.batchId, batchId), gt(jobs.id, afterId)];
    if (status) conditions.push(eq(jobs.status, status));
    return this.db.select().from(jobs).where(and(...conditions)).orderBy(jobs.id).limit(limit);
  }

  async cancelQueuedLines(batchId: string, nowMs: number): Promise<JobRow[]> {
    return this.db
      .update(jobs)
      .set({
        status: "canceled",
        finishReason: "canceled",
        outputText: "",
        cancelRequested: true,
        completedAt: nowMs,
        updatedAt: nowMs,
        version: sql`${jobs.version} + 1`,
      })
      .where(and(eq(jobs.batchId, batchId), eq(jobs.status, "queued")))
      .returning();
  }

  async deleteExpired(cutoffMs: number, limit: number): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const rows = await tx
        .select({ id: batches.id })
        .from(batches)
        .where(and(inArray(batches.status, [...TERMINAL_BATCH_STATUSES]), lt(batches.updatedAt, cutoffMs)))
        .limit(limit)
        .for("update", { skipLocked: true });
      const ids = rows.map((r) => r.id);
      if (ids.length === 0) return ids;
      // Batch events are deliveries whose job_id is the batch id.
      await tx.delete(webhookAttempts).where(inArray(webhookAttempts.jobId, ids));
      await tx.delete(webhookDeliveries).where(inArray(webhookDeliveries.jobId, ids));
      await tx.delete(batches).where(inArray(batches.id, ids));
      return ids;
    });
  }
}
