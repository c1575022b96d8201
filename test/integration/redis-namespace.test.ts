// Two deployments (different data dirs, no GENQ_QUEUE_PREFIX) on one Redis: each gets its own
// key prefix, every key genq writes carries it, and one deployment's worker never takes the
// other's jobs. A Redis of its own, so KEYS sees exactly what these two wrote.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { parseConfig } from "../../shared/config.ts";
import { createLogger } from "../../shared/logger.ts";
import { startWorker, type WorkerHandle } from "../../worker/worker-runtime.ts";
import { startRedisServer, type RedisServerHandle } from "../harness/redis-server.ts";
import { readSse } from "../harness/sse-client.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { startTestApi, type TestApi } from "../harness/test-api.ts";

let redis: RedisServerHandle;
let envA: TestEnv;
let envB: TestEnv;
let apiA: TestApi;
let apiB: TestApi;
let workerA: WorkerHandle;

beforeAll(async () => {
  redis = await startRedisServer();
  const shared = { REDIS_URL: redis.url, GENQ_QUEUE_PREFIX: "" };
  envA = await createTestEnv(shared);
  envB = await createTestEnv(shared);
  apiA = await startTestApi(envA.config);
  apiB = await startTestApi(envB.config);
  workerA = await startWorker(envA.config, createLogger("error"));
});
afterAll(async () => {
  await workerA?.close();
  await apiA?.close();
  await apiB?.close();
  await envA?.cleanup();
  await envB?.cleanup();
  await redis?.stop();
});

describe("Redis namespace per deployment", () => {
  it("derives a stable prefix from the data dir unless GENQ_QUEUE_PREFIX names one", () => {
    expect(envA.config.queuePrefix).toMatch(/^genq-[0-9a-f]{8}$/);
    expect(envB.config.queuePrefix).not.toBe(envA.config.queuePrefix);
    expect(parseConfig({ GENQ_DATA_DIR: `${envA.config.dataDir}/./` }).queuePrefix).toBe(envA.config.queuePrefix);
    expect(parseConfig({ GENQ_DATA_DIR: envA.config.dataDir, GENQ_QUEUE_PREFIX: "shared-1" }).queuePrefix).toBe("shared-1");
  });

  it("keeps each deployment's jobs and keys to itself", async () => {
    const waiting = (await (await apiB.post("/v1/jobs", { prompt: "B's job", max_tokens: 2 })).json()).id as string;
    const mine = (await (await apiA.post("/v1/jobs", { prompt: "A's job", max_tokens: 4 })).json()).id as string;
    const stream = readSse((await apiA.get(`/v1/jobs/${mine}/events`)) as unknown as Response);
    await stream.ended;
    expect((await apiA.waitFor(mine, (j) => j.status === "succeeded")).status).toBe("succeeded");
    // A's worker was idle and still left B's job alone.
    expect((await (await apiB.get(`/v1/jobs/${waiting}`)).json()).status).toBe("queued");

    const client = new Redis(redis.url);
    try {
      const keys = await client.keys("*");
      const a = keys.filter((k) => k.startsWith(`${envA.config.queuePrefix}:`));
      const b = keys.filter((k) => k.startsWith(`${envB.config.queuePrefix}:`));
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
      expect(keys.filter((k) => !a.includes(k) && !b.includes(k))).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});
