// BatchStore on SQLite. Transitions are conditional single statements; multi-statement steps
// (line inserts, retention) run in BEGIN IMMEDIATE transactions, atomic across processes.
import { and, desc, eq, gt, inArray, lt, notInArray, or, sql } from "drizzle-orm";
import type { BatchListQuery, BatchPatch, BatchStore, LineTally } from "../batch-store.ts";
import { batches, TERMINAL_BATCH_STATUSES, type BatchRow, type BatchStatus, type NewBatchRow } from "../schema/batches.ts";
import { jobs, type JobRow, type JobStatus, type NewJobRow } from "../schema/jobs.ts";
import { webhookAttempts } from "../schema/webhook-attempts.ts";
import { webhookDeliveries } from "../schema/webhook-deliveries.ts";
import type { GenqDatabase } from "./sqlite-database.ts";

const UNFINISHED = notInArray(batches.status, [...TERMINAL_BATCH_STATUSES]);

export class SqliteBatchStore implements BatchStore {
  constructor(private readonly db: GenqDatabase) {}

  async create(row: NewBatchRow): Promise<BatchRow> {
    return this.db.insert(batches).values(row).returning().get();
  }

  async get(id: string): Promise<BatchRow | undefined> {
    return this.db.select().from(batches).where(eq(batches.id, id)).get();
  }

  async getForTenant(id: string, tenantId: string): Promise<BatchRow | undefined> {
    return this.db.select().from(batches).where(and(eq(batches.id, id), eq(batches.tenantId, tenantId))).get();
  }

  async list(query: BatchListQuery): Promise<BatchRow[]> {
    const conditions = [eq(batches.tenantId, query.tenantId)];
    if (query.after) conditions.push(lt(batches.id, query.after));
    return this.db.select().from(batches).where(and(...conditions)).orderBy(desc(batches.id)).limit(query.limit).all();
  }

  async listUnleased(nowMs: number, limit: number): Promise<BatchRow[]> {
    return this.db.select().from(batches).where(and(UNFINISHED, lt(batches.leaseUntil, nowMs))).orderBy(batches.id).limit(limit).all();
  }

  async claim(id: string, nowMs: number, untilMs: number, heldUntil?: number): Promise<BatchRow | undefined> {
    const free = heldUntil === undefined ? lt(batches.leaseUntil, nowMs) : or(lt(batches.leaseUntil, nowMs), eq(batches.leaseUntil, heldUntil));
    return this.db
      .update(batches)
      .set({ leaseUntil: untilMs })
      .where(and(eq(batches.id, id), UNFINISHED, free))
      .returning()
      .get();
  }

  async transition(id: string, from: readonly BatchStatus[], patch: BatchPatch): Promise<BatchRow | undefined> {
    return this.db
      .update(batches)
      .set(patch)
      .where(and(eq(batches.id, id), inArray(batches.status, [...from])))
      .returning()
      .get();
  }

  async insertLines(rows: NewJobRow[]): Promise<void> {
    if (rows.length === 0) return;
    this.db.transaction(
      (tx) => {
        // SQLite allows 32,766 bound variables per statement; ~30 columns a row.
        for (let i = 0; i < rows.length; i += 500) tx.insert(jobs).values(rows.slice(i, i + 500)).onConflictDoNothing().run();
      },
      { behavior: "immediate" },
    );
  }

  async countLines(batchId: string): Promise<LineTally> {
    const rows = this.db
      .select({
        status: jobs.status,
        n: sql<number>`count(*)`,
        prompt: sql<number>`coalesce(sum(${jobs.promptTokens}), 0)`,
        completion: sql<number>`coalesce(sum(${jobs.completionTokens}), 0)`,
      })
      .from(jobs)
      .where(eq(jobs.batchId, batchId))
      .groupBy(jobs.status)
      .all();
    const finished = rows.filter((r) => r.status !== "queued" && r.status !== "running");
    return {
      byStatus: Object.fromEntries(rows.map((r) => [r.status, r.n])),
      promptTokens: finished.reduce((sum, r) => sum + r.prompt, 0),
      completionTokens: finished.reduce((sum, r) => sum + r.completion, 0),
    };
  }

  async listLines(batchId: string, afterId: string, limit: number, status?: JobStatus): Promise<JobRow[]> {
    const conditions = [eq(jobs.batchId, batchId), gt(jobs.id, afterId)];
    if (status) conditions.push(eq(jobs.status, status));
    return this.db.select().from(jobs).where(and(...conditions)).orderBy(jobs.id).limit(limit).all();
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
      .returning()
      .all();
  }

  async deleteExpired(cutoffMs: number, limit: number): Promise<string[]> {
    return this.db.transaction(
      (tx) => {
        const ids = tx
          .select({ id: batches.id })
          .from(batches)
          .where(and(inArray(batches.status, [...TERMINAL_BATCH_STATUSES]), lt(batches.updatedAt, cutoffMs)))
          .limit(limit)
          .all()
          .map((r) => r.id);
        if (ids.length === 0) return ids;
        // Batch events are deliveries whose job_id is the batch id.
        tx.delete(webhookAttempts).where(inArray(webhookAttempts.jobId, ids)).run();
        tx.delete(webhookDeliveries).where(inArray(webhookDeliveries.jobId, ids)).run();
        tx.delete(batches).where(inArray(batches.id, ids)).run();
        return ids;
      },
      { behavior: "immediate" },
    );
  }
}
