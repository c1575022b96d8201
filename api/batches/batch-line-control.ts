// What a batch does to its lines (job rows) through the job lifecycle: counts per outcome (through
// the jobs' batch index), cancel every queued line at once (and drop it from the queue), and ask
// running lines to stop at their next token.
import type { JobEventBus } from "../../shared/events/job-event-bus.ts";
import type { JobLifecycle } from "../../shared/job-lifecycle.ts";
import type { JobQueue } from "../../shared/queue/job-queue.ts";
import type { Store } from "../../shared/store/store.ts";

export interface LineCounts {
  /** Queued or running. */
  active: number;
  /** Succeeded. */
  completed: number;
  /** Failed, canceled or expired. */
  failed: number;
  /** Canceled or expired (did not run to the end). */
  ended: number;
  promptTokens: number;
  completionTokens: number;
}

const PAGE = 500;

export class BatchLines {
  constructor(private readonly deps: { store: Store; lifecycle: JobLifecycle; queue: JobQueue; events: JobEventBus }) {}

  async counts(batchId: string): Promise<LineCounts> {
    const tally = await this.deps.store.batches.countLines(batchId);
    const c = tally.byStatus;
    const ended = (c.canceled ?? 0) + (c.expired ?? 0);
    return {
      active: (c.queued ?? 0) + (c.running ?? 0),
      completed: c.succeeded ?? 0,
      failed: (c.failed ?? 0) + ended,
      ended,
      promptTokens: tally.promptTokens,
      completionTokens: tally.completionTokens,
    };
  }

  /** Every queued line -> canceled in one statement; then out of the queue (or dropped by the worker holding it). */
  async cancelQueued(batchId: string): Promise<number> {
    const { lifecycle, queue, events } = this.deps;
    const rows = await lifecycle.cancelQueuedLines(batchId);
    for (const row of rows) {
      if (!(await queue.remove(row.id, row.model))) await events.publishCancel(row.id).catch(() => {});
    }
    return rows.length;
  }

  /** Running lines not yet asked are asked to stop at their next token (they end canceled). */
  async stopRunning(batchId: string): Promise<void> {
    let after = "";
    for (;;) {
      const rows = await this.deps.store.batches.listLines(batchId, after, PAGE, "running");
      for (const row of rows) if (!row.cancelRequested) await this.deps.lifecycle.requestCancel(row.id);
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1].id;
    }
  }
}
