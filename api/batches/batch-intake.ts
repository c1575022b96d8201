// Intake of a validated batch: its lines become job rows (inserted through the store) and BullMQ
// jobs (addBulk), CHUNK_LINES at a time, yielding to the event loop between chunks. Progress
// (`lines_enqueued`) is saved after each chunk; a restarted API resumes after it, and re-adding
// a chunk is harmless (derived job ids; insert-or-ignore; BullMQ ignores known ids).
import type { BatchRow } from "../../shared/store/schema/batches.ts";
import type { NewJobRow } from "../../shared/store/schema/jobs.ts";
import type { BatchStore } from "../../shared/store/batch-store.ts";
import type { FileBlobs } from "../../shared/files/file-blobs.ts";
import type { JobQueue } from "../../shared/queue/job-queue.ts";
import { lineJobId } from "../../shared/batches/batch-ids.ts";
import { readInputLines } from "./batch-lines.ts";
import { checkLine, isProblem, type LineCheckContext } from "./batch-line-check.ts";

export const CHUNK_LINES = 250;

export interface IntakeDeps {
  batches: BatchStore;
  blobs: FileBlobs;
  queue: JobQueue;
  now: () => number;
  /** Called between chunks: renews the lease; false = stop (lease lost). */
  keepGoing: () => Promise<boolean>;
}

/** Runs until every line is enqueued, or the batch left in_progress (cancelled) or passed its window. Returns the batch as last written. */
export async function intakeLines(deps: IntakeDeps, batch: BatchRow, context: LineCheckContext): Promise<BatchRow> {
  let current = batch;
  let chunk: NewJobRow[] = [];
  let ranks: number[] = [];
  const flush = async (nextLine: number): Promise<boolean> => {
    await deps.batches.insertLines(chunk);
    // Fair between batches and tenants: a line's rank is its place in its batch, so the lines of
    // concurrent batches (and other tenants' jobs at this priority) interleave round-robin.
    await deps.queue.enqueueBulk(
      current.model!,
      chunk.map((row, i) => ({ id: row.id, model: row.model, priority: row.priority, tenantRank: ranks[i] })),
    );
    chunk = [];
    ranks = [];
    const saved = await deps.batches.transition(current.id, ["in_progress"], { linesEnqueued: nextLine, updatedAt: deps.now() });
    if (!saved) return false;
    current = saved;
    await new Promise((resolve) => setImmediate(resolve));
    return deps.now() < current.expiresAt && (await deps.keepGoing());
  };
  let next = batch.linesEnqueued;
  for await (const line of readInputLines(deps.blobs, batch.inputFileId)) {
    if (line.index < batch.linesEnqueued) continue;
    next = line.index + 1;
    const checked = checkLine(line, context);
    // Validated before; a line that no longer passes (a model removed since) gets no job and is
    // reported in the error file at finalization.
    if (isProblem(checked)) continue;
    const nowMs = deps.now();
    chunk.push({
      ...checked.row,
      id: lineJobId(batch.id, line.index),
      tenantId: batch.tenantId,
      priority: batch.priority,
      batchId: batch.id,
      customId: checked.customId,
      idempotencyKey: null,
      webhook: null,
      // The completion window is every line's queue deadline: the deadline sweeper expires what is left.
      queueDeadlineAt: batch.expiresAt,
      createdAt: nowMs,
      updatedAt: nowMs,
    });
    ranks.push(line.index);
    if (chunk.length >= CHUNK_LINES && !(await flush(next))) return current;
  }
  if (chunk.length > 0 || current.linesEnqueued < next) await flush(next);
  return current;
}
