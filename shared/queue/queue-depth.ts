// Jobs waiting per model and genq priority level, straight from BullMQ's keys: one ZCOUNT per
// level on the model queue's `prioritized` sorted set (O(log n), never a scan) plus the plain
// `wait` list and the `active` list lengths, all in one round trip. For /metrics and the dashboard.
import type { Redis } from "ioredis";
import { FAIR_RANK_STRIDE, queueNameFor } from "../jobs.ts";

/** genq priorities 0 (most urgent) .. 9. */
export const PRIORITY_LEVELS = 10;

/** BullMQ 5 scores a prioritized job `priority * 2^32 + counter` (includes/getPriorityScore.lua). */
const SCORE_PER_PRIORITY = 2 ** 32;

export interface ModelQueueDepth {
  /** Waiting jobs per genq priority level (index = level). Jobs in `wait` (no priority) count as level 0. */
  waitingByPriority: number[];
  /** Jobs a worker holds (BullMQ `active`: running or held unstarted by a worker's lookahead). */
  active: number;
}

export interface QueueDepthOptions {
  connection: Redis;
  /** BullMQ key prefix. */
  prefix: string;
}

export class QueueDepth {
  constructor(private readonly options: QueueDepthOptions) {}

  async of(models: readonly string[]): Promise<Record<string, ModelQueueDepth>> {
    const multi = this.options.connection.multi();
    for (const model of models) {
      const base = `${this.options.prefix}:${queueNameFor(model)}`;
      for (let level = 0; level < PRIORITY_LEVELS; level++) {
        // bullPriority(level, rank) = level * STRIDE + rank + 1 for rank in [0, STRIDE).
        const low = (level * FAIR_RANK_STRIDE + 1) * SCORE_PER_PRIORITY;
        const high = ((level + 1) * FAIR_RANK_STRIDE + 1) * SCORE_PER_PRIORITY;
        multi.zcount(`${base}:prioritized`, low, `(${high}`);
      }
      multi.llen(`${base}:wait`);
      multi.llen(`${base}:active`);
    }
    const results = (await multi.exec()) ?? [];
    const value = (i: number) => Number(results[i]?.[1] ?? 0);
    const out: Record<string, ModelQueueDepth> = {};
    const per = PRIORITY_LEVELS + 2;
    models.forEach((model, m) => {
      const waitingByPriority = Array.from({ length: PRIORITY_LEVELS }, (_, level) => value(m * per + level));
      waitingByPriority[0] += value(m * per + PRIORITY_LEVELS);
      out[model] = { waitingByPriority, active: value(m * per + PRIORITY_LEVELS + 1) };
    });
    return out;
  }
}
