// The batches part of the store port (OpenAI Batches): batch rows, and their lines, which are job
// rows with `batch_id`/`custom_id`. Every method is one atomic decision in every implementation;
// status changes are conditional (`from`), so concurrent API processes cannot race a batch backwards.
import type { BatchRow, BatchStatus, NewBatchRow } from "./schema/batches.ts";
import type { JobRow, JobStatus, NewJobRow } from "./schema/jobs.ts";

export interface BatchListQuery {
  tenantId: string;
  limit: number;
  /** Cursor: only batches with an id below this one; newest first. */
  after?: string;
}

/** Columns a transition may set (status and times, counts, progress, results). */
export type BatchPatch = Partial<Omit<BatchRow, "id" | "tenantId" | "createdAt">>;

/** A batch's lines per job status, and the tokens of its finished lines. */
export interface LineTally {
  byStatus: Partial<Record<JobStatus, number>>;
  promptTokens: number;
  completionTokens: number;
}

export interface BatchStore {
  create(row: NewBatchRow): Promise<BatchRow>;
  get(id: string): Promise<BatchRow | undefined>;
  /** A batch as its tenant sees it: another tenant's batch does not exist. */
  getForTenant(id: string, tenantId: string): Promise<BatchRow | undefined>;
  list(query: BatchListQuery): Promise<BatchRow[]>;
  /** Unfinished batches whose lease ran out before `nowMs` (no process drives them), oldest first. */
  listUnleased(nowMs: number, limit: number): Promise<BatchRow[]>;
  /**
   * Takes (or renews) the right to drive an unfinished batch until `untilMs`: succeeds when the
   * lease ran out by `nowMs` or still equals `heldUntil` (the caller's own). Undefined otherwise.
   */
  claim(id: string, nowMs: number, untilMs: number, heldUntil?: number): Promise<BatchRow | undefined>;
  /** Applies `patch` when the batch is in one of `from`; the changed row, else undefined. */
  transition(id: string, from: readonly BatchStatus[], patch: BatchPatch): Promise<BatchRow | undefined>;
  /** Inserts line jobs, skipping ids that exist (a resumed intake), in one transaction. */
  insertLines(rows: NewJobRow[]): Promise<void>;
  /** The batch's lines per job status and their tokens, through the (batch_id, status) index. */
  countLines(batchId: string): Promise<LineTally>;
  /** Lines in line order (ids sort by line), after `afterId`; optionally of one status. */
  listLines(batchId: string, afterId: string, limit: number, status?: JobStatus): Promise<JobRow[]>;
  /** queued lines -> canceled, in one statement; returns the changed rows (announce them). */
  cancelQueuedLines(batchId: string, nowMs: number): Promise<JobRow[]>;
  /**
   * Retention: deletes up to `limit` finished batches last changed before `cutoffMs`, with their
   * webhook deliveries and attempts, in one transaction. Returns the deleted ids.
   */
  deleteExpired(cutoffMs: number, limit: number): Promise<string[]>;
}
