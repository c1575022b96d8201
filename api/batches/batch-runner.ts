// Drives every unfinished batch from its persisted state, so an API restart loses nothing: each
// pass claims batches whose lease ran out (any API process may) and moves each one step on —
// validation, intake (resumed after `lines_enqueued`), progress counts, window expiry, cancel,
// finalization (results files, then the batch event, then the terminal row).
import type { Logger } from "../../shared/logger.ts";
import type { JobLifecycle } from "../../shared/job-lifecycle.ts";
import type { JobEventBus } from "../../shared/events/job-event-bus.ts";
import type { JobQueue } from "../../shared/queue/job-queue.ts";
import type { FileBlobs } from "../../shared/files/file-blobs.ts";
import type { Store } from "../../shared/store/store.ts";
import type { BatchPatch } from "../../shared/store/batch-store.ts";
import type { BatchRow } from "../../shared/store/schema/batches.ts";
import type { WebhookDispatcher } from "../../shared/webhooks/webhook-dispatcher.ts";
import type { OpenAiEndpoint } from "../../shared/openai/openai-job-request.ts";
import type { JobSubmitter } from "../routes/jobs/submit-job.ts";
import { validateInputFile } from "./batch-validation.ts";
import { intakeLines } from "./batch-intake.ts";
import { writeBatchResults, type BatchEnding } from "./batch-finalizer.ts";
import { dispatchBatchEvent } from "./batch-events.ts";
import { BatchLines, type LineCounts } from "./batch-line-control.ts";

export interface BatchRunnerOptions {
  store: Store;
  blobs: FileBlobs;
  queue: JobQueue;
  lifecycle: JobLifecycle;
  events: JobEventBus;
  webhooks: WebhookDispatcher;
  submitter: JobSubmitter;
  logger: Logger;
  /** Files and finished batches are deleted this long after (GENQ_JOB_RETENTION). */
  retentionMs: number;
  /** How often retention runs (GENQ_RETENTION_SWEEP_MS). */
  retentionSweepMs: number;
  /** Pass interval (default 1 s): progress counts and cancel/expiry follow-up are this fresh. */
  everyMs?: number;
  /** A claimed batch is this process's for this long, renewed while it works (default 30 s). */
  leaseMs?: number;
  now?: () => number;
}

export class BatchRunner {
  private readonly now: () => number;
  private readonly leaseMs: number;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly lines: BatchLines;
  private timer: NodeJS.Timeout | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private passing: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: BatchRunnerOptions) {
    this.now = options.now ?? Date.now;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.lines = new BatchLines(options);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.passing ??= this.pass()
        .catch((error) => this.options.logger.warn("batch pass failed", { error }))
        .finally(() => (this.passing = null));
    }, this.options.everyMs ?? 1_000);
    this.timer.unref();
    this.retentionTimer = setInterval(() => void this.sweepRetention().catch((error) => this.options.logger.warn("batch retention failed", { error })), this.options.retentionSweepMs);
    this.retentionTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.passing;
    await Promise.all(this.inFlight.values());
  }

  /** Drives the batch now (after create or cancel) instead of at the next pass. */
  kick(id: string): void {
    if (this.stopped || this.inFlight.has(id)) return;
    const run = this.drive(id)
      .catch((error) => this.options.logger.warn("batch step failed", { batchId: id, error }))
      .finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, run);
  }

  async pass(): Promise<void> {
    for (const batch of await this.options.store.batches.listUnleased(this.now(), 50)) this.kick(batch.id);
  }

  /** Deletes finished batches and files (rows and bytes) older than GENQ_JOB_RETENTION. */
  async sweepRetention(nowMs = this.now()): Promise<void> {
    const { store, blobs, retentionMs } = this.options;
    const cutoff = nowMs - retentionMs;
    await store.batches.deleteExpired(cutoff, 500);
    for (const file of await store.files.deleteExpired(cutoff, 500)) await blobs.remove(file.id);
  }

  private async drive(id: string): Promise<void> {
    const { store } = this.options;
    const claimed = await store.batches.claim(id, this.now(), this.now() + this.leaseMs);
    if (!claimed) return;
    let held = claimed.leaseUntil;
    const keepGoing = async () => {
      const renewed = this.stopped ? undefined : await store.batches.claim(id, this.now(), this.now() + this.leaseMs, held);
      if (renewed) held = renewed.leaseUntil;
      return renewed !== undefined;
    };
    try {
      await this.step(claimed, keepGoing);
    } finally {
      // Released at once: the next pass (here or in another API process) takes the next step.
      await store.batches.claim(id, this.now(), 0, held).catch(() => undefined);
    }
  }

  private async step(batch: BatchRow, keepGoing: () => Promise<boolean>): Promise<void> {
    const { store } = this.options;
    const nowMs = this.now();
    const context = { endpoint: batch.endpoint as OpenAiEndpoint, submitter: this.options.submitter, now: this.now };
    if (batch.status === "validating") {
      if (nowMs >= batch.expiresAt) return void (await this.finish(batch, "expired"));
      const outcome = await validateInputFile(this.options.blobs, batch.inputFileId, context);
      if (!outcome.valid) {
        const errors = outcome.problems.map((p) => ({ code: p.code, message: p.message, line: p.line, param: p.param }));
        return void (await this.settle(batch, { status: "failed", errors: JSON.stringify(errors), failedAt: this.now() }));
      }
      const started = await store.batches.transition(batch.id, ["validating"], {
        status: "in_progress",
        total: outcome.total,
        model: outcome.model,
        inProgressAt: this.now(),
        updatedAt: this.now(),
      });
      if (!started) return;
      batch = started;
    }
    if (batch.status === "in_progress") {
      if (batch.linesEnqueued < batch.total && this.now() < batch.expiresAt) {
        batch = await intakeLines({ batches: store.batches, blobs: this.options.blobs, queue: this.options.queue, now: this.now, keepGoing }, batch, context);
        if (batch.status !== "in_progress") return;
      }
      const expired = this.now() >= batch.expiresAt;
      if (expired) await this.lines.stopRunning(batch.id);
      const counts = await this.lines.counts(batch.id);
      const allIn = batch.linesEnqueued >= batch.total;
      if (counts.active === 0 && (allIn || expired)) {
        return void (await this.finish(batch, expired && (!allIn || counts.ended > 0) ? "expired" : "completed"));
      }
      return void (await this.progress(batch, counts));
    }
    if (batch.status === "cancelling") {
      await this.lines.cancelQueued(batch.id);
      await this.lines.stopRunning(batch.id);
      const counts = await this.lines.counts(batch.id);
      if (counts.active === 0) return void (await this.finish(batch, "cancelled"));
      return void (await this.progress(batch, counts));
    }
    if (batch.status === "finalizing") await this.finish(batch, "completed");
  }

  private async progress(batch: BatchRow, counts: LineCounts): Promise<void> {
    if (counts.completed === batch.completed && counts.failed === batch.failed) return;
    await this.options.store.batches.transition(batch.id, [batch.status], {
      completed: counts.completed,
      failed: counts.failed,
      promptTokens: counts.promptTokens,
      completionTokens: counts.completionTokens,
      updatedAt: this.now(),
    });
  }

  /** Writes the results files, then the event, then the terminal row (a crash in between repeats it all, harmlessly). */
  private async finish(batch: BatchRow, ending: BatchEnding): Promise<void> {
    const { store, blobs } = this.options;
    if (ending === "completed" && batch.status !== "finalizing") {
      const finalizing = await store.batches.transition(batch.id, [batch.status], { status: "finalizing", finalizingAt: this.now(), updatedAt: this.now() });
      if (!finalizing) return;
      batch = finalizing;
    }
    const results = await writeBatchResults(store, blobs, batch, ending, this.now());
    const counts = await this.lines.counts(batch.id);
    const nowMs = this.now();
    const at: BatchPatch = ending === "completed" ? { completedAt: nowMs } : ending === "cancelled" ? { cancelledAt: nowMs } : { expiredAt: nowMs };
    await this.settle(batch, {
      status: ending,
      ...at,
      outputFileId: results.outputFileId,
      errorFileId: results.errorFileId,
      total: results.completed + results.failed,
      completed: results.completed,
      failed: results.failed,
      promptTokens: counts.promptTokens,
      completionTokens: counts.completionTokens,
    });
  }

  private async settle(batch: BatchRow, patch: BatchPatch): Promise<void> {
    const nowMs = this.now();
    const final = { ...batch, ...patch, updatedAt: nowMs };
    await dispatchBatchEvent(this.options.webhooks, final, nowMs).catch((error) =>
      this.options.logger.warn("batch webhook dispatch failed", { batchId: batch.id, error }),
    );
    await this.options.store.batches.transition(batch.id, [batch.status], { ...patch, updatedAt: nowMs });
  }
}
