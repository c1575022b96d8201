// Aging in the queue (no starvation): BullMQ's priority is fixed when a job is added, so every pass
// raises queued jobs one level per GENQ_PRIORITY_AGING_SECONDS they waited (never above 0), keeping
// their fair-queue rank. Workers then take aged jobs first; the engine ages by the same rule.
import type { JobStore } from "../store/job-store.ts";
import { agedPriority } from "../jobs.ts";
import type { Logger } from "../logger.ts";
import type { JobQueue } from "./job-queue.ts";

export interface QueueAgingOptions {
  jobs: JobStore;
  queue: JobQueue;
  /** Waiting this long raises a job one level (GENQ_PRIORITY_AGING_SECONDS × 1000); 0 = off. */
  agingMs: number;
  logger: Logger;
  /** Pass interval (default: a quarter of agingMs, at least 250 ms). */
  everyMs?: number;
  /** Rows looked at per pass (default 5000, oldest first). */
  batchSize?: number;
  now?: () => number;
}

export class QueueAging {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private lastPassMs: number | null = null;

  constructor(private readonly options: QueueAgingOptions) {}

  start(): void {
    if (this.timer || this.options.agingMs <= 0) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.pass()
        .catch((error) => this.options.logger.warn("queue aging pass failed", { error }))
        .finally(() => (this.running = null));
    }, this.options.everyMs ?? Math.max(250, Math.floor(this.options.agingMs / 4)));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass: re-prioritizes the queued jobs whose level changed since the last pass; returns how many. */
  async pass(): Promise<number> {
    const { jobs, queue, agingMs } = this.options;
    const nowMs = (this.options.now ?? Date.now)();
    const sinceMs = this.lastPassMs ?? 0;
    this.lastPassMs = nowMs;
    let changed = 0;
    for (const row of await jobs.listQueuedOlderThan(nowMs - agingMs, this.options.batchSize ?? 5_000)) {
      if (row.priority === 0) continue;
      const level = agedPriority(row.priority, nowMs - row.createdAt, agingMs);
      if (level === agedPriority(row.priority, sinceMs - row.createdAt, agingMs)) continue;
      if (await queue.changeLevel(row.id, row.model, level)) changed++;
    }
    return changed;
  }
}
