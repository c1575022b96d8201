// Poison jobs: a job that itself breaks the engine fails with POISON_JOB after GENQ_MAX_JOB_RUNS
// engine runs (the last one alone), while the jobs that shared its crashing batches succeed.
// The trigger is genuine: a model whose config.json overstates max_position_embeddings (2048 in
// the graph's RoPE table, 4096 in the config) passes validation, and its decode pass fails in
// onnxruntime (Gather out of bounds) once a sequence crosses position 2048.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ModelCard } from "../../shared/models/model-card.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { isTerminalJob, startTestApi, type TestApi } from "../harness/test-api.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";
import { spawnWorkerProcess, type WorkerProcess } from "../harness/worker-process.ts";

let modelDir: string;
let env: TestEnv;
let api: TestApi;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  modelDir = mkdtempSync(join(tmpdir(), "genq-overstated-"));
  cpSync(await tinyModelDir(), modelDir, { recursive: true });
  const configPath = join(modelDir, "config.json");
  const config = JSON.parse(readFileSync(configPath, "utf8")) as Record<string, unknown>;
  writeFileSync(configPath, JSON.stringify({ ...config, max_position_embeddings: 4096 }));
  env = await createTestEnv({ GENQ_MODELS: `tiny=${modelDir}`, GENQ_MAX_BATCH: "8", GENQ_MAX_JOB_RUNS: "3" });
  api = await startTestApi(env.config);
});

afterAll(async () => {
  await worker?.kill("SIGKILL");
  await api?.close();
  await env?.cleanup();
  rmSync(modelDir, { recursive: true, force: true });
});

it("a job that breaks the engine fails as POISON_JOB after 3 runs; its batch mates succeed", async () => {
  const card = api.nodeDeps.deps.models.get("tiny")!;
  const submit = async (prompt: string, maxTokens: number) =>
    (await (await api.post("/v1/jobs", { prompt, max_tokens: maxTokens, ignore_eos: true, temperature: 0 })).json()).id as string;
  // Innocent long-running jobs first, then the poison job: its decode crosses position 2048.
  const innocents = [];
  for (let i = 0; i < 4; i++) innocents.push(await submit(promptOfTokens(card, 1000 + 50 * i, `mate ${i} `), 200));
  const poison = await submit(promptOfTokens(card, 2040, "poison "), 40);
  worker = spawnWorkerProcess(env.env);
  await worker.ready;

  const failed = await api.waitFor(poison, isTerminalJob, 120_000);
  expect(failed.status).toBe("failed");
  expect(failed.error.code).toBe("POISON_JOB");
  const store = api.nodeDeps.deps.store.jobs;
  expect((await store.get(poison))!.engineRuns).toBe(3);
  const mates = await Promise.all(innocents.map((id) => api.waitFor(id, isTerminalJob, 120_000)));
  expect(mates.map((j) => j.status)).toEqual(innocents.map(() => "succeeded"));
  expect(mates.every((j) => j.usage.completion_tokens === 200)).toBe(true);
  // Innocents may share crashing runs, but a job at its last run runs alone, so they succeed.
  for (const id of innocents) expect((await store.get(id))!.engineRuns).toBeLessThanOrEqual(3);
}, 180_000);

/** The shortest prefix of a deterministic text that tokenizes to at least `tokens` ids. */
function promptOfTokens(card: ModelCard, tokens: number, seed: string): string {
  let text = seed;
  while (card.promptIds({ prompt: text }).length < tokens) text += `${text.length % 97} ${seed}`;
  let low = 1;
  let high = text.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (card.promptIds({ prompt: text.slice(0, mid) }).length >= tokens) high = mid;
    else low = mid + 1;
  }
  return text.slice(0, low);
}
