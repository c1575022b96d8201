// What the dashboard shows at one moment, for one viewer: queues by model and priority, models
// and their state, workers (admin only: hosts and ports are operator business), recent jobs with
// their latencies, and failed webhook attempts. Redis and a LIMITed newest-first read only.
import type { AppDeps } from "../../app-deps.ts";
import type { JobRow } from "../../../shared/store/schema/jobs.ts";
import type { WebhookFailure } from "../../../shared/dashboard/webhook-failure-feed.ts";

export interface DashboardViewer {
  scope: "admin" | "tenant";
  /** The tenant whose jobs and webhooks a tenant view shows. */
  tenantId: string;
}

export interface DashboardJob {
  id: string;
  status: string;
  model: string;
  priority: number;
  /** Admin view only. */
  tenant?: string;
  created_at: string;
  /** Submit → started (null while queued). */
  queue_wait_ms: number | null;
  /** Submit → finished, or so far while active. */
  latency_ms: number;
  completion_tokens: number;
  error_code: string | null;
}

export interface DashboardSnapshot {
  scope: "admin" | "tenant";
  at: string;
  queues: Array<{ model: string; waiting_by_priority: number[]; waiting: number; active: number }>;
  models: Array<{ name: string; default: boolean; state: "loaded" | "loading" | "unloaded"; workers: number }>;
  /** Absent in tenant views. */
  workers?: Array<{ id: string; models: string[]; running: number; waiting: number; kv_usage_ratio: number; metrics_url: string | null; seen_at: string }>;
  jobs: DashboardJob[];
  webhook_failures: Array<{ delivery_id: string; job_id: string; event: string; url: string; outcome: string; error: string; attempts: number; at: string; tenant?: string }>;
}

const RECENT_JOBS = 25;
const RECENT_FAILURES = 15;

export async function dashboardSnapshot(deps: AppDeps, viewer: DashboardViewer): Promise<DashboardSnapshot> {
  const admin = viewer.scope === "admin";
  const models = [...deps.models.keys()];
  const nowMs = deps.now();
  const [depth, workers, rows, failures] = await Promise.all([
    deps.live.queueDepth(models),
    deps.live.workers(),
    admin ? deps.store.jobs.listRecentAcrossTenants(RECENT_JOBS) : deps.store.jobs.list({ tenantId: viewer.tenantId, limit: RECENT_JOBS }),
    deps.live.webhookFailures(admin ? null : viewer.tenantId, RECENT_FAILURES),
  ]);
  const modelState = (name: string) => {
    const states = workers.flatMap((w) => w.models.filter((m) => m.name === name).map((m) => m.state));
    return states.includes("loaded") ? "loaded" : states.includes("loading") ? "loading" : "unloaded";
  };
  return {
    scope: viewer.scope,
    at: new Date(nowMs).toISOString(),
    queues: models.map((model) => {
      const d = depth[model];
      return { model, waiting_by_priority: d.waitingByPriority, waiting: d.waitingByPriority.reduce((a, b) => a + b, 0), active: d.active };
    }),
    models: models.map((name) => ({
      name,
      default: name === deps.defaultModel,
      state: modelState(name),
      workers: workers.filter((w) => w.models.some((m) => m.name === name && m.state === "loaded")).length,
    })),
    workers: admin
      ? workers.map((w) => ({
          id: w.id,
          models: w.models.filter((m) => m.state === "loaded").map((m) => m.name),
          running: w.running,
          waiting: w.waiting,
          kv_usage_ratio: w.kvUsageRatio,
          metrics_url: w.metricsUrl,
          seen_at: new Date(w.atMs).toISOString(),
        }))
      : undefined,
    jobs: rows.map((row) => dashboardJob(row, nowMs, admin)),
    webhook_failures: failures.map((f) => webhookFailure(f, admin)),
  };
}

function webhookFailure(f: WebhookFailure, admin: boolean): DashboardSnapshot["webhook_failures"][number] {
  return {
    delivery_id: f.deliveryId,
    job_id: f.jobId,
    event: f.event,
    url: f.url,
    outcome: f.outcome,
    error: f.error,
    attempts: f.attempts,
    at: new Date(f.atMs).toISOString(),
    ...(admin ? { tenant: f.tenantId } : {}),
  };
}

function dashboardJob(row: JobRow, nowMs: number, admin: boolean): DashboardJob {
  return {
    id: row.id,
    status: row.status,
    model: row.model,
    priority: row.priority,
    ...(admin ? { tenant: row.tenantId } : {}),
    created_at: new Date(row.createdAt).toISOString(),
    queue_wait_ms: row.startedAt === null ? null : row.startedAt - row.createdAt,
    latency_ms: (row.completedAt ?? nowMs) - row.createdAt,
    completion_tokens: row.completionTokens,
    error_code: row.errorCode,
  };
}
