// All reads and writes of job rows. Every state change is a conditional UPDATE so that terminal
// states are final (invariant 4) and concurrent API/worker processes cannot race a row backwards.
import { and, desc, eq, inArray, lt, sql } from "drizzle-orm";
import type { GenqDatabase } from "./client.ts";
import { jobs, type JobRow, type JobStatus, type NewJobRow, TERMINAL_STATUSES } from "./schema/jobs.ts";

const ACTIVE: JobStatus[] = ["queued", "running"];

export interface JobListQuery {
  tenantId: string;
  limit: number;
  /** Cursor: only jobs with an id below this one (ids sort by creation time). */
  after?: string;
  status?: JobStatus;
}

export interface JobResult {
  outputText: string;
  finishReason: "stop" | "length" | "canceled";
  promptTokens: number;
  completionTokens: number;
}

export class JobStore {
  constructor(private readonly db: GenqDatabase) {}

  insert(row: NewJobRow): void {
    this.db.insert(jobs).values(row).run();
  }

  /**
   * Inserts a job unless its tenant already has `maxActive` queued/running jobs (0 = no cap).
   * BEGIN IMMEDIATE takes the write lock before counting, so count + insert are one step even
   * across API processes. `queuedAhead` (the tenant's queued jobs of this model before this
   * one) is the fair-queue rank.
   */
  insertWithinQuota(row: NewJobRow, maxActive: number): { inserted: true; queuedAhead: number } | { inserted: false; active: number } {
    const tenantId = row.tenantId ?? "";
    return this.db.transaction(
      (tx) => {
        const counts = tx
          .select({ status: jobs.status, model: jobs.model, n: sql<number>`count(*)` })
          .from(jobs)
          .where(and(eq(jobs.tenantId, tenantId), inArray(jobs.status, ACTIVE)))
          .groupBy(jobs.status, jobs.model)
          .all();
        const active = counts.reduce((sum, c) => sum + c.n, 0);
        if (maxActive > 0 && active >= maxActive) return { inserted: false as const, active };
        tx.insert(jobs).values(row).run();
        const queuedAhead = counts.find((c) => c.status === "queued" && c.model === row.model)?.n ?? 0;
        return { inserted: true as const, queuedAhead };
      },
      { behavior: "immediate" },
    );
  }

  get(id: string): JobRow | undefined {
    return this.db.select().from(jobs).where(eq(jobs.id, id)).get();
  }

  /** A job as its tenant sees it: another tenant's job does not exist. */
  getForTenant(id: string, tenantId: string): JobRow | undefined {
    return this.db.select().from(jobs).where(and(eq(jobs.id, id), eq(jobs.tenantId, tenantId))).get();
  }

  findByIdempotencyKey(tenantId: string, key: string): JobRow | undefined {
    return this.db
      .select()
      .from(jobs)
      .where(and(eq(jobs.tenantId, tenantId), eq(jobs.idempotencyKey, key)))
      .get();
  }

  list(query: JobListQuery): JobRow[] {
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

  /** queued|running -> running. False when the row is terminal (or gone): do not run it. */
  markRunning(id: string, nowMs: number): boolean {
    const result = this.db
      .update(jobs)
      .set({
        status: "running",
        startedAt: sql`coalesce(${jobs.startedAt}, ${nowMs})`,
        attempts: sql`${jobs.attempts} + 1`,
        version: sql`${jobs.version} + 1`,
        updatedAt: nowMs,
      })
      .where(and(eq(jobs.id, id), inArray(jobs.status, ACTIVE)))
      .run();
    return result.changes === 1;
  }

  /** Writes a result unless the row is already terminal (a late result never overwrites). */
  complete(id: string, result: JobResult, nowMs: number): boolean {
    const status: JobStatus = result.finishReason === "canceled" ? "canceled" : "succeeded";
    return this.finish(id, nowMs, {
      status,
      outputText: result.outputText,
      finishReason: result.finishReason,
      promptTokens: result.promptTokens,
      completionTokens: result.completionTokens,
    });
  }

  fail(id: string, code: string, message: string, nowMs: number): boolean {
    return this.finish(id, nowMs, { status: "failed", errorCode: code, errorMessage: message });
  }

  /** A queued job is canceled at once; the worker will find it terminal and skip it. */
  cancelQueued(id: string, nowMs: number): boolean {
    const result = this.db
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
      .where(and(eq(jobs.id, id), eq(jobs.status, "queued")))
      .run();
    return result.changes === 1;
  }

  /** A running job is asked to stop; the worker writes `canceled` with the partial text. */
  requestCancel(id: string, nowMs: number): boolean {
    const result = this.db
      .update(jobs)
      .set({ cancelRequested: true, updatedAt: nowMs, version: sql`${jobs.version} + 1` })
      .where(and(eq(jobs.id, id), eq(jobs.status, "running")))
      .run();
    return result.changes === 1;
  }

  /** Rows that should be in the queue: for the reconciler (invariant 2). */
  listActive(olderThanMs: number, limit: number): JobRow[] {
    return this.db
      .select()
      .from(jobs)
      .where(and(inArray(jobs.status, ACTIVE), lt(jobs.updatedAt, olderThanMs)))
      .orderBy(jobs.id)
      .limit(limit)
      .all();
  }

  /** Every row by status: a full count, for tests and tools, never per request. */
  countByStatus(): Record<string, number> {
    const rows = this.db
      .select({ status: jobs.status, count: sql<number>`count(*)` })
      .from(jobs)
      .groupBy(jobs.status)
      .all();
    return Object.fromEntries(rows.map((r) => [r.status, r.count]));
  }

  /** Queued and running jobs: a range of jobs_status_idx, so a scrape never counts the whole table. */
  countActiveByStatus(): Record<string, number> {
    const rows = this.db
      .select({ status: jobs.status, count: sql<number>`count(*)` })
      .from(jobs)
      .where(inArray(jobs.status, ACTIVE))
      .groupBy(jobs.status)
      .all();
    return { queued: 0, running: 0, ...Object.fromEntries(rows.map((r) => [r.status, r.count])) };
  }

  private finish(id: string, nowMs: number, values: Partial<JobRow>): boolean {
    const result = this.db
      .update(jobs)
      .set({ ...values, completedAt: nowMs, updatedAt: nowMs, version: sql`${jobs.version} + 1` })
      .where(and(eq(jobs.id, id), inArray(jobs.status, ACTIVE)))
      .run();
    return result.changes === 1;
  }
}

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}
