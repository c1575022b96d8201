// The producer side of the per-model BullMQ queues: add (idempotent: job id = row id), remove
// a queued job, and look one up (for the reconciler). Used by the API and the worker.
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { bullPriority, FAIR_RANK_STRIDE, queueNameFor, type GenerateJobPayload } from "../jobs.ts";

export interface EnqueueRequest {
  id: string;
  model: string;
  priority: number;
  /** Fair-queue rank: the tenant's jobs already queued for this model (default 0). */
  tenantRank?: number;
}

export interface JobQueueOptions {
  /** A shared ioredis connection (BullMQ producers may share one). */
  connection: Redis;
  /** BullMQ key prefix (default "genq"). */
  prefix: string;
}

export class JobQueue {
  private readonly queues = new Map<string, Queue<GenerateJobPayload>>();

  constructor(private readonly options: JobQueueOptions) {}

  queueFor(model: string): Queue<GenerateJobPayload> {
    let queue = this.queues.get(model);
    if (!queue) {
      queue = new Queue<GenerateJobPayload>(queueNameFor(model), {
        connection: this.options.connection,
        prefix: this.options.prefix,
        defaultJobOptions: {
          // Worker crashes are retried by stall recovery; these attempts cover thrown errors.
          attempts: 3,
          backoff: { type: "exponential", delay: 1_000 },
          removeOnComplete: { age: 3_600, count: 10_000 },
          removeOnFail: { age: 24 * 3_600 },
        },
      });
      this.queues.set(model, queue);
    }
    return queue;
  }

  async enqueue(request: EnqueueRequest): Promise<void> {
    await this.queueFor(request.model).add(
      "generate",
      { jobId: request.id },
      { jobId: request.id, priority: bullPriority(request.priority, request.tenantRank) },
    );
  }

  /**
   * Adds many jobs of one model in one round trip (BullMQ addBulk): batch intake. Idempotent
   * like enqueue (job id = row id), so a resumed intake may add a chunk again.
   */
  async enqueueBulk(model: string, requests: readonly EnqueueRequest[]): Promise<void> {
    if (requests.length === 0) return;
    await this.queueFor(model).addBulk(
      requests.map((r) => ({ name: "generate", data: { jobId: r.id }, opts: { jobId: r.id, priority: bullPriority(r.priority, r.tenantRank) } })),
    );
  }

  /** Removes a job that no worker holds; false when it is locked by a worker or unknown. */
  async remove(id: string, model: string): Promise<boolean> {
    try {
      return (await this.queueFor(model).remove(id)) === 1;
    } catch {
      return false;
    }
  }

  /** BullMQ's state for the job, or "unknown" when Redis has no such job. */
  async stateOf(id: string, model: string): Promise<string> {
    return await this.queueFor(model).getJobState(id);
  }

  /**
   * Moves a waiting job to priority `level` keeping its fair-queue rank (aging). False when it is
   * not waiting any more (taken by a worker, finished, gone) or already at that level.
   */
  async changeLevel(id: string, model: string, level: number): Promise<boolean> {
    const job = await this.queueFor(model).getJob(id);
    if (!job?.opts.priority) return false;
    const rank = (job.opts.priority - 1) % FAIR_RANK_STRIDE;
    const priority = bullPriority(level, rank);
    if (priority === job.opts.priority) return false;
    try {
      await job.changePriority({ priority });
      return true;
    } catch {
      return false; // Not waiting any more (a worker took it meanwhile).
    }
  }

  /** BullMQ priority value (lower = more urgent) of the most urgent job waiting for `model`, or null. */
  async bestWaitingPriority(model: string): Promise<number | null> {
    const [best] = await this.queueFor(model).getPrioritized(0, 0);
    return best ? best.priority : null;
  }

  async counts(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [model, queue] of this.queues) {
      out[model] = await queue.getJobCounts("waiting", "prioritized", "active", "delayed", "failed");
    }
    return out;
  }

  async ping(): Promise<void> {
    await this.options.connection.ping();
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
