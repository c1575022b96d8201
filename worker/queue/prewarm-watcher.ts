// Prewarm: every interval, for each served model this worker has not loaded, looks at its queue; when
// jobs wait and no worker has the model loaded or loading, asks residency to load it (only if it
// fits without unloading anything), so it is warm before this or another worker takes the jobs.
import type { JobQueue } from "../../shared/queue/job-queue.ts";
import type { Logger } from "../../shared/logger.ts";
import type { ModelResidencyBoard } from "../../shared/queue/model-residency-board.ts";
import type { ModelResidency } from "../residency/model-residency.ts";

export interface PrewarmWatcherOptions {
  models: readonly string[];
  queue: JobQueue;
  board: ModelResidencyBoard;
  residency: Pick<ModelResidency, "prewarm" | "snapshot">;
  intervalMs: number;
  logger: Logger;
}

export class PrewarmWatcher {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly options: PrewarmWatcherOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.options.intervalMs);
    this.timer.unref();
  }

  /** One look at the queues; exported for the worker's first beat. */
  async check(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const unloadedHere = this.options.residency
        .snapshot()
        .filter((s) => s.state === "unloaded" && this.options.models.includes(s.model))
        .map((s) => s.model);
      if (unloadedHere.length === 0) return;
      const waiting = await Promise.all(
        unloadedHere.map(async (model) => {
          const counts = await this.options.queue.queueFor(model).getJobCounts("waiting", "prioritized");
          return (counts.waiting ?? 0) + (counts.prioritized ?? 0);
        }),
      );
      const queued = unloadedHere.filter((_, i) => waiting[i] > 0);
      if (queued.length === 0) return;
      const views = await this.options.board.read(queued);
      for (const view of views) {
        if (view.state !== "unloaded") continue;
        this.options.logger.debug("prewarming model: jobs wait and no worker has it", { model: view.model });
        this.options.residency.prewarm(view.model);
      }
    } catch (error) {
      this.options.logger.debug("prewarm check failed", { error });
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
