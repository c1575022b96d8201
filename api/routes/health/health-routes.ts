// Liveness (/healthz: the process answers), readiness (/readyz: the store takes writes, Redis
// answers, and every model has a live worker) and Prometheus metrics (/metrics; behind
// GENQ_METRICS_TOKEN when set: it shows every tenant's counts).
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { metricsGuard } from "../../middleware/metrics-guard.ts";

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
      return c.text(await deps.metrics.render(), 200, { "content-type": deps.metrics.contentType });
    });
}
