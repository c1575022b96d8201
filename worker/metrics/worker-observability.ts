// Everything a worker shows about itself beyond its jobs: its registry on the process's /metrics
// (npm start) and on its own GENQ_METRICS_PORT, GPU gauges on NVIDIA hosts, and the live report
// the dashboard reads from Redis (models, running batch, KV usage) once a second.
import type { Redis } from "ioredis";
import type { GenqConfig } from "../../shared/config.ts";
import { WorkerReports } from "../../shared/dashboard/worker-reports.ts";
import type { Logger } from "../../shared/logger.ts";
import { processRegistries } from "../../shared/metrics/process-registries.ts";
import { StartupError } from "../../shared/startup/startup-failure.ts";
import { registerGpuMetrics } from "./gpu-metrics.ts";
import { startMetricsServer, type MetricsServer } from "./metrics-server.ts";
import type { WorkerMetrics } from "./worker-metrics.ts";

export interface WorkerObservability {
  /** This worker's own /metrics URL (GENQ_METRICS_PORT), or null when it serves none. */
  metricsUrl: string | null;
  /** Writes the dashboard report now (also done every second). */
  report(): Promise<void>;
  close(): Promise<void>;
}

const REPORT_EVERY_MS = 1_000;

export async function startWorkerObservability(options: {
  config: GenqConfig;
  metrics: WorkerMetrics;
  connection: Redis;
  workerId: string;
  models: readonly string[];
  logger: Logger;
}): Promise<WorkerObservability> {
  const { config, metrics, workerId, logger } = options;
  if (await registerGpuMetrics(metrics.registry)) logger.info("GPU metrics from nvidia-smi enabled");
  let server: MetricsServer | undefined;
  if (config.metrics.workerPort !== undefined) {
    server = await startMetricsServer({ registry: metrics.registry, host: config.host, port: config.metrics.workerPort, metricsToken: config.metricsToken }).catch((error: NodeJS.ErrnoException) => {
      throw new StartupError(`the worker metrics port ${config.metrics.workerPort} cannot be used (${error.code ?? error.message})`, "set GENQ_METRICS_PORT to a free port, or unset it");
    });
    logger.info("worker metrics served", { url: server.url });
  }
  processRegistries.start();
  const withdraw = processRegistries.addWorker(metrics.registry);
  const reports = new WorkerReports({ connection: options.connection, prefix: config.queuePrefix, staleMs: 3 * Math.max(REPORT_EVERY_MS, config.reliability.heartbeatMs) });
  const metricsUrl = server?.url ?? null;
  const report = async () => {
    await reports.publish({
      id: workerId,
      models: options.models.map((name) => ({ name, state: metrics.modelState(name) })),
      ...metrics.engineLoad,
      kvUsageRatio: metrics.kvUsageRatio,
      metricsUrl,
      atMs: Date.now(),
    });
  };
  const timer = setInterval(() => void report().catch((error) => logger.debug("dashboard report failed", { error })), REPORT_EVERY_MS);
  timer.unref();
  await report().catch((error) => logger.debug("dashboard report failed", { error }));
  return {
    metricsUrl,
    report,
    async close() {
      clearInterval(timer);
      withdraw();
      await reports.leave(workerId).catch(() => {});
      await server?.close();
    },
  };
}
