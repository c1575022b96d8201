// Two models under a memory budget that fits one: jobs for both all succeed, the models take turns
// (never both resident), and a reloaded model answers exactly as before. A real worker process
// serving a subset (GENQ_WORKER_MODELS) loads only its model, reported in GET /v1/models.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelCard } from "../../shared/models/model-card.ts";
import { estimateResidentBytes } from "../../worker/model/model-footprint.ts";
import type { ModelLoadedEvent, ModelUnloadedEvent } from "../../worker/residency/residency-events.ts";
import { waitForModel } from "../harness/model-states.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { isTerminalJob, startTestApi, type JobJson, type TestApi } from "../harness/test-api.ts";
import { startTestStack, type TestStack } from "../harness/test-stack.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";
import { spawnWorkerProcess, type WorkerProcess } from "../harness/worker-process.ts";

const KV_TOKENS = 4096;
let dirA: string;
let dirB: string;

beforeAll(async () => {
  [dirA, dirB] = await Promise.all([tinyModelDir(), tinyModelDir({ seed: 2 })]);
});

async function submit(api: TestApi, model: string): Promise<string> {
  const res = await api.post("/v1/jobs", { model, prompt: "Hello there", max_tokens: 6, temperature: 0, ignore_eos: true });
  expect(res.status).toBe(202);
  return (await res.json()).id;
}

describe("memory budget", () => {
  let stack: TestStack;
  const loads: ModelLoadedEvent[] = [];
  const unloads: ModelUnloadedEvent[] = [];
  const resident = new Set<string>();
  const overlaps: string[] = [];

  beforeAll(async () => {
    const footprint = estimateResidentBytes(dirA, "fp32", loadModelCard("a", dirA).config, KV_TOKENS);
    stack = await startTestStack({
      GENQ_MODELS: `a=${dirA},b=${dirB}`,
      GENQ_MAX_KV_TOKENS: String(KV_TOKENS),
      GENQ_PREFIX_CACHE_TOKENS: "0",
      GENQ_MODEL_MEMORY_BUDGET: String(Math.floor(footprint * 1.5)),
      // Only the budget unloads here.
      GENQ_MODEL_KEEP_ALIVE: "-1",
    });
    const events = stack.worker.residency.events;
    events.onLoaded((e) => {
      if (resident.size > 0) overlaps.push(`${e.model} loaded while ${[...resident].join(", ")} resident`);
      resident.add(e.model);
      loads.push(e);
    });
    events.onUnloaded((e) => {
      resident.delete(e.model);
      unloads.push(e);
    });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it("alternates two models that do not fit together: every job succeeds, never both resident", async () => {
    const texts: Record<string, Set<string>> = { a: new Set(), b: new Set() };
    for (const round of [4, 2]) {
      const ids: Array<[string, string]> = [];
      for (let i = 0; i < round; i++) for (const model of ["a", "b"]) ids.push([model, await submit(stack.api, model)]);
      for (const [model, id] of ids) {
        const done: JobJson = await stack.api.waitFor(id, isTerminalJob, 60_000);
        expect(done.status, `${model} ${id}`).toBe("succeeded");
        texts[model].add(done.output.text);
      }
    }
    expect(overlaps).toEqual([]);
    expect(new Set(loads.map((e) => e.model))).toEqual(new Set(["a", "b"]));
    // Round 2 needed the model round 1 ended without: at least one reload.
    expect(loads.length).toBeGreaterThanOrEqual(3);
    expect(unloads.length).toBeGreaterThanOrEqual(2);
    expect(unloads.every((e) => e.reason === "memory budget")).toBe(true);
    // Greedy decoding: a reloaded model answers exactly as it did before.
    expect(texts.a.size).toBe(1);
    expect(texts.b.size).toBe(1);
    const states = await Promise.all(["a", "b"].map((m) => waitForModel(stack.api, m, () => true)));
    expect(states.filter((m) => m.state === "loaded")).toHaveLength(1);
  });
});

describe("a worker process serving a subset of the models", () => {
  let env: TestEnv;
  let api: TestApi;
  let worker: WorkerProcess;

  beforeAll(async () => {
    env = await createTestEnv({ GENQ_MODELS: `a=${dirA},b=${dirB}`, GENQ_WORKER_MODELS: "b", GENQ_MODEL_KEEP_ALIVE: "300ms" });
    api = await startTestApi(env.config);
    worker = spawnWorkerProcess(env.env);
    await worker.ready;
  });

  afterAll(async () => {
    await worker?.kill("SIGTERM");
    await api?.close();
    await env?.cleanup();
  });

  it("loads only its model on demand, reports it with the worker's id, and unloads it when idle", async () => {
    const b = await waitForModel(api, "b", (m) => m.state === "unloaded");
    expect(b.workers).toEqual([]);
    const done = await api.waitFor(await submit(api, "b"), isTerminalJob, 60_000);
    expect(done.status).toBe("succeeded");
    const seenLoaded = await waitForModel(api, "b", (m) => m.load_seconds !== null);
    expect(seenLoaded.load_seconds).toBeGreaterThan(0);
    expect(seenLoaded.last_used_at).toBeGreaterThan(0);
    await waitForModel(api, "b", (m) => m.state === "unloaded" && m.resident_bytes === 0);
    const a = await waitForModel(api, "a", () => true);
    expect(a).toMatchObject({ state: "unloaded", workers: [], load_seconds: null, last_used_at: null });
  });
});
