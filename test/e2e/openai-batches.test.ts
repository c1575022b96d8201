// Files and Batches with the official `openai` client against a running genq (real HTTP server,
// Redis, worker, tiny model): a 200-line batch end to end, a malformed file, cancel mid-batch,
// tenant isolation, and the batch webhook verified with `standardwebhooks`.
import { afterAll, beforeAll, expect, it } from "vitest";
import OpenAI, { toFile } from "openai";
import { Webhook } from "standardwebhooks";
import { startApi, type ApiHandle } from "../../api/node-api.ts";
import { issueApiKey } from "../../shared/auth/api-keys.ts";
import { createLogger } from "../../shared/logger.ts";
import { startWorker, type WorkerHandle } from "../../worker/worker-runtime.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";
import { eventually, startWebhookReceiver, type WebhookReceiver } from "../harness/webhook-receiver.ts";
import { batchFile, batchLine, fileLines, waitForBatch, type ResultLine } from "../harness/batch-files.ts";

let env: TestEnv;
let api: ApiHandle;
let worker: WorkerHandle;
let receiver: WebhookReceiver;
let alice: OpenAI;
let bob: OpenAI;
let aliceKey: string;

beforeAll(async () => {
  const tiny = await tinyModelDir();
  env = await createTestEnv({ GENQ_MODELS: `tiny=${tiny},tiny2=${tiny}`, GENQ_MAX_BATCH: "32", GENQ_WEBHOOK_ALLOW_HOSTS: "127.0.0.1" });
  api = await startApi(env.config, createLogger("error"));
  worker = await startWorker(env.config, createLogger("error"));
  receiver = await startWebhookReceiver();
  aliceKey = (await issueApiKey(api.deps.store.apiKeys, { name: "alice" })).key;
  const bobKey = (await issueApiKey(api.deps.store.apiKeys, { name: "bob" })).key;
  alice = new OpenAI({ baseURL: `${api.url}/v1`, apiKey: aliceKey, maxRetries: 0 });
  bob = new OpenAI({ baseURL: `${api.url}/v1`, apiKey: bobKey, maxRetries: 0 });
});

afterAll(async () => {
  await worker?.close();
  await api?.close();
  await receiver?.close();
  await env?.cleanup();
});

it("a 200-line batch: every custom_id once in the output, with a body the client parses", async () => {
  const file = await alice.files.create({ file: await toFile(Buffer.from(batchFile(200)), "docs.jsonl"), purpose: "batch" });
  expect(file).toMatchObject({ object: "file", purpose: "batch", filename: "docs.jsonl" });
  const created = await alice.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h", metadata: { run: "e2e" } });
  expect(created.status).toBe("validating");
  const batch = await waitForBatch(alice, created.id);
  expect(batch.status).toBe("completed");
  expect(batch.request_counts).toEqual({ total: 200, completed: 200, failed: 0 });
  expect(batch.metadata).toEqual({ run: "e2e" });
  for (const at of ["in_progress_at", "finalizing_at", "completed_at"] as const) expect(batch[at]).toBeGreaterThan(0);
  expect(batch.error_file_id).toBeNull();
  const lines = await fileLines(alice, batch.output_file_id!);
  expect(lines.map((l) => l.custom_id).sort()).toEqual(Array.from({ length: 200 }, (_, i) => `req-${i}`).sort());
  for (const line of lines) {
    expect(line.error).toBeNull();
    expect(line.response.status_code).toBe(200);
    const body = line.response.body as OpenAI.Chat.Completions.ChatCompletion;
    expect(body.object).toBe("chat.completion");
    expect(typeof body.choices[0].message.content).toBe("string");
    expect(body.usage!.completion_tokens).toBeGreaterThan(0);
  }
  // The request id is the line's job: the same text through /v1/jobs.
  const sample = lines[17];
  const job = await (await fetch(`${api.url}/v1/jobs/${sample.response.request_id}`, { headers: { authorization: `Bearer ${aliceKey}` } })).json() as ResultLine;
  expect(job.output.text).toBe(sample.response.body.choices[0].message.content);
  expect(job.priority).toBe(8);
  // Listed, and the output file is a file like any other.
  expect((await alice.batches.list()).data.map((b) => b.id)).toContain(batch.id);
  expect((await alice.files.retrieve(batch.output_file_id!)).purpose).toBe("batch_output");
}, 120_000);

it("a malformed file gives a failed batch whose errors name each line", async () => {
  const lines = [
    batchLine("a", "fine"),
    "{not json",
    batchLine("a", "duplicate id"),
    batchLine("c", "wrong url", { url: "/v1/completions" }),
    batchLine("d", "other model", { model: "tiny2" }),
    batchLine("e", "unknown model", { model: "nope" }),
  ];
  const file = await alice.files.create({ file: await toFile(Buffer.from(lines.join("\n")), "bad.jsonl"), purpose: "batch" });
  const created = await alice.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" });
  const batch = await waitForBatch(alice, created.id);
  expect(batch.status).toBe("failed");
  expect(batch.failed_at).toBeGreaterThan(0);
  expect(batch.errors!.data!.map((e) => [e.line, e.code])).toEqual([
    [2, "invalid_json_line"],
    [3, "duplicate_custom_id"],
    [4, "invalid_url"],
    [5, "mismatched_model"],
    [6, "model_not_found"],
  ]);
  expect(batch.errors!.data![2].param).toBe("url");
  // Nothing of it was queued.
  expect(batch.request_counts).toEqual({ total: 0, completed: 0, failed: 0 });
}, 60_000);

it("cancel mid-batch: queued lines stop at once, counts add up, every line is accounted for", async () => {
  const file = await alice.files.create({ file: await toFile(Buffer.from(batchFile(300, { maxTokens: 48, ignoreEos: true })), "long.jsonl"), purpose: "batch" });
  const created = await alice.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" });
  await waitForBatch(alice, created.id, (b) => b.request_counts!.completed > 0);
  const cancelling = await alice.batches.cancel(created.id);
  expect(["cancelling", "cancelled"]).toContain(cancelling.status);
  const batch = await waitForBatch(alice, created.id);
  expect(batch.status).toBe("cancelled");
  const { total, completed, failed } = batch.request_counts!;
  expect(total).toBe(300);
  expect(completed + failed).toBe(300);
  expect(completed).toBeGreaterThan(0);
  expect(failed).toBeGreaterThan(0);
  const output = batch.output_file_id ? await fileLines(alice, batch.output_file_id) : [];
  const errors = await fileLines(alice, batch.error_file_id!);
  expect(output.length).toBe(completed);
  expect(errors.length).toBe(failed);
  expect([...output, ...errors].map((l) => l.custom_id).sort()).toEqual(Array.from({ length: 300 }, (_, i) => `req-${i}`).sort());
  expect(errors.every((l) => l.error?.code === "batch_cancelled")).toBe(true);
  expect(batch.cancelled_at).toBeGreaterThan(0);
}, 120_000);

it("another tenant gets 404 on files and batches", async () => {
  const file = await alice.files.create({ file: await toFile(Buffer.from(batchFile(2)), "mine.jsonl"), purpose: "batch" });
  const batch = await alice.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" });
  await expect(bob.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
  await expect(bob.files.content(file.id)).rejects.toMatchObject({ status: 404 });
  await expect(bob.files.delete(file.id)).rejects.toMatchObject({ status: 404 });
  await expect(bob.batches.retrieve(batch.id)).rejects.toMatchObject({ status: 404 });
  await expect(bob.batches.cancel(batch.id)).rejects.toMatchObject({ status: 404 });
  await expect(bob.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" })).rejects.toMatchObject({ status: 404 });
  expect((await bob.files.list()).data).toEqual([]);
  expect((await bob.batches.list()).data).toEqual([]);
  expect((await alice.files.retrieve(file.id)).id).toBe(file.id);
}, 60_000);

it("batch.completed arrives as a Standard Webhook signed with the tenant's secret", async () => {
  const secret = ((await (await fetch(`${api.url}/v1/webhooks/secret`, { headers: { authorization: `Bearer ${aliceKey}` } })).json()) as ResultLine).secret as string;
  const file = await alice.files.create({ file: await toFile(Buffer.from(batchFile(5)), "hook.jsonl"), purpose: "batch" });
  const params = { input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h", webhook: { url: `${receiver.url}/batches` } };
  const created = await alice.batches.create(params as OpenAI.Batches.BatchCreateParams);
  const [request] = await eventually(() => (receiver.on("/batches").length > 0 ? receiver.on("/batches") : undefined), 60_000, "the batch webhook");
  const event = new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as { type: string; data: { id: string; status: string } };
  expect(event.type).toBe("batch.completed");
  expect(event.data).toMatchObject({ id: created.id, status: "completed" });
  expect(request.headers["webhook-id"]).toBe(`msg_${created.id}_completed`);
}, 60_000);
