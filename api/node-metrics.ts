// /metrics for the API on Node (prom-client stays out of the runtime-neutral app): the API's
// registry, read at scrape time from cheap sources only (active job rows by status through the
// status index, never a table scan; BullMQ counts and per-priority depth; live workers per model;
// this process's held long-polls), then this process's CPU/memory and in-process workers.
import { Gauge, Registry } from "prom-client";
import type { AppDeps, MetricsExposition } from "./app-deps.ts";
import { mergeExpositions } from "../shared/metrics/merge-expositions.ts";
import { processRegistries } from "../shared/metrics/process-registries.ts";
import { PRIORITY_LEVELS } from "../shared/queue/queue-depth.ts";

/** Renders the API's registry plus the process's others (`npm start`: the worker's too) as one exposition. */
export function nodeMetrics(deps: () => AppDeps): MetricsExposition {
  let registry: Registry | undefined;
  processRegistries.start();
  return {
    contentType: Registry.PROMETHEUS_CONTENT_TYPE,
    async render() {
      registry ??= apiMetricsRegistry(deps());
      return mergeExpositions(await Promise.all([registry.metrics(), ...(await processRegistries.render())]));
    },
  };
}

function apiMetricsRegistry(deps: AppDeps): Registry {
  const registry = new Registry();
  const registers = [registry];
  const models = () => [...deps.models.keys()];
  new Gauge({
    name: "genq_jobs",
    help: "Active (queued, running) jobs in the store by status.",
    labelNames: ["status"],
    registers,
    async collect() {
      // Both statuses always present: an idle service reads 0, not a missing series.
      for (const [status, count] of Object.entries(await deps.store.jobs.countActiveByStatus())) this.set({ status }, count);
    },
  });
  new Gauge({
    name: "genq_queue_depth",
    help: "Jobs waiting in the queue by model and priority (0 most urgent .. 9).",
    labelNames: ["model", "priority"],
    registers,
    async collect() {
      this.reset();
      const depth = await deps.live.queueDepth(models()).catch(() => undefined);
      if (!depth) return;
      for (const [model, d] of Object.entries(depth)) {
        for (let level = 0; level < PRIORITY_LEVELS; level++) this.set({ model, priority: String(level) }, d.waitingByPriority[level]);
      }
    },
  });
  new Gauge({
    name: "genq_queue_jobs",
    help: "BullMQ jobs by queue and state.",
    labelNames: ["queue", "state"],
    registers,
    async collect() {
      this.reset();
      for (const model of models()) deps.queue.queueFor(model);
      const counts = await deps.queue.counts().catch(() => undefined);
      for (const [queue, states] of Object.entries(counts ?? {})) {
        for (const [state, count] of Object.entries(states)) this.set({ queue, state }, count);
      }
    },
  });
  new Gauge({
    name: "genq_workers",
    help: "Live workers serving each model (heartbeats).",
    labelNames: ["model"],
    registers,
    async collect() {
      this.reset();
      const workers = await deps.readiness.workersPerModel().catch(() => undefined);
      for (const [model, count] of Object.entries(workers ?? {})) this.set({ model }, count);
    },
  });
  new Gauge({
    name: "genq_long_poll_waiters",
    help: "Requests of this API process waiting for a job change.",
    registers,
    collect() {
      this.set(deps.events.waiterCount);
    },
  });
  return registry;
}
