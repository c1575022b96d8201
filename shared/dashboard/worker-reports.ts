// Live per-worker state for the dashboard and for operators: each worker writes one small JSON
// report (its models and their state, running batch, KV usage, where its /metrics is) into a
// Redis hash every second; readers drop reports older than a few heartbeats (a dead worker).
import type { Redis } from "ioredis";

export interface WorkerReport {
  id: string;
  /** Models this worker serves and whether they are loaded now. */
  models: Array<{ name: string; state: "loaded" | "loading" | "unloaded" }>;
  /** Sequences in the engine's batch now (decoding or prefilling). */
  running: number;
  /** Sequences the engine holds but has not admitted. */
  waiting: number;
  /** KV slots allocated / the KV budget (GENQ_MAX_KV_TOKENS per loaded model), 0..1. */
  kvUsageRatio: number;
  /** This worker's own Prometheus endpoint (GENQ_METRICS_PORT), when it serves one. */
  metricsUrl: string | null;
  /** When the report was written (epoch ms). */
  atMs: number;
}

export interface WorkerReportsOptions {
  connection: Redis;
  /** Redis key prefix (GENQ_QUEUE_PREFIX). */
  prefix: string;
  /** Reports older than this are a dead worker's (default 15 s). */
  staleMs?: number;
}

export class WorkerReports {
  private readonly key: string;
  private readonly staleMs: number;

  constructor(private readonly options: WorkerReportsOptions) {
    this.key = `${options.prefix}:dashboard:workers`;
    this.staleMs = options.staleMs ?? 15_000;
  }

  async publish(report: WorkerReport): Promise<void> {
    await this.options.connection.hset(this.key, report.id, JSON.stringify(report));
  }

  async leave(workerId: string): Promise<void> {
    await this.options.connection.hdel(this.key, workerId);
  }

  /** Live workers' reports, by id; stale ones are removed on the way. */
  async list(nowMs = Date.now()): Promise<WorkerReport[]> {
    const all = await this.options.connection.hgetall(this.key);
    const live: WorkerReport[] = [];
    const stale: string[] = [];
    for (const [id, json] of Object.entries(all)) {
      const report = JSON.parse(json) as WorkerReport;
      if (nowMs - report.atMs > this.staleMs) stale.push(id);
      else live.push(report);
    }
    if (stale.length > 0) await this.options.connection.hdel(this.key, ...stale);
    return live.sort((a, b) => a.id.localeCompare(b.id));
  }
}
