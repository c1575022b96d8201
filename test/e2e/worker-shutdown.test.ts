// Shutdown: on SIGTERM a worker stops taking jobs, gives running sequences GENQ_SHUTDOWN_GRACE_MS,
// then hands the rest back to the queue at once (rows `queued`, BullMQ `waiting`), so another
// worker resumes them without waiting for a lock to expire (the lock here is 10 minutes).
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { isTerminalJob, startTestApi, type TestApi } from "../harness/test-api.ts";
import { eventually } from "../harness/webhook-receiver.ts";
import { spawnWorkerProcess, type WorkerProcess } from "../harness/worker-process.ts";

const JOBS = 16;
const GRACE_MS = 1_000;

let env: TestEnv;
let api: TestApi;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  env = await createTestEnv({ GENQ_MAX_BATCH: String(JOBS), GENQ_SHUTDOWN_GRACE_MS: String(GRACE_MS), GENQ_JOB_LOCK_MS: "600000" });
  api = await startTestApi(env.config);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill("SIGKILL")));
  await api?.close();
  await env?.cleanup();
});

it("SIGTERM hands running jobs back within the grace period and a second worker finishes them", async () => {
  const ids: string[] = [];
  for (let i = 0; i < JOBS; i++) {
    const res = await api.post("/v1/jobs", { prompt: `shutdown ${i}`, max_tokens: 600, ignore_eos: true, temperature: 0 });
    ids.push((await res.json()).id);
  }
  const first = spawnWorkerProcess(env.env);
  workers.push(first);
  await first.ready;
  const store = api.nodeDeps.deps.store.jobs;
  const rows = async () => Promise.all(ids.map(async (id) => (await store.get(id))!));
  // Every job started by the engine (a run is counted when it starts).
  await eventually(async () => (await rows()).every((row) => row.engineRuns === 1), 60_000);

  const sentAt = Date.now();
  await first.kill("SIGTERM");
  const exitMs = Date.now() - sentAt;
  expect(first.child.exitCode).toBe(0);
  // Generous bound: grace + closing the thread, Redis and SQLite on a loaded 2-core machine.
  expect(exitMs).toBeLessThan(GRACE_MS + 10_000);

  // Handed back at once: queued rows (the shutdown run does not count), waiting BullMQ jobs.
  const queue = api.nodeDeps.services.queue;
  for (const id of ids) {
    expect(await store.get(id)).toMatchObject({ status: "queued", engineRuns: 0 });
    expect(["waiting", "prioritized"]).toContain(await queue.stateOf(id, "tiny"));
  }

  const second = spawnWorkerProcess(env.env);
  workers.push(second);
  await second.ready;
  const jobs = await Promise.all(ids.map((id) => api.waitFor(id, isTerminalJob, 120_000)));
  expect(jobs.map((j) => j.status)).toEqual(ids.map(() => "succeeded"));
  expect(jobs.every((j) => j.usage.completion_tokens === 600)).toBe(true);
  for (const row of await rows()) expect(row.engineRuns).toBe(1);
}, 180_000);
