// Expires jobs on time whether or not a worker is up: queued rows past their queue deadline
// (max_queue_seconds → QUEUE_TIMEOUT) and running rows whose worker did not end them within a grace
// period after timeout_seconds (RUN_TIMEOUT; the worker itself expires its jobs on time, keeping
// partial output). Runs in every Node API process; conditional updates make concurrent sweeps harmless.
import type { JobEventBus } from "../events/job-event-bus.ts";
import type { JobLifecycle } from "../job-lifecycle.ts";
import type { Logger } from "../logger.ts";
import type { JobStore } from "../store/job-store.ts";
import type { JobQueue } from "./job-queue.ts";

export interface DeadlineSweeperOptions {
  jobs: JobStore;
  lifecycle: JobLifecycle;
  queue: JobQueue;
  events: JobEventBus;
  logger: Logger;
  /** Sweep interval (default 250 ms): a deadline is met to within this. */
  everyMs?: number;
  /** A running job is left to its worker this long past its timeout (default 5 s). */
  runGraceMs?: number;
  /** Rows per pass and kind (default 500). */
  batchSize?: number;
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
    const { jobs, lifecycle, queue, events, batchSize = 500 } = this.options;
    let queued = 0;
    for (const row of await jobs.listPastQueueDeadline(Date.now(), batchSize)) {
      if (!(await lifecycle.expire(row.id, "QUEUE_TIMEOUT", "the job was not started within max_queue_seconds"))) continue;
      queued++;
      // Waiting in BullMQ: removed. Held unstarted by a worker (admission lookahead): told to drop it.
      if (!(await queue.remove(row.id, row.model))) await events.publishCancel(row.id).catch(() => {});
    }
    let running = 0;
    for (const row of await jobs.listPastRunTimeout(Date.now() - (this.options.runGraceMs ?? 5_000), batchSize)) {
      if (!(await lifecycle.expire(row.id, "RUN_TIMEOUT", "the job ran longer than timeout_seconds"))) continue;
      running++;
      await events.publishCancel(row.id).catch(() => {});
    }
    return { queued, running };
  }
}
