// The SQL of every job-row transition, written once for every dialect (SQLite, PostgreSQL, D1):
// what each writes and the state it requires, so "terminal is final" (invariant 4) is decided
// in one place; and which rows the deadline, reconcile and retention sweeps pick. drizzle's
// operators and sql`` are dialect-neutral; each store runs these on its table.
import { and, eq, inArray, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { ErrorCode } from "../errors.ts";
import type { JobResult } from "./job-store.ts";
import type { jobs as pgJobs } from "./schema/postgres/jobs.ts";
import { ACTIVE_STATUSES, TERMINAL_STATUSES, type JobRow, type jobs as sqliteJobs } from "./schema/jobs.ts";

export type JobsTable = typeof sqliteJobs | typeof pgJobs;

const ACTIVE = [...ACTIVE_STATUSES];
const bump = (t: JobsTable) => sql`${t.version} + 1`;

export const jobTransitionSql = {
  /** queued|running -> running (attempts + 1); not a queued row past its queue deadline. */
  markRunning: (t: JobsTable, id: string, nowMs: number) => ({
    set: { status: "running" as const, startedAt: sql`coalesce(${t.startedAt}, ${nowMs})`, attempts: sql`${t.attempts} + 1`, version: bump(t), updatedAt: nowMs },
    where: and(eq(t.id, id), or(eq(t.status, "running"), and(eq(t.status, "queued"), or(isNull(t.queueDeadlineAt), sql`${t.queueDeadlineAt} > ${nowMs}`)))),
  }),
  /** queued|running -> a terminal state: the one terminal write (a late one matches no row). */
  finish: (t: JobsTable, id: string, nowMs: number, values: Partial<JobRow>) => ({
    set: { ...values, completedAt: nowMs, updatedAt: nowMs, version: bump(t) },
    where: and(eq(t.id, id), inArray(t.status, ACTIVE)),
  }),
  /** queued -> canceled, with an empty output. */
  cancelQueued: (t: JobsTable, id: string, nowMs: number) => ({
    set: { status: "canceled" as const, finishReason: "canceled" as const, outputText: "", cancelRequested: true, completedAt: nowMs, updatedAt: nowMs, version: bump(t) },
    where: and(eq(t.id, id), eq(t.status, "queued")),
  }),
  /** running: flags the cancel for the worker. */
  requestCancel: (t: JobsTable, id: string, nowMs: number) => ({
    set: { cancelRequested: true, updatedAt: nowMs, version: bump(t) },
    where: and(eq(t.id, id), eq(t.status, "running")),
  }),
  /** running: engine_runs + 1. */
  countEngineRun: (t: JobsTable, id: string, nowMs: number) => ({
    set: { engineRuns: sql`${t.engineRuns} + 1`, updatedAt: nowMs },
    where: and(eq(t.id, id), eq(t.status, "running")),
  }),
  /** running -> queued; a clean end takes back the counted engine run (never below 0). */
  handBack: (t: JobsTable, id: string, runEndedCleanly: boolean, nowMs: number) => ({
    set: {
      status: "queued" as const,
      engineRuns: runEndedCleanly ? sql`case when ${t.engineRuns} > 0 then ${t.engineRuns} - 1 else 0 end` : sql`${t.engineRuns}`,
      version: bump(t),
      updatedAt: nowMs,
    },
    where: and(eq(t.id, id), eq(t.status, "running")),
  }),
  /** What `finish` writes for a result: succeeded, or canceled with the partial text. */
  completed: (result: JobResult): Partial<JobRow> => ({
    status: result.finishReason === "canceled" ? "canceled" : "succeeded",
    outputText: result.outputText,
    finishReason: result.finishReason,
    promptTokens: result.promptTokens,
    completionTokens: result.completionTokens,
  }),
  failed: (code: ErrorCode, message: string): Partial<JobRow> => ({ status: "failed", errorCode: code, errorMessage: message }),
  /** A run timeout keeps the partial output (`finish_reason: "timeout"`). */
  expired: (code: "QUEUE_TIMEOUT" | "RUN_TIMEOUT", message: string, partial?: Omit<JobResult, "finishReason">): Partial<JobRow> => ({
    status: "expired",
    errorCode: code,
    errorMessage: message,
    ...(partial ? { ...partial, finishReason: "timeout" as const } : {}),
  }),
};

/** The rows each sweep picks (the stores add limits, order and locking). */
export const jobSelectionSql = {
  /** Queued past its queue deadline (max_queue_seconds). */
  pastQueueDeadline: (t: JobsTable, nowMs: number) => and(eq(t.status, "queued"), isNotNull(t.queueDeadlineAt), lt(t.queueDeadlineAt, nowMs)),
  /** Running past its run timeout (timeout_seconds) as of beforeMs. */
  pastRunTimeout: (t: JobsTable, beforeMs: number) =>
    and(eq(t.status, "running"), isNotNull(t.runTimeoutMs), sql`${t.startedAt} + ${t.runTimeoutMs} < ${beforeMs}`),
  /** Queued since before createdBeforeMs and not a batch line (batches enqueue their own lines). */
  queuedOlderThan: (t: JobsTable, createdBeforeMs: number) => and(eq(t.status, "queued"), lt(t.createdAt, createdBeforeMs), isNull(t.batchId)),
  /** Terminal and untouched since cutoffMs: due for retention. */
  retentionExpired: (t: JobsTable, cutoffMs: number) => and(inArray(t.status, [...TERMINAL_STATUSES]), lt(t.updatedAt, cutoffMs)),
};
