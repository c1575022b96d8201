// Prewarm for real: jobs wait in a model's BullMQ queue (real Redis) that no BullMQ worker takes
// yet; the watcher sees them and loads the model in a real inference thread, unless another
// worker already reports it loaded, or it would not fit without unloading something.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { createLogger } from "../../shared/logger.ts";
import { JobQueue } from "../../shared/queue/job-queue.ts";
import { ModelResidencyBoard } from "../../shared/queue/model-residency-board.ts";
import { PrewarmWatcher } from "../../worker/queue/prewarm-watcher.ts";
import { ModelResidency } from "../../worker/residency/model-residency.ts";
import { InferenceClient } from "../../worker/thread/inference-client.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";

const logger = createLogger("error");
let connection: Redis;
let client: InferenceClient;
let prefix: string;

beforeAll(async () => {
  connection = new Redis(inject("redisUrl"));
  prefix = `t${randomBytes(6).toString("hex")}`;
  const [a, b] = await Promise.all([tinyModelDir(), tinyModelDir({ seed: 2 })]);
  client = await InferenceClient.start({
    models: [
      { name: "a", path: a },
      { name: "b", path: b },
    ],
    device: "cpu",
    dtype: "fp32",
    maxBatch: 4,
    maxKvTokens: 1024,
    prefillChunkTokens: 64,
    preload: [],
  });
});

afterAll(async () => {
  await client?.close();
  const keys = await connection.keys(`${prefix}:*`);
  if (keys.length > 0) await connection.del(...keys);
  connection.disconnect();
});

function setUp(memoryBudgetBytes: number | null) {
  const queue = new JobQueue({ connection, prefix });
  const board = new ModelResidencyBoard(connection, prefix, 5_000);
  const residency = new ModelResidency({
    models: [
      { name: "a", estimatedBytes: 1_000 },
      { name: "b", estimatedBytes: 1_000 },
    ],
    loader: client,
    keepAliveMs: -1,
    memoryBudgetBytes,
    logger,
  });
  const watcher = new PrewarmWatcher({ models: ["a", "b"], queue, board, residency, intervalMs: 60_000, logger });
  return { queue, board, residency, watcher };
}

const loadedModels = (residency: ModelResidency) => residency.snapshot().filter((s) => s.state !== "unloaded").map((s) => s.model);

describe("prewarm", () => {
  it("loads a model whose queue has jobs and that no worker has loaded; leaves the others alone", async () => {
    const { queue, board, residency, watcher } = setUp(null);
    const loaded = new Promise((resolve) => residency.events.onLoaded(resolve));
    await watcher.check();
    expect(loadedModels(residency)).toEqual([]);

    await queue.enqueue({ id: "job_prewarm_a", model: "a", priority: 5 });
    // Another worker already has b loaded: its queued jobs are no reason to load b here.
    await board.publish("other-worker", [{ model: "b", state: "loaded", residentBytes: 1, lastUsedAtMs: null, loadSeconds: 0.1 }]);
    await queue.enqueue({ id: "job_prewarm_b", model: "b", priority: 5 });
    await watcher.check();
    expect(await loaded).toMatchObject({ model: "a" });
    expect(loadedModels(residency)).toEqual(["a"]);
    residency.close();
    await client.unload("a");
    await queue.close();
  });

  it("does not unload anything to prewarm", async () => {
    const { queue, residency, watcher } = setUp(1_500);
    residency.load("b");
    await new Promise((resolve) => residency.events.onLoaded(resolve));
    await queue.enqueue({ id: "job_prewarm_a2", model: "a", priority: 5 });
    await watcher.check();
    await new Promise((r) => setTimeout(r, 200));
    expect(loadedModels(residency)).toEqual(["b"]);
    residency.close();
    await client.unload("b");
    await queue.close();
  });
});
