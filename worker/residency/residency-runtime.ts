// Model residency for one worker process: the manager over the inference thread, its states
// published in Redis (every heartbeat and on change), admin load/unload commands and prewarm.
import type { Redis } from "ioredis";
import type { GenqConfig } from "../../shared/config.ts";
import { ModelCommandBus } from "../../shared/events/model-command-bus.ts";
import type { Logger } from "../../shared/logger.ts";
import type { ModelCard } from "../../shared/models/model-card.ts";
import type { JobQueue } from "../../shared/queue/job-queue.ts";
import { ModelResidencyBoard } from "../../shared/queue/model-residency-board.ts";
import { StartupError } from "../../shared/startup/startup-failure.ts";
import { estimateResidentBytes } from "../model/model-footprint.ts";
import { PrewarmWatcher } from "../queue/prewarm-watcher.ts";
import { ModelResidency, type ModelLoader } from "./model-residency.ts";

export interface ResidencyRuntimeOptions {
  config: GenqConfig;
  /** Cards of the served models (config.residency.workerModels). */
  cards: Map<string, ModelCard>;
  loader: ModelLoader;
  connection: Redis;
  queue: JobQueue;
  workerId: string;
  logger: Logger;
}

export interface ResidencyRuntime {
  residency: ModelResidency;
  /** Publishes this worker's model states now (the heartbeat calls it). */
  publish(): Promise<void>;
  close(): Promise<void>;
}

export async function startResidencyRuntime(options: ResidencyRuntimeOptions): Promise<ResidencyRuntime> {
  const { config, logger, workerId } = options;
  const served = config.residency.workerModels;
  const kvTokens = config.maxKvTokens + config.prefixCacheTokens;
  const models = served.map((name) => {
    const card = options.cards.get(name)!;
    try {
      return { name, estimatedBytes: estimateResidentBytes(card.path, config.dtype, card.config, kvTokens) };
    } catch (error) {
      throw new StartupError(`model "${name}" at ${card.path} cannot be loaded (${(error as Error).message})`, "check GENQ_MODELS and GENQ_DTYPE");
    }
  });
  const residency = new ModelResidency({
    models,
    loader: options.loader,
    keepAliveMs: config.residency.keepAliveMs,
    memoryBudgetBytes: config.residency.memoryBudgetBytes,
    logger,
  });
  const board = new ModelResidencyBoard(options.connection, config.queuePrefix, config.reliability.heartbeatMs);
  let closed = false;
  const publish = async () => {
    if (closed) return;
    const states = residency.snapshot().map(({ activeJobs: _, ...state }) => state);
    await board.publish(workerId, states).catch((error) => logger.debug("residency publish failed", { error }));
  };
  // Changes come in bursts (a batch finishing): one write per turn of the event loop.
  let pending = false;
  const stopChanges = residency.events.onChange(() => {
    if (pending) return;
    pending = true;
    setImmediate(() => {
      pending = false;
      void publish();
    });
  });
  const commands = new ModelCommandBus(options.connection, config.queuePrefix);
  await commands.listen((command) => {
    if (!served.includes(command.model)) return;
    logger.info("admin model command", { ...command });
    if (command.action === "load") residency.load(command.model);
    else residency.unload(command.model);
  });
  const prewarm = new PrewarmWatcher({ models: served, queue: options.queue, board, residency, intervalMs: Math.min(1_000, config.reliability.heartbeatMs), logger });
  prewarm.start();
  await publish();
  return {
    residency,
    publish,
    async close() {
      prewarm.stop();
      commands.close();
      stopChanges();
      residency.close();
      closed = true;
      await board.leave(workerId).catch(() => {});
    },
  };
}
