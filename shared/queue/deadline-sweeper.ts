// Expires jobs on time whether or not a worker is up: queued rows past their queue deadline
// (max_queue_seconds → QUEUE_TIMEOUT) and running rows whose worker did not end them within a grace
// period after timeout_seconds (RUN_TIMEOUT; the worker itself expires its jobs on time, keeping
// partial output). Runs in every API process; conditional updates make concurrent sweeps harmless.
import type { JobStore } from "../db/job-store.ts";
import type { JobRow } from "../db/schema/jobs.ts";
import type { Logger } from "../logger.ts";
import type { JobChangedEvent } from "../jobs.ts";

export interface DeadlineSweeperOptions {
  store: JobStore;
  queue: { remove(id: string, model: string): Promise<boolean> };
  events: { publishChanged(event: JobChangedEvent): Promise<void>; publishCancel(id: string): Promise<void> };
  /** Announces a changed row to streams and webhooks (`job.expired`); must not throw. */
  onChanged?(row: JobRow): Promise<void>;
  logger: Logger;
  /** Sweep interval (default 250 ms): a deadline is met to within this. */
  everyMs?: number;
  /** A running job is left to its worker this long past its timeout (default 5 s). */
  runGraceMs?: number;
  /** Rows per pass and kind (default 500). */
  batchSize?: number;
  now?: () => number;
}

export class DeadlineSweeper {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<unknown> | null = null;

  constructor(private readonly options: DeadlineSweeperOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = this.sweep()
        .catch((error) => this.options.logger.warn("deadline sweep failed", { error }))
        .finally(() => (this.sweeping = null));
    }, this.options.everyMs ?? 250);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
  }

  /** One pass; returns how many rows it expired. */
  async sweep(): Promise<{ queued: number; running: number }> {
    const { store, batchSize = 500 } = this.options;
    const now = this.options.now ?? Date.now;
    let queued = 0;
    for (const row of store.listPastQueueDeadline(now(), batchSize)) {
      if (!store.expire(row.id, "QUEUE_TIMEOUT", "the job was not started within max_queue_seconds", now())) continue;
      queued++;
      // Waiting in BullMQ: removed. Held unstarted by a worker (admission lookahead): told to drop it.
      if (!(await this.options.queue.remove(row.id, row.model))) await this.options.events.publishCancel(row.id).catch(() => {});
      await this.announce(row.id);
    }
    let running = 0;
    for (const row of store.listPastRunTimeout(now() - (this.options.runGraceMs ?? 5_000), batchSize)) {
      if (!store.expire(row.id, "RUN_TIMEOUT", "the job ran longer than timeout_seconds", now())) continue;
      running++;
      await this.options.events.publishCancel(row.id).catch(() => {});
      await this.announce(row.id);
    }
    return { queued, running };
  }

  private async announce(id: string): Promise<void> {
    const row = this.options.store.get(id);
    if (!row) return;
    await this.options.onChanged?.(row).catch(() => {});
    await this.options.events.publishChanged({ id, status: row.status, version: row.version }).catch(() => {});
  }
}
