// Invariant 2 on real parts: Redis is replaced by an empty one (all BullMQ jobs gone) while jobs
// are queued; the reconciler finds the rows the queue no longer knows, re-enqueues them, and a
// worker then runs them to the end. No accepted job is lost.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLogger } from "../../shared/logger.ts";
import { Reconciler } from "../../shared/queue/reconciler.ts";
import { startWorker, type WorkerHandle } from "../../worker/worker-runtime.ts";
import { startRedisServer, type RedisServerHandle } from "../harness/redis-server.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { isTerminalJob, startTestApi, type TestApi } from "../harness/test-api.ts";

let redis: RedisServerHandle;
let env: TestEnv;
let api: TestApi;
let worker: WorkerHandle | undefined;

beforeAll(async () => {
  // Its own redis-server: this test replaces it, which the suite's shared one must not see.
  redis = await startRedisServer();
  env = await createTestEnv({ REDIS_URL: redis.url });
  api = await startTestApi(env.config);
});
afterAll(async () => {
  await worker?.close();
  await api?.close();
  await env?.cleanup();
  await redis?.stop();
});

it("re-enqueues jobs that Redis lost, and a worker then finishes them", async () => {
  const ids: string[] = [];
  for (const prompt of ["lost one", "lost two", "lost three"]) {
    const res = await api.post("/v1/jobs", { prompt, max_tokens: 4, temperature: 0, ignore_eos: true });
    expect(res.status).toBe(202);
    ids.push((await res.json()).id);
  }
  const { queue, store } = api.nodeDeps.services;
  for (const id of ids) expect(await queue.stateOf(id, "tiny")).not.toBe("unknown");

  // Redis restarts without persistence: the same address now answers with an empty database.
  const port = redis.port;
  await redis.stop();
  redis = await startRedisServer(port);
  await expect.poll(async () => await queue.stateOf(ids[0], "tiny").catch(() => "down"), { timeout: 15_000 }).toBe("unknown");
  for (const id of ids) expect(await queue.stateOf(id, "tiny")).toBe("unknown");

  const reconciler = new Reconciler({ jobs: store.jobs, queue, models: ["tiny"], logger: createLogger("silent") });
  // "Now" a minute later, so the fresh rows count as old enough to be checked.
  expect(await reconciler.reconcile(Date.now() + 60_000)).toEqual({ requeued: 3 });
  for (const id of ids) expect(await queue.stateOf(id, "tiny")).not.toBe("unknown");
  // A second pass finds nothing to do (re-adding is idempotent anyway: job id = row id).
  expect(await reconciler.reconcile(Date.now() + 60_000)).toEqual({ requeued: 0 });

  worker = await startWorker(env.config, createLogger("silent"));
  for (const id of ids) {
    const job = await api.waitFor(id, isTerminalJob);
    expect(job).toMatchObject({ status: "succeeded", usage: { completion_tokens: 4 } });
  }
});
