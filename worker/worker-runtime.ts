// Starts a complete worker: the store, Redis, the inference thread, one BullMQ Worker per model,
// cancel signals and the reconciler; `close()` shuts it down without losing jobs.
import type { Worker } from "bullmq";
import type { GenqConfig } from "../shared/config.ts";
import type { Logger } from "../shared/logger.ts";
import { loadModelCard, type ModelCard } from "../shared/models/model-card.ts";
import { inferenceCounters } from "../shared/metrics/inference-counters.ts";
import { openNodeServices } from "../shared/node-services.ts";
import { openStore } from "../shared/store/open-store.ts";
import { createGenerateJobProcessor } from "./queue/generate-job-processor.ts";
import { createGenerateWorker } from "./queue/generate-worker.ts";
import { AdmissionLookahead } from "./queue/admission-lookahead.ts";
import { InferenceJobs } from "./queue/inference-jobs.ts";
import { Reconciler } from "./queue/reconciler.ts";
import { InferenceClient } from "./thread/inference-client.ts";
import { startWebhookRuntime } from "./webhooks/webhook-runtime.ts";

export interface WorkerHandle {
  close(): Promise<void>;
  readonly workers: Worker[];
}

const RECONCILE_EVERY_MS = 15_000;
const SHUTDOWN_GRACE_MS = 5_000;

export async function startWorker(config: GenqConfig, logger: Logger): Promise<WorkerHandle> {
  if (!config.redisUrl) throw new Error("REDIS_URL is required to start a worker");
  const models = new Map<string, ModelCard>(config.models.map((m) => [m.name, loadModelCard(m.name, m.path, { specialTokensInContent: config.specialTokensInContent.includes(m.name) })]));
  const services = await openNodeServices(config, openStore(config), logger, "patient");
  const { store, connection, events, queue, lifecycle } = services;

  const client = await InferenceClient.start({
    models: config.models,
    device: config.device,
    dtype: config.dtype,
    maxBatch: config.maxBatch,
    maxKvTokens: config.maxKvTokens,
    prefillChunkTokens: config.prefillChunkTokens,
    priorityAgingMs: config.priorityAgingMs,
    prefixCacheTokens: config.prefixCacheTokens,
  });
  const inference = new InferenceJobs(client);
  const stopCounters = client.subscribe((m) => {
    if (m.type === "stats") inferenceCounters.report(client, m);
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

  const webhooks = await startWebhookRuntime(config, services, logger);
  const processor = createGenerateJobProcessor({ jobs: store.jobs, lifecycle, inference, models, logger, lookahead });
  const workers: Worker[] = config.models.map((m) =>
    createGenerateWorker({
      model: m.name,
      connection,
      prefix: config.queuePrefix,
      concurrency: capacity,
      lockMs: config.jobLockMs,
      logger,
      processor,
      onFailedForGood: (jobId, reason) => void lifecycle.fail(jobId, "ENGINE_ERROR", reason),
    }),
  );

  workers.forEach((worker, i) => workerOf.set(config.models[i].name, worker));

  const reconciler = new Reconciler({ jobs: store.jobs, queue, lifecycle, models: config.models.map((m) => m.name), logger });
  const reconcile = () => reconciler.reconcile().catch((error) => logger.warn("reconcile failed", { error }));
  void reconcile();
  const timer = setInterval(reconcile, RECONCILE_EVERY_MS);
  timer.unref();
  for (const model of client.models) logger.info("model loaded", { model: model.name, selfCheck: model.selfCheck });
  logger.info("worker ready", { models: config.models.map((m) => m.name), device: config.device, maxBatch: config.maxBatch });

  return {
    workers,
    async close() {
      clearInterval(timer);
      // Let running jobs finish for a moment; whatever is still running after the grace period
      // is left to BullMQ stall recovery (the next worker picks it up), never dropped.
      const graceful = Promise.all(workers.map((w) => w.close()));
      const timedOut = await Promise.race([graceful.then(() => false), sleep(SHUTDOWN_GRACE_MS).then(() => true)]);
      if (timedOut) await Promise.all(workers.map((w) => w.close(true)));
      stopCancels();
      lookahead.close();
      stopCounters();
      inference.close();
      await client.close();
      await webhooks.close();
      await services.close();
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
