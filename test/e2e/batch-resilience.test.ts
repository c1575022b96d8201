// A batch survives its API restarting mid-intake and its worker SIGKILLed mid-batch: the new API
// resumes from the persisted progress, stalled lines run again, and every line is in the output
// exactly once.
import { afterAll, beforeAll, expect, it } from "vitest";
import OpenAI, { toFile } from "openai";
import { startApi, type ApiHandle } from "../../api/node-api.ts";
import { createLogger } from "../../shared/logger.ts";
import { openStore } from "../../shared/store/open-store.ts";
import type { Store } from "../../shared/store/store.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { eventually } from "../harness/webhook-receiver.ts";
import { spawnWorkerProcess, type WorkerProcess } from "../harness/worker-process.ts";
import { batchFile, fileLines, waitForBatch } from "../harness/batch-files.ts";

const LINES = 600;
let env: TestEnv;
let inspect: Store;
const apis: ApiHandle[] = [];
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  env = await createTestEnv({ GENQ_JOB_LOCK_MS: "1000", GENQ_MAX_BATCH: "16" });
  inspect = await openStore(env.config);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill("SIGKILL")));
  for (const api of apis) await api.close().catch(() => {});
  await inspect?.close();
  await env?.cleanup();
});

const client = (api: ApiHandle) => new OpenAI({ baseURL: `${api.url}/v1`, apiKey: "unused", maxRetries: 0 });

it("an API restart mid-intake and a worker SIGKILL mid-batch lose no line", async () => {
  const first = await startApi(env.config, createLogger("error"));
  apis.push(first);
  const file = await client(first).files.create({ file: await toFile(Buffer.from(batchFile(LINES, { maxTokens: 2 })), "big.jsonl"), purpose: "batch" });
  const created = await client(first).batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" });
  // The API goes away as soon as the first chunk of lines is in: the rest of the intake is pending.
  await eventually(async () => ((await inspect.batches.get(created.id))!.linesEnqueued > 0 ? true : undefined), 30_000, "the first chunk");
  await first.close();
  const atRestart = (await inspect.batches.get(created.id))!;
  expect(atRestart.status).toBe("in_progress");
  expect(atRestart.linesEnqueued).toBeLessThan(LINES);

  // A worker takes lines meanwhile and is SIGKILLed while some run.
  const doomed = spawnWorkerProcess(env.env);
  workers.push(doomed);
  await doomed.ready;
  await eventually(async () => ((await inspect.batches.countLines(created.id)).byStatus.running ? true : undefined), 60_000, "running lines");
  await doomed.kill("SIGKILL");

  const second = await startApi(env.config, createLogger("error"));
  apis.push(second);
  const survivor = spawnWorkerProcess(env.env);
  workers.push(survivor);
  await survivor.ready;
  const batch = await waitForBatch(client(second), created.id, undefined, 300_000);
  expect(batch.status).toBe("completed");
  expect(batch.request_counts).toEqual({ total: LINES, completed: LINES, failed: 0 });
  const lines = await fileLines(client(second), batch.output_file_id!);
  const ids = lines.map((l) => l.custom_id as string);
  expect(new Set(ids).size).toBe(LINES);
  expect(ids.sort()).toEqual(Array.from({ length: LINES }, (_, i) => `req-${i}`).sort());
}, 420_000);
