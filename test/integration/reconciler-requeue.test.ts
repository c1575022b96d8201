// The queue's verdict never fails a row (invariant 7): a BullMQ job that ended `failed` (thrown
// errors used up its attempts) or `completed` without a result while its row is still active is
// enqueued again by the reconciler, and the row stays active.
import { UnrecoverableError, Worker } from "bullmq";
import { afterAll, beforeAll, expect, it } from "vitest";
import { queueNameFor } from "../../shared/jobs.ts";
import { createLogger } from "../../shared/logger.ts";
import { JobQueue } from "../../shared/queue/job-queue.ts";
import { Reconciler } from "../../shared/queue/reconciler.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { startTestApi, type TestApi } from "../harness/test-api.ts";
import { eventually } from "../harness/webhook-receiver.ts";

let env: TestEnv;
let api: TestApi;

beforeAll(async () => {
  env = await createTestEnv();
  api = await startTestApi(env.config);
});

afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

it("re-enqueues active rows whose BullMQ job failed or completed without a result", async () => {
  const failing = (await (await api.post("/v1/jobs", { prompt: "fails in the queue", max_tokens: 2 })).json()).id as string;
  const acked = (await (await api.post("/v1/jobs", { prompt: "acked without result", max_tokens: 2 })).json()).id as string;
  const connection = api.nodeDeps.services.connection;
  const prefix = env.config.queuePrefix;
  const consumerConnection = connection.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
  // A consumer that breaks: one job ends failed for good, the other completed, neither row written.
  const broken = new Worker(queueNameFor("tiny"), async (job) => {
    if (job.id === failing) throw new UnrecoverableError("sqlite exploded");
    return "lost result";
  }, { connection: consumerConnection, prefix, autorun: true });
  const queue = new JobQueue({ connection, prefix });
  await eventually(async () => (await queue.stateOf(failing, "tiny")) === "failed" && (await queue.stateOf(acked, "tiny")) === "completed", 20_000);
  await broken.close();
  consumerConnection.disconnect();

  const reconciler = new Reconciler({ jobs: api.nodeDeps.deps.store.jobs, queue, models: ["tiny"], logger: createLogger("error") });
  expect(await reconciler.reconcile(Date.now() + 60_000)).toEqual({ requeued: 2 });
  for (const id of [failing, acked]) {
    expect((await api.nodeDeps.deps.store.jobs.get(id))!.status).toBe("queued");
    expect(["waiting", "prioritized"]).toContain(await queue.stateOf(id, "tiny"));
  }
  await queue.close();
});
