// Every transition of a job row and its announcement, in one order: the row (store) first, then
// the job's status stream (SSE), then webhooks, then the wake-up on the event bus (long-polls,
// meters). Every writer (API cancel, worker processor, worker runtime, reconciler) goes through here.
import type { ErrorCode } from "./errors.ts";
import type { JobEventBus } from "./events/job-event-bus.ts";
import type { Logger } from "./logger.ts";
import type { BatchStore } from "./store/batch-store.ts";
import type { JobResult, JobStore } from "./store/job-store.ts";
import type { JobRow } from "./store/schema/jobs.ts";
import type { JobStreamPublisher } from "./streams/job-stream-publisher.ts";
import type { WebhookDispatcher } from "./webhooks/webhook-dispatcher.ts";

export interface JobLifecycleDeps {
  jobs: JobStore;
  /** Batch lines are job rows too: a batch cancel ends its queued lines in one statement. */
  batches: BatchStore;
  streams: JobStreamPublisher;
  webhooks: WebhookDispatcher;
  events: JobEventBus;
  logger: Logger;
  now?: () => number;
}

export class JobLifecycle {
  private readonly now: () => number;

  constructor(private readonly deps: JobLifecycleDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** queued|running -> running; undefined when the row is terminal or gone (do not run it). */
  async start(id: string): Promise<JobRow | undefined> {
    return await this.announced(await this.deps.jobs.markRunning(id, this.now()));
  }

  /** The result (or the partial text of a canceled run); undefined when the row was already terminal. */
  async complete(id: string, result: JobResult): Promise<JobRow | undefined> {
    return await this.announced(await this.deps.jobs.complete(id, result, this.now()));
  }

  async fail(id: string, code: ErrorCode, message: string): Promise<JobRow | undefined> {
    return await this.announced(await this.deps.jobs.fail(id, code, message, this.now()));
  }

  /**
   * queued|running -> expired: QUEUE_TIMEOUT (not started within max_queue_seconds) or RUN_TIMEOUT
   * (ran past timeout_seconds; `partial` keeps its output). Sends `job.expired` webhooks.
   */
  async expire(id: string, code: "QUEUE_TIMEOUT" | "RUN_TIMEOUT", message: string, partial?: Omit<JobResult, "finishReason">): Promise<JobRow | undefined> {
    return await this.announced(await this.deps.jobs.expire(id, code, message, this.now(), partial));
  }

  /** A queued job is canceled at once; the worker will find it terminal and skip it. */
  async cancelQueued(id: string): Promise<JobRow | undefined> {
    return await this.announced(await this.deps.jobs.cancelQueued(id, this.now()));
  }

  /**
   * Every queued line of a batch -> canceled at once (one statement; workers skip terminal rows),
   * then announced. Returns the canceled rows (the caller removes them from the queue).
   */
  async cancelQueuedLines(batchId: string): Promise<JobRow[]> {
    const rows = await this.deps.batches.cancelQueuedLines(batchId, this.now());
    for (const row of rows) await this.announced(row);
    return rows;
  }

  /** A running job is asked to stop; its worker writes `canceled` (with the partial text) via complete(). */
  async requestCancel(id: string): Promise<JobRow | undefined> {
    const row = await this.deps.jobs.requestCancel(id, this.now());
    if (row) await this.deps.events.publishCancel(id).catch((error) => this.deps.logger.warn("cancel signal failed", { jobId: id, error }));
    return row;
  }

  /**
   * running -> queued: back to the queue (shutdown hand-back, engine crash). The caller moves the
   * BullMQ job back to wait; `runEndedCleanly` takes back the engine run counted at start.
   */
  async handBack(id: string, runEndedCleanly: boolean): Promise<JobRow | undefined> {
    return await this.announced(await this.deps.jobs.handBack(id, runEndedCleanly, this.now()));
  }

  /** Generated text as it comes (coalesced per event-loop turn into the job's stream). */
  delta(id: string, text: string, tokens: number): void {
    this.deps.streams.delta(id, text, tokens);
  }

  /** The id of the stream's terminal status event, written from the row when missing (the stream expired). */
  async ensureTerminalEvent(row: JobRow): Promise<string> {
    return await this.deps.streams.ensureTerminal(row);
  }

  /** Announces a changed row; never throws (each step is repaired or re-read later). */
  private async announced(row: JobRow | undefined): Promise<JobRow | undefined> {
    if (!row) return undefined;
    const { streams, webhooks, events, logger } = this.deps;
    await streams.status(row).catch((error) => logger.warn("job stream write failed", { jobId: row.id, error }));
    // On failure the webhook reconciler creates the delivery later; the job itself is unaffected.
    await webhooks.dispatch(row).catch((error) => logger.warn("webhook dispatch failed", { jobId: row.id, error }));
    // Waiters re-read the row on this; one lost wake-up only delays a long-poll until its next read.
    await events
      .publishChanged({ id: row.id, status: row.status, version: row.version })
      .catch((error) => logger.warn("job change publish failed", { jobId: row.id, error }));
    return row;
  }
}
