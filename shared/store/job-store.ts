// The jobs part of the store port. Every method is one atomic decision in every implementation
// (SQLite, PostgreSQL, D1): state changes are conditional, so terminal rows stay final
// (invariant 4) and concurrent API/worker processes cannot race a row backwards.
import type { ErrorCode } from "../errors.ts";
import type { JobRow, JobStatus, NewJobRow } from "./schema/jobs.ts";

export interface JobListQuery {
  tenantId: string;
  limit: number;
  /** Cursor: only jobs with an id below this one (ids sort by creation time). */
  after?: string;
  status?: JobStatus;
}

export interface JobResult {
  outputText: string;
  finishReason: "stop" | "length" | "canceled" | "timeout";
  promptTokens: number;
  completionTokens: number;
}

/** What `admit` decided. */
export type Admission =
  /** Inserted; `queuedAhead` = the tenant's queued jobs of this model before it (the fair-queue rank). */
  | { outcome: "admitted"; row: JobRow; queuedAhead: number }
  /** The tenant already has a job with this Idempotency-Key: nothing was written. */
  | { outcome: "duplicate"; row: JobRow }
  /** The tenant has `active` queued/running jobs, at or over the cap: nothing was written. */
  | { outcome: "over-quota"; active: number };

export interface JobStore {
  /**
   * One atomic step, even across API processes: find the tenant's job with the same
   * Idempotency-Key (if the row has one), else count the tenant's queued/running jobs against
   * `maxActivePerTenant` (0 = no cap) and the fair-queue rank, and insert.
   */
  admit(row: NewJobRow, maxActivePerTenant: number): Promise<Admission>;
  get(id: string): Promise<JobRow | undefined>;
  /** A job as its tenant sees it: another tenant's job does not exist. */
  getForTenant(id: string, tenantId: string): Promise<JobRow | undefined>;
  findByIdempotencyKey(tenantId: string, key: string): Promise<JobRow | undefined>;
  /** Newest first. */
  list(query: JobListQuery): Promise<JobRow[]>;
  /** Every tenant's newest jobs, newest first (the admin dashboard; by primary key, never a scan). */
  listRecentAcrossTenants(limit: number): Promise<JobRow[]>;
  /** Queued/running rows untouched since `olderThanMs`, oldest id first: for the reconciler (invariant 2). */
  listActive(olderThanMs: number, limit: number): Promise<JobRow[]>;
  countByStatus(): Promise<Partial<Record<JobStatus, number>>>;
  /** Queued rows past their queue deadline (for the deadline sweeper). */
  listPastQueueDeadline(nowMs: number, limit: number): Promise<JobRow[]>;
  /** Running rows whose started_at + run timeout is before `beforeMs` (for the deadline sweeper). */
  listPastRunTimeout(beforeMs: number, limit: number): Promise<JobRow[]>;
  /**
   * Queued rows created before `createdBeforeMs`, oldest first (for queue aging). Not batch lines:
   * they wait at their batch's priority (interactive work keeps overtaking them) until the
   * batch's completion window, which is their deadline.
   */
  listQueuedOlderThan(createdBeforeMs: number, limit: number): Promise<JobRow[]>;
  /** Queued and running rows only, through the status index: what /metrics may count per scrape. */
  countActiveByStatus(): Promise<Record<"queued" | "running", number>>;
  /**
   * Retention: deletes up to `batchSize` terminal jobs last changed (= finished) before `cutoffMs`,
   * with their webhook deliveries and attempts, in one transaction. Returns the deleted ids.
   */
  deleteExpired(cutoffMs: number, batchSize: number): Promise<string[]>;
  /** The engine started a running job: engine_runs + 1. Returns the new count (0 when not running). */
  countEngineRun(id: string, nowMs: number): Promise<number>;

  // Transitions: each returns the changed row, or undefined when the row was not in a state
  // that allows it (terminal, or gone). Call them through shared/job-lifecycle.ts, which announces.
  /** queued|running -> running (attempts + 1); not a queued row past its queue deadline (expire it). */
  markRunning(id: string, nowMs: number): Promise<JobRow | undefined>;
  /** queued|running -> succeeded (or canceled when finishReason is "canceled"). */
  complete(id: string, result: JobResult, nowMs: number): Promise<JobRow | undefined>;
  /** queued|running -> failed. */
  fail(id: string, code: ErrorCode, message: string, nowMs: number): Promise<JobRow | undefined>;
  /**
   * queued|running -> expired with QUEUE_TIMEOUT or RUN_TIMEOUT; a run timeout keeps the partial
   * output (`finish_reason: "timeout"`).
   */
  expire(id: string, code: "QUEUE_TIMEOUT" | "RUN_TIMEOUT", message: string, nowMs: number, partial?: Omit<JobResult, "finishReason">): Promise<JobRow | undefined>;
  /** queued -> canceled (empty output). */
  cancelQueued(id: string, nowMs: number): Promise<JobRow | undefined>;
  /** running: sets cancel_requested; the worker then writes `canceled` with the partial text. */
  requestCancel(id: string, nowMs: number): Promise<JobRow | undefined>;
  /**
   * running -> queued: the job goes back to the queue (shutdown hand-back or engine crash).
   * `runEndedCleanly` takes back the engine run counted at start (a shutdown is not the job's fault).
   */
  handBack(id: string, runEndedCleanly: boolean, nowMs: number): Promise<JobRow | undefined>;
}
