// Invariant 3: a worker may die at any point. A worker SIGKILLed mid-job leaves a job that
// another worker finishes through BullMQ stalled-job recovery.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { isTerminalJob, startTestApi, type TestApi } from "../harness/test-api.ts";
import { spawnWorkerProcess, type WorkerProcess } from "../harness/worker-process.ts";

let env: TestEnv;
let api: TestApi;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  env = await createTestEnv({ GENQ_JOB_LOCK_MS: "2000", GENQ_MAX_BATCH: "2" });
  api = await startTestApi(env.config);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill("SIGTERM")));
  await api?.close();
  await env?.cleanup();
});

it("a job whose worker is killed with SIGKILL is finished by another worker", async () => {
  const first = spawnWorkerProcess(env.env);
  workers.push(first);
  await first.ready;
  const id = (await (await api.post("/v1/jobs", { prompt: "crash", max_tokens: 2000, ignore_eos: true, temperature: 0 })).json()).id;
  await api.waitFor(id, (job) => job.status === "running");
  await first.kill("SIGKILL");

  const second = spawnWorkerProcess(env.env);
  workers.push(second);
  await second.ready;
  const job = await api.waitFor(id, isTerminalJob, 60_000);
  expect(job.status).toBe("succeeded");
  expect(job.usage.completion_tokens).toBe(2000);
  expect((await api.nodeDeps.deps.store.jobs.get(id))!.attempts).toBeGreaterThanOrEqual(2);
}, 90_000);
