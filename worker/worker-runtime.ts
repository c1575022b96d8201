// Starts a complete worker: the store, Redis, the inference thread, one BullMQ Worker per model,
// cancel signals, the reconciler, heartbeats (readiness) and the retention sweep; `close()` shuts
// it down without losing jobs.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Worker } from "bullmq";
import type { GenqConfig } from "../shared/config.ts";
import type { Logger } from "../shared/logger.ts";
import { loadModelCards } from "../shared/models/load-model-cards.ts";
import { inferenceCounters } from "../shared/metrics/inference-counters.ts";
import { openNodeServices } from "../shared/node-services.ts";
import { WorkerPresence } from "../shared/queue/worker-presence.ts";
import { StartupError } from "../shared/startup/startup-failure.ts";
import { openStore } from "../shared/store/open-store.ts";
import { createGenerateJobProcessor } from "./queue/generate-job-processor.ts";
import { createGenerateWorker } from "./queue/generate-worker.ts";
import { AdmissionLookahead } from "./queue/admission-lookahead.ts";
import { InferenceJobs } from "./queue/inference-jobs.ts";
import { Reconciler } from "./queue/reconciler.ts";
import { RetentionSweep } from "./retention-sweep.ts";
import { InferenceClient } from "./thread/inference-client.ts";
import { startWebhookRuntime } from "./webhooks/webhook-runtime.ts";

export interface WorkerHandle {
  /**
   * Stops taking jobs, hands jobs the engine has not started back to the queue at once, lets
   * running ones finish within GENQ_SHUTDOWN_GRACE_MS, then hands the rest back too.
   */
  close(): Promise<void>;
  readonly workers: Worker[];
  /** Resolves (with the reason) if the inference thread dies: the worker can run nothing; exit. */
  readonly fatal: Promise<string>;
}

const RECONCILE_EVERY_MS = 15_000;

export async function startWorker(config: GenqConfig, logger: Logger): Promise<WorkerHandle> {
  const models = loadModelCards(config.models, config.specialTokensInContent);
  const store = await openStore(config);
  try {
    await store.checkWritable();
  } catch (error) {
    await store.close();
    throw error;
  }
  const services = await openNodeServices(config, store, logger, "patient");
  const { connection, events, queue, lifecycle } = services;

  const client = await InferenceClient.start({
    models: config.models,
    device: config.device,
    dtype: config.dtype,
    maxBatch: config.maxBatch,
    maxKvTokens: config.maxKvTokens,
    prefillChunkTokens: config.prefillChunkTokens,
    priorityAgingMs: config.priorityAgingMs,
    prefixCacheTokens: config.prefixCacheTokens,
  }).catch((error: Error) => {
    throw new StartupError(`the models could not be loaded (${error.message})`, "check GENQ_MODELS, GENQ_DTYPE and GENQ_DEVICE");
  });
  const inference = new InferenceJobs(client);
  const fatal = new Promise<string>((resolve) => client.onCrash(resolve));
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
  const processor = createGenerateJobProcessor({
    jobs: store.jobs,
    lifecycle,
    inference,
    models,
    logger,
    lookahead,
    maxJobRuns: config.reliability.maxJobRuns,
  });
  const workers: Worker[] = config.models.map((m) =>
    createGenerateWorker({
      model: m.name,
      connection,
      prefix: config.queuePrefix,
      concurrency: capacity,
      lockMs: config.jobLockMs,
      logger,
      processor,
    }),
  );

  workers.forEach((worker, i) => workerOf.set(config.models[i].name, worker));

  const reconciler = new Reconciler({ jobs: store.jobs, queue, models: config.models.map((m) => m.name), logger });
  const reconcile = () => reconciler.reconcile().catch((error) => logger.warn("reconcile failed", { error }));
  void reconcile();
  const timer = setInterval(reconcile, RECONCILE_EVERY_MS);
  timer.unref();
  // Readiness: the API counts live workers per model from these heartbeats.
  const presence = new WorkerPresence(connection, config.queuePrefix, config.reliability.heartbeatMs);
  const workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const served = config.models.map((m) => m.name);
  const beat = () => presence.beat(served, workerId).catch((error) => logger.debug("heartbeat failed", { error }));
  await beat();
  const heartbeat = setInterval(beat, config.reliability.heartbeatMs);
  heartbeat.unref();
  const retention = new RetentionSweep({
    jobs: store.jobs,
    connection,
    prefix: config.queuePrefix,
    retentionMs: config.reliability.jobRetentionMs,
    logger,
  });
  const sweeper = setInterval(() => void retention.sweep().catch((error) => logger.warn("retention sweep failed", { error })), config.reliability.retentionSweepMs);
  sweeper.unref();
  for (const model of client.models) logger.info("model loaded", { model: model.name, selfCheck: model.selfCheck });
  logger.info("worker ready", { models: served, device: config.device, maxBatch: config.maxBatch });

  return {
    workers,
    fatal,
    async close() {
      clearInterval(timer);
      clearInterval(heartbeat);
      clearInterval(sweeper);
      await presence.leave(served, workerId).catch(() => {});
      // BullMQ stops fetching and resolves once every processor returned; each handed-back job's
      // processor moves it to wait itself (another worker starts it now, not after the lock expires).
      const stopped = Promise.all(workers.map((w) => w.close()));
      const waiting = inference.handBack("waiting");
      const finished = await inference.drained(config.reliability.shutdownGraceMs);
      const running = finished ? 0 : inference.handBack("all");
      await stopped;
      if (waiting || running) logger.info("handed jobs back to the queue", { notStarted: waiting, running });
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
