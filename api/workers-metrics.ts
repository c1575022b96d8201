// /metrics for the API on Cloudflare Workers: prom-client (process metrics, Node-only modules)
// stays out of the Workers bundle, so the two cheapest API families are written as Prometheus
// text here — active jobs by status (status index) and queue depth per model and priority.
// Worker-side families come from each GPU worker's own GENQ_METRICS_PORT.
import type { AppDeps, MetricsExposition } from "./app-deps.ts";
import { PRIORITY_LEVELS } from "../shared/queue/queue-depth.ts";

export function workersMetrics(deps: () => AppDeps): MetricsExposition {
  return {
    contentType: "text/plain; version=0.0.4; charset=utf-8",
    async render() {
      const d = deps();
      const lines = ["# HELP genq_jobs Active (queued, running) jobs in the store by status.", "# TYPE genq_jobs gauge"];
      for (const [status, count] of Object.entries(await d.store.jobs.countActiveByStatus())) lines.push(`genq_jobs{status="${status}"} ${count}`);
      lines.push("# HELP genq_queue_depth Jobs waiting in the queue by model and priority (0 most urgent .. 9).", "# TYPE genq_queue_depth gauge");
      const depth = await d.live.queueDepth([...d.models.keys()]).catch(() => undefined);
      for (const [model, m] of Object.entries(depth ?? {})) {
        for (let level = 0; level < PRIORITY_LEVELS; level++) lines.push(`genq_queue_depth{model="${model}",priority="${level}"} ${m.waitingByPriority[level]}`);
      }
      return `${lines.join("\n")}\n`;
    },
  };
}
