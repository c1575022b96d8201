// The completion window (GENQ_BATCH_WINDOW, shortened here): what is left when it ends expires —
// queued lines by their queue deadline, running ones stopped at their next token — and the batch
// ends `expired` with every unfinished line in the error file as batch_expired.
import { afterAll, beforeAll, expect, it } from "vitest";
import OpenAI, { toFile } from "openai";
import { startApi, type ApiHandle } from "../../api/node-api.ts";
import { createLogger } from "../../shared/logger.ts";
import { startWorker, type WorkerHandle } from "../../worker/worker-runtime.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { batchFile, fileLines, waitForBatch } from "../harness/batch-files.ts";

let env: TestEnv;
let api: ApiHandle;
let worker: WorkerHandle;

beforeAll(async () => {
  env = await createTestEnv({ GENQ_BATCH_WINDOW: "5s" });
  api = await startApi(env.config, createLogger("error"));
  worker = await startWorker(env.config, createLogger("error"));
});

afterAll(async () => {
  await worker?.close();
  await api?.close();
  await env?.cleanup();
});

it("a batch past its window ends expired, the unfinished lines reported as batch_expired", async () => {
  const client = new OpenAI({ baseURL: `${api.url}/v1`, apiKey: "unused", maxRetries: 0 });
  const file = await client.files.create({ file: await toFile(Buffer.from(batchFile(400, { maxTokens: 64, ignoreEos: true })), "slow.jsonl"), purpose: "batch" });
  const created = await client.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" });
  expect(created.expires_at! - created.created_at).toBe(5);
  const batch = await waitForBatch(client, created.id, undefined, 90_000);
  expect(batch.status).toBe("expired");
  expect(batch.expired_at).toBeGreaterThanOrEqual(created.expires_at!);
  const { total, completed, failed } = batch.request_counts!;
  expect(total).toBe(400);
  expect(completed + failed).toBe(400);
  expect(failed).toBeGreaterThan(0);
  const errors = await fileLines(client, batch.error_file_id!);
  expect(errors).toHaveLength(failed);
  expect(new Set(errors.map((l) => l.error?.code))).toEqual(new Set(["batch_expired"]));
  const output = batch.output_file_id ? await fileLines(client, batch.output_file_id) : [];
  expect(new Set([...output, ...errors].map((l) => l.custom_id)).size).toBe(400);
}, 120_000);
