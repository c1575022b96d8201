// Per-model residency across workers, in Redis: each worker writes its models' states (loaded /
// loading / unloaded, resident bytes, last use, load time) under the queue prefix with every
// heartbeat and on every change; readers combine the live workers into one state per model.
import type { Redis } from "ioredis";

/** Heartbeats a worker may miss before its states no longer count (as for readiness). */
const MISSED_BEATS = 3;

export type ResidencyState = "loaded" | "loading" | "unloaded";

/** One model in one worker (what a worker publishes). */
export interface WorkerModelState {
  model: string;
  state: ResidencyState;
  residentBytes: number;
  lastUsedAtMs: number | null;
  loadSeconds: number | null;
}

/** One model across workers: `loaded` if any worker has it, else `loading` if any loads it, else `unloaded`. */
export interface ModelResidencyView {
  model: string;
  state: ResidencyState;
  /** Workers that have it loaded or are loading it. */
  workers: Array<{ id: string; state: "loaded" | "loading"; residentBytes: number }>;
  /** Sum over the workers that have it loaded. */
  residentBytes: number;
  /** Latest use on any worker; null if never used. */
  lastUsedAtMs: number | null;
  /** The longest last load among the workers that loaded it; null if none did. */
  loadSeconds: number | null;
}

export class ModelResidencyBoard {
  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
    private readonly heartbeatMs: number,
  ) {}

  async publish(workerId: string, states: readonly WorkerModelState[], nowMs = Date.now()): Promise<void> {
    const ttlMs = MISSED_BEATS * this.heartbeatMs;
    await this.connection
      .multi()
      .set(this.workerKey(workerId), JSON.stringify(states), "PX", ttlMs)
      .zadd(this.workersKey(), nowMs, workerId)
      .zremrangebyscore(this.workersKey(), "-inf", nowMs - ttlMs)
      .pexpire(this.workersKey(), 2 * ttlMs)
      .exec();
  }

  async leave(workerId: string): Promise<void> {
    await this.connection.multi().del(this.workerKey(workerId)).zrem(this.workersKey(), workerId).exec();
  }

  /** Every listed model's combined state (models no live worker reports are `unloaded`). */
  async read(models: readonly string[], nowMs = Date.now()): Promise<ModelResidencyView[]> {
    const workerIds = await this.connection.zrangebyscore(this.workersKey(), nowMs - MISSED_BEATS * this.heartbeatMs, "+inf");
    const blobs = workerIds.length > 0 ? await this.connection.mget(workerIds.map((id) => this.workerKey(id))) : [];
    const byModel = new Map<string, Array<WorkerModelState & { worker: string }>>();
    blobs.forEach((blob, i) => {
      if (!blob) return;
      for (const state of JSON.parse(blob) as WorkerModelState[]) {
        const list = byModel.get(state.model) ?? [];
        list.push({ ...state, worker: workerIds[i] });
        byModel.set(state.model, list);
      }
    });
    return models.map((model) => combine(model, byModel.get(model) ?? []));
  }

  private workerKey(workerId: string): string {
    return `${this.prefix}:residency:worker:${workerId}`;
  }

  private workersKey(): string {
    return `${this.prefix}:residency:workers`;
  }
}

function combine(model: string, states: Array<WorkerModelState & { worker: string }>): ModelResidencyView {
  const holding = states.filter((s) => s.state !== "unloaded");
  const loaded = holding.filter((s) => s.state === "loaded");
  const lastUsed = states.map((s) => s.lastUsedAtMs).filter((v): v is number => v !== null);
  const loadTimes = states.map((s) => s.loadSeconds).filter((v): v is number => v !== null);
  return {
    model,
    state: loaded.length > 0 ? "loaded" : holding.length > 0 ? "loading" : "unloaded",
    workers: holding.map((s) => ({ id: s.worker, state: s.state as "loaded" | "loading", residentBytes: s.residentBytes })),
    residentBytes: loaded.reduce((sum, s) => sum + s.residentBytes, 0),
    lastUsedAtMs: lastUsed.length > 0 ? Math.max(...lastUsed) : null,
    loadSeconds: loadTimes.length > 0 ? Math.max(...loadTimes) : null,
  };
}
