// How many jobs run before a queued one: its rank in the model queue's BullMQ `prioritized`
// sorted set (ZRANK, O(log n)) plus un-prioritized waiting jobs, which BullMQ runs first.
// One round trip, no scans, so every poll can afford it.
import type { Redis } from "ioredis";
import { queueNameFor } from "../jobs.ts";

export interface QueuePositionOptions {
  connection: Redis;
  /** BullMQ key prefix. */
  prefix: string;
}

export class QueuePosition {
  constructor(private readonly options: QueuePositionOptions) {}

  /** Jobs ahead of `id` (0 = next), or null when it is not waiting in the queue (running, gone). */
  async of(id: string, model: string): Promise<number | null> {
    // BullMQ 5 key layout: <prefix>:<queue>:prioritized (zset) and <prefix>:<queue>:wait (list).
    const base = `${this.options.prefix}:${queueNameFor(model)}`;
    const results = await this.options.connection.multi().zrank(`${base}:prioritized`, id).llen(`${base}:wait`).exec();
    const rank = results?.[0]?.[1] as number | null | undefined;
    const waiting = (results?.[1]?.[1] as number | undefined) ?? 0;
    return rank === null || rank === undefined ? null : rank + waiting;
  }
}
