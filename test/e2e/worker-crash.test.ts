// Invariant 7: a worker's crash never fails a job. Workers SIGKILLed again and again while holding
// a full batch stall the same jobs more often than BullMQ's stall limit, yet every job succeeds;
// the row counts only engine runs, not stalls.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { isTerminalJob, startTestApi, type TestApi } from "../harness/test-api.ts";
import { eventually } from "../harness/webhook-receiver.ts";
import { spawnWorkerProcess, type WorkerProcess } from "../harness/worker-process.ts";

const JOBS = 8;
const KILLS = 4;

let env: TestEnv;
let api: TestApi;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  // Crashed runs are allowed up to 10 here so that the same jobs can be in flight at every kill.
  env = await createTestEnv({ GENQ_JOB_LOCK_MS: "1000", GENQ_MAX_BATCH: String(JOBS), GENQ_MAX_JOB_RUNS: "10" });
  api = await startTestApi(env.config);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill("SIGKILL")));
  await api?.close();
  await env?.cleanup();
});

it("jobs held by workers SIGKILLed more often than the stall limit all succeed", async () => {
  const ids: string[] = [];
  for (let i = 0; i < JOBS; i++) {
    const res = await api.post("/v1/jobs", { prompt: `crash loop ${i}`, max_tokens: 400, ignore_eos: true, temperature: 0 });
    ids.push((await res.json()).id);
  }
  const store = api.nodeDeps.deps.store.jobs;
  const rows = async () => Promise.all(ids.map(async (id) => (await store.get(id))!));
  for (let kill = 1; kill <= KILLS; kill++) {
    const worker = spawnWorkerProcess(env.env);
    workers.push(worker);
    await worker.ready;
    // Kill only once this worker holds every job (all rows running again after the last stall).
    await eventually(async () => (await rows()).every((row) => row.status === "running" && row.attempts >= kill), 60_000);
    await worker.kill("SIGKILL");
  }
  const last = spawnWorkerProcess(env.env);
  workers.push(last);
  await last.ready;
  const jobs = await Promise.all(ids.map((id) => api.waitFor(id, isTerminalJob, 120_000)));
  expect(jobs.map((j) => j.status)).toEqual(ids.map(() => "succeeded"));
  expect(jobs.every((j) => j.usage.completion_tokens === 400)).toBe(true);
  // Each job was taken by every killed worker (more stalls than BullMQ's old limit of 3).
  for (const id of ids) {
    const row = (await store.get(id))!;
    expect(row.attempts).toBeGreaterThanOrEqual(KILLS + 1);
    expect(row.engineRuns).toBeLessThanOrEqual(KILLS + 1);
  }
}, 180_000);
