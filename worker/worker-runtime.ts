// Starts a complete worker: its result sink (the store, or the API over HTTP), Redis, the inference
// thread, model residency (models load on demand), one BullMQ Worker per served model, cancel
// signals, heartbeats (readiness and model states) and, with the store, the webhook runtime, the
// reconciler and the retention sweep; `close()` shuts it down without losing jobs.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Worker } from "bullmq";
import type { GenqConfig } from "../shared/config.ts";
import type { Logger } from "../shared/logger.ts";
import { formatKeepAlive } from "../shared/models/keep-alive.ts";
import { loadModelCards } from "../shared/models/load-model-cards.ts";
import { WebhookFailureFeed } from "../shared/dashboard/webhook-failure-feed.ts";
import { WorkerPresence } from "../shared/queue/worker-presence.ts";
import { StartupError } from "../shared/startup/startup-failure.ts";
import { createGenerateJobProcessor } from "./queue/generate-job-processor.ts";
import { createGenerateWorker } from "./queue/generate-worker.ts";
import { AdmissionLookahead } from "./queue/admission-lookahead.ts";
import { InferenceJobs } from "./queue/inference-jobs.ts";
import { watchQueueArrivals } from "./queue/queue-arrivals.ts";
import { Reconciler } from "../shared/queue/reconciler.ts";
import type { ModelResidency } from "./residency/model-residency.ts";
import { startResidencyRuntime } from "./residency/residency-runtime.ts";
import { RetentionSweep } from "../shared/retention-sweep.ts";
import { JobLatencyTracker } from "./metrics/job-latency-tracker.ts";
import { WorkerMetrics } from "./metrics/worker-metrics.ts";
import { startWorkerObservability } from "./metrics/worker-observability.ts";
import { InferenceClient } from "./thread/inference-client.ts";
import { startWebhookRuntime } from "../shared/webhooks/delivery/webhook-runtime.ts";
import { openWorkerStorage } from "./worker-storage.ts";

export interface WorkerHandle {
  /**
   * Stops taking jobs, hands jobs the engine has not started back to the queue at once, lets
   * running ones finish within GENQ_SHUTDOWN_GRACE_MS, then hands the rest back too.
   */
  close(): Promise<void>;
  readonly workers: Worker[];
  /** Resolves (with the reason) if the inference thread dies: the worker can run nothing; exit. */
  readonly fatal: Promise<string>;
  /** Which models are loaded; its `events` are the load/unload hooks (metrics). */
  readonly residency: ModelResidency;
  readonly workerId: string;
  /** This worker's Prometheus registry (shown on GENQ_METRICS_PORT and on an in-process API's /metrics). */
  readonly metrics: WorkerMetrics;
  /** Its own /metrics URL when GENQ_METRICS_PORT is set, else null. */
  readonly metricsUrl: string | null;
}

const RECONCILE_EVERY_MS = 15_000;

export async function startWorker(config: GenqConfig, logger: Logger): Promise<WorkerHandle> {
  const served = config.residency.workerModels;
  const models = loadModelCards(
    config.models.filter((m) => served.includes(m.name)),
    config.specialTokensInContent,
  );
  const { services, results, withStore } = await openWorkerStorage(config, logger);
  const { connection, events, queue } = services;
  const workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const metrics = new WorkerMetrics({ workerId, models: served, maxKvTokens: config.maxKvTokens });
  // Before the inference thread starts: a metrics port in use fails at once. Models start
  // unloaded: residency loads them on first demand and its hooks update the metrics below.
  const observability = await startWorkerObservability({ config, metrics, connection, workerId, models: served, logger }).catch(async (error: unknown) => {
    await services.close();
    throw error;
  });

  const client = await InferenceClient.start({
    models: config.models.filter((m) => served.includes(m.name)),
    device: config.device,
    dtype: config.dtype,
    maxBatch: config.maxBatch,
    maxKvTokens: config.maxKvTokens,
    prefillChunkTokens: config.prefillChunkTokens,
    priorityAgingMs: config.priorityAgingMs,
    prefixCacheTokens: config.prefixCacheTokens,
    // Models load on first demand (residency), not at start.
    preload: [],
  }, new Map([...models].map(([name, card]) => [name, (ids: number[]) => card.decode(ids)]))).catch(async (error: Error) => {
    await observability.close();
    throw new StartupError(`the models could not be loaded (${error.message})`, "check GENQ_MODELS, GENQ_DTYPE and GENQ_DEVICE");
  });
  const latency = new JobLatencyTracker(client, metrics);
  const inference = new InferenceJobs(latency.instrumented);
  const fatal = new Promise<string>((resolve) => client.onCrash(resolve));
  const stopCounters = client.subscribe((m) => {
    if (m.type === "stats") metrics.engineStats(m);
  });
  const stopCancels = events.onCancel((id) => inference.cancel(id));

  // max batch + lookahead jobs taken at once; the unstarted ones may be displaced by more urgent work.
  const capacity = config.maxBatch + config.admissionLookahead;
  const workerOf = new Map<string, Worker>();
  const lookahead = new AdmissionLookahead({
    capacity,
    peekBest: (model) => queue.bestWaitingPriority(model),
    withdraw: (id) => inference.withdraw(id),
    resize: (model, delta) => {
      const worker = workerOf.get(model);
      if (worker) worker.concurrency = Math.max(capacity, worker.concurrency + delta);
    },
    onError: (error) => logger.warn("admission lookahead peek failed", { error }),
  });

  const residency = await startResidencyRuntime({ config, cards: models, loader: client, connection, queue, workerId, logger });
  // Residency's load/unload hooks drive genq_model_loaded / genq_model_load_seconds and the dashboard's state.
  const syncModelStates = () => {
    for (const m of residency.residency.snapshot()) if (m.state === "loading") metrics.modelLoading(m.model);
  };
  residency.residency.events.onChange(syncModelStates);
  residency.residency.events.onLoaded((e) => metrics.modelLoaded(e.model, e.loadSeconds));
  residency.residency.events.onUnloaded((e) => metrics.modelUnloaded(e.model));
  // Webhook delivery, reconciling and retention read and write the store: with GENQ_RESULT_SINK=http
  // the API side runs them (README: Deployments).
  const webhooks = withStore
    ? await startWebhookRuntime(config, withStore, logger, {
        attemptMetrics: {
          metrics: { deliveries: metrics.webhookDeliveries, seconds: metrics.webhookDeliverySeconds },
          failures: new WebhookFailureFeed(connection, config.queuePrefix),
        },
      })
    : undefined;
  const processor = createGenerateJobProcessor({
    results,
    inference,
    residency: residency.residency,
    models,
    logger,
    lookahead,
    maxJobRuns: config.reliability.maxJobRuns,
  });
  const workers: Worker[] = served.map((model) =>
    createGenerateWorker({
      model,
      connection,
      prefix: config.queuePrefix,
      concurrency: capacity,
      lockMs: config.jobLockMs,
      logger,
      processor,
    }),
  );

  workers.forEach((worker, i) => workerOf.set(served[i], worker));
  const arrivals = watchQueueArrivals({ models: served, connection, prefix: config.queuePrefix, logger, onArrival: () => lookahead.nudge() });

  const reconciler = withStore && new Reconciler({ jobs: withStore.store.jobs, queue, models: served, logger });
  const reconcile = () => reconciler?.reconcile().catch((error) => logger.warn("reconcile failed", { error }));
  void reconcile();
  const timer = setInterval(reconcile, RECONCILE_EVERY_MS);
  timer.unref();
  // Readiness: the API counts live workers per model from these heartbeats; GET /v1/models reads the model states.
  const presence = new WorkerPresence(connection, config.queuePrefix, config.reliability.heartbeatMs);
  const beat = () =>
    Promise.all([presence.beat(served, workerId).catch((error) => logger.debug("heartbeat failed", { error })), residency.publish()]);
  await beat();
  const heartbeat = setInterval(beat, config.reliability.heartbeatMs);
  heartbeat.unref();
  const retention = withStore && new RetentionSweep({
    jobs: withStore.store.jobs,
    connection,
    prefix: config.queuePrefix,
    retentionMs: config.reliability.jobRetentionMs,
    logger,
  });
  const sweeper = setInterval(() => void retention?.sweep().catch((error) => logger.warn("retention sweep failed", { error })), config.reliability.retentionSweepMs);
  sweeper.unref();
  void observability.report();
  logger.info("worker ready", {
    models: served,
    device: config.device,
    maxBatch: config.maxBatch,
    keepAlive: formatKeepAlive(config.residency.keepAliveMs),
    memoryBudgetBytes: config.residency.memoryBudgetBytes,
    resultSink: config.resultSink.kind,
  });

  return {
    workers,
    fatal,
    residency: residency.residency,
    workerId,
    metrics,
    metricsUrl: observability.metricsUrl,
    async close() {
      clearInterval(timer);
      await observability.close();
      clearInterval(heartbeat);
      clearInterval(sweeper);
      await presence.leave(served, workerId).catch(() => {});
      // BullMQ stops fetching and resolves once every processor returned; each handed-back job's
      // processor moves it to wait itself (another worker starts it now, not after the lock expires).
      const stopped = Promise.all(workers.map((w) => w.close()));
      // Jobs still waiting for their model go back to the queue the same way.
      await residency.close();
      const waiting = inference.handBack("waiting");
      const finished = await inference.drained(config.reliability.shutdownGraceMs);
      const running = finished ? 0 : inference.handBack("all");
      await stopped;
      if (waiting || running) logger.info("handed jobs back to the queue", { notStarted: waiting, running });
      stopCancels();
      await arrivals.close();
      lookahead.close();
      stopCounters();
      latency.close();
      inference.close();
      await client.close();
      await webhooks?.close();
      await services.close();
    },
  };
}
