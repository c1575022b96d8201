// Liveness (/healthz: the process answers), readiness (/readyz: the store takes writes, Redis
// answers, and every model has a live worker) and Prometheus metrics (/metrics; behind
// GENQ_METRICS_TOKEN when set: it shows every tenant's counts).
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { metricsGuard } from "../../middleware/metrics-guard.ts";
import { inferenceCounters } from "../../../shared/metrics/inference-counters.ts";

export function healthRoutes(deps: AppDeps): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get("/healthz", (c) => c.json({ status: "ok" }))
    .get("/readyz", async (c) => {
      const checks: Record<string, string> = {};
      let workers: Record<string, number> | undefined;
      try {
        await deps.store.checkWritable();
        checks.database = "ok";
      } catch (error) {
        checks.database = `not writable: ${(error as Error).message}`;
      }
      try {
        await deps.queue.ping();
        checks.redis = "ok";
        workers = await deps.readiness.workersPerModel();
        const unserved = Object.entries(workers).filter(([, n]) => n === 0).map(([model]) => model);
        checks.workers = unserved.length === 0 ? "ok" : `no live worker serves ${unserved.map((m) => `"${m}"`).join(", ")}`;
      } catch (error) {
        checks.redis = (error as Error).message;
      }
      const ready = Object.values(checks).every((v) => v === "ok");
      return c.json({ status: ready ? "ready" : "not ready", checks, workers }, ready ? 200 : 503);
    })
    .get("/metrics", metricsGuard(deps.auth.metricsToken, deps.logger), async (c) => {
      const lines: string[] = [];
      lines.push("# HELP genq_jobs Active (queued, running) jobs in the store by status.", "# TYPE genq_jobs gauge");
      for (const [status, count] of Object.entries(await deps.store.jobs.countActiveByStatus())) {
        lines.push(`genq_jobs{status="${status}"} ${count}`);
      }
      const counts = await deps.queue.counts().catch(() => undefined);
      if (counts) {
        lines.push("# HELP genq_queue_jobs BullMQ jobs by queue and state.", "# TYPE genq_queue_jobs gauge");
        for (const [queue, states] of Object.entries(counts)) {
          for (const [state, count] of Object.entries(states)) {
            lines.push(`genq_queue_jobs{queue="${queue}",state="${state}"} ${count}`);
          }
        }
      }
      lines.push("# HELP genq_long_poll_waiters Requests waiting for a job change.", "# TYPE genq_long_poll_waiters gauge");
      lines.push(`genq_long_poll_waiters ${deps.events.waiterCount}`);
      // Workers running in this process (npm start); a separate worker process keeps its own.
      lines.push(...inferenceCounters.render());
      return c.text(lines.join("\n") + "\n", 200, { "content-type": "text/plain; version=0.0.4" });
    });
}
