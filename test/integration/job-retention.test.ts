// Retention: terminal jobs that finished more than GENQ_JOB_RETENTION ago are deleted, in batches,
// with their webhook deliveries, attempts and Redis event stream; a deleted job answers 404.
// Active and recent jobs stay. /metrics counts only active rows, through an index.
import { afterAll, beforeAll, expect, it } from "vitest";
import { jobStreamKey } from "../../shared/streams/job-stream-publisher.ts";
import { createLogger } from "../../shared/logger.ts";
import { RetentionSweep } from "../../shared/retention-sweep.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { startTestApi, type TestApi } from "../harness/test-api.ts";
import { expectProblem } from "../harness/expect-problem.ts";
import { openDatabase } from "../../shared/store/sqlite/sqlite-database.ts";

const DAY_MS = 86_400_000;

let env: TestEnv;
let api: TestApi;

beforeAll(async () => {
  env = await createTestEnv({ GENQ_JOB_RETENTION: "7d" });
  api = await startTestApi(env.config);
});

afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

it("deletes expired terminal jobs with their deliveries and streams; keeps active and recent ones", async () => {
  const nowMs = Date.now();
  const submit = async (i: number) => (await (await api.post("/v1/jobs", { prompt: `keep or not ${i}`, max_tokens: 2 })).json()).id as string;
  const ids = await Promise.all([0, 1, 2, 3, 4, 5].map(submit));
  const [old1, old2, old3, recent, stillQueued, oldCanceled] = ids;
  const store = api.nodeDeps.deps.store.jobs;
  const longAgo = nowMs - 8 * DAY_MS;
  for (const id of [old1, old2, old3]) await store.fail(id, "ENGINE_ERROR", "long ago", longAgo);
  await store.cancelQueued(oldCanceled, longAgo);
  await store.fail(recent, "ENGINE_ERROR", "yesterday", nowMs - DAY_MS);

  const deliveries = api.nodeDeps.deps.store.webhookDeliveries;
  for (const id of [old1, recent]) {
    await deliveries.insertIfAbsent({
      id: `msg_${id}_job.failed`,
      jobId: id,
      event: "job.failed",
      url: "https://example.com/hook",
      payload: "{}",
      status: "pending",
      queueJobId: `d_${id}`,
      createdAt: longAgo,
      updatedAt: longAgo,
    });
    expect(await deliveries.beginAttempt(`msg_${id}_job.failed`, longAgo)).toBeDefined();
  }
  const redis = api.nodeDeps.services.connection;
  await redis.xadd(jobStreamKey(env.config.queuePrefix, old2), "*", "type", "status", "data", "{}");

  const sweep = new RetentionSweep({
    jobs: store,
    connection: redis,
    prefix: env.config.queuePrefix,
    retentionMs: env.config.reliability.jobRetentionMs,
    logger: createLogger("error"),
    batchSize: 2,
  });
  expect(await sweep.sweep(nowMs)).toBe(4);
  expect(await sweep.sweep(nowMs)).toBe(0);

  for (const id of [old1, old2, old3, oldCanceled]) {
    expect(await store.get(id)).toBeUndefined();
    await expectProblem(await api.get(`/v1/jobs/${id}`), 404, "JOB_NOT_FOUND");
  }
  expect(await deliveries.listForJob(old1)).toEqual([]);
  expect(await redis.exists(jobStreamKey(env.config.queuePrefix, old2))).toBe(0);
  expect((await (await api.get(`/v1/jobs/${recent}`)).json()).status).toBe("failed");
  expect((await deliveries.listForJob(recent))[0].log).toHaveLength(1);
  expect((await (await api.get(`/v1/jobs/${stillQueued}`)).json()).status).toBe("queued");
});

it("/metrics counts active jobs through the status index, not the whole table", async () => {
  const text = await (await api.get("/metrics")).text();
  expect(text).toMatch(/^genq_jobs\{status="queued"\} \d+$/m);
  expect(text).toMatch(/^genq_jobs\{status="running"\} \d+$/m);
  expect(text).not.toMatch(/genq_jobs\{status="(succeeded|failed|canceled|expired)"\}/);
  const db = openDatabase(env.config.databasePath);
  const plan = db.$client
    .prepare("EXPLAIN QUERY PLAN SELECT status, count(*) FROM jobs WHERE status IN ('queued', 'running') GROUP BY status")
    .all() as Array<{ detail: string }>;
  // Any covering index led by status will do (jobs_status_idx, or the deadline index that also starts
  // with status); what matters is a SEARCH, never a SCAN of the whole table.
  const detail = plan.map((p) => p.detail).join(" ");
  expect(detail).toMatch(/SEARCH jobs USING COVERING INDEX jobs_\w+_idx \(status=\?\)/);
  expect(detail).not.toMatch(/SCAN jobs/);
  db.$client.close();
});
