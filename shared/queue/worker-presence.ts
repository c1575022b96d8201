// Which workers serve which model, for readiness: each worker adds itself to a sorted set per
// model (score = its last heartbeat, epoch ms) every heartbeatMs; a worker not heard from for
// 3 heartbeats (a crash, a lost host) no longer counts. A clean shutdown leaves at once.
import type { Redis } from "ioredis";

/** Heartbeats a worker may miss before it no longer counts (clock skew and slow hosts included). */
const MISSED_BEATS = 3;

export class WorkerPresence {
  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
    private readonly heartbeatMs: number,
  ) {}

  async beat(models: readonly string[], workerId: string, nowMs = Date.now()): Promise<void> {
    const multi = this.connection.multi();
    for (const model of models) {
      const key = this.key(model);
      multi.zadd(key, nowMs, workerId);
      multi.zremrangebyscore(key, "-inf", nowMs - MISSED_BEATS * this.heartbeatMs);
      multi.pexpire(key, 2 * MISSED_BEATS * this.heartbeatMs);
    }
    await multi.exec();
  }

  async leave(models: readonly string[], workerId: string): Promise<void> {
    const multi = this.connection.multi();
    for (const model of models) multi.zrem(this.key(model), workerId);
    await multi.exec();
  }

  /** Live workers per model. */
  async count(models: readonly string[], nowMs = Date.now()): Promise<Record<string, number>> {
    const multi = this.connection.multi();
    for (const model of models) multi.zcount(this.key(model), nowMs - MISSED_BEATS * this.heartbeatMs, "+inf");
    const results = (await multi.exec()) ?? [];
    return Object.fromEntries(models.map((model, i) => [model, Number(results[i]?.[1] ?? 0)]));
  }

  private key(model: string): string {
    return `${this.prefix}:workers:${model}`;
  }
}
