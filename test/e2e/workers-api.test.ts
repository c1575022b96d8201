// The API on Cloudflare Workers, run by `wrangler dev --local` (workerd + local D1 with the
// SQLite migrations) against the suite's Redis, with a Node worker (GENQ_RESULT_SINK=http) that
// reports to it: a job submitted through the Workers API reads `succeeded` through it, and bad
// credentials and bad requests are answered as on Node.
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { writeModelCardBundle } from "../../shared/models/model-card-bundle.ts";
import { RESULTS_PATH } from "../../shared/result-sink/result-report.ts";
import { expectProblem } from "../harness/expect-problem.ts";
import type { JobJson, TestResponse } from "../harness/test-api.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";
import { startWranglerDev, type WranglerDev } from "../harness/wrangler-dev.ts";
import { spawnWorkerProcess, type WorkerProcess } from "../harness/worker-process.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ADMIN_KEY = "admin-key-0123456789abcdef";
const SINK_TOKEN = "sink-token-0123456789abcdef0123456789abcdef";
const prefix = `t${randomBytes(6).toString("hex")}`;

let dev: WranglerDev;
let worker: WorkerProcess;
let workerDataDir: string;
let key: string;

beforeAll(async () => {
  const redisUrl = inject("redisUrl");
  const modelDir = await tinyModelDir();
  // What `npm run workers:models` writes and wrangler.toml aliases as genq-model-bundle.
  writeModelCardBundle({ models: [{ name: "tiny", path: modelDir }], specialTokensInContent: [] }, join(ROOT, ".genq-workers", "model-bundle.json"));
  dev = await startWranglerDev({
    REDIS_URL: redisUrl,
    GENQ_QUEUE_PREFIX: prefix,
    GENQ_ADMIN_KEY: ADMIN_KEY,
    GENQ_RESULT_SINK_TOKEN: SINK_TOKEN,
    GENQ_LOG_LEVEL: "warn",
  });
  workerDataDir = mkdtempSync(join(tmpdir(), "genq-edge-worker-"));
  worker = spawnWorkerProcess({
    REDIS_URL: redisUrl,
    GENQ_QUEUE_PREFIX: prefix,
    GENQ_MODELS: `tiny=${modelDir}`,
    GENQ_DATA_DIR: workerDataDir,
    GENQ_MAX_BATCH: "4",
    GENQ_RESULT_SINK: "http",
    GENQ_RESULT_SINK_URL: dev.url,
    GENQ_RESULT_SINK_TOKEN: SINK_TOKEN,
  });
  await worker.ready;
}, 420_000);

afterAll(async () => {
  await worker?.kill("SIGTERM");
  await dev?.stop();
  if (workerDataDir) rmSync(workerDataDir, { recursive: true, force: true });
  const redis = new Redis(inject("redisUrl"));
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}, 60_000);

const call = (path: string, init: RequestInit = {}) => fetch(`${dev.url}${path}`, init) as Promise<TestResponse>;
const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

it("refuses requests without a valid key, and admin calls without the admin key", async () => {
  await expectProblem(await call("/v1/jobs", json({ prompt: "x" })), 401, "UNAUTHORIZED");
  await expectProblem(await call("/v1/jobs", json({ prompt: "x" }, { authorization: "Bearer gq_live_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" })), 401, "UNAUTHORIZED");
  await expectProblem(await call("/v1/admin/keys", json({ name: "x" }, { authorization: "Bearer not-the-admin-key-000" })), 401, "UNAUTHORIZED");
  await expectProblem(await call(RESULTS_PATH, json({ op: "hello" }, { authorization: "Bearer not-the-sink-token-0123456789abcdef01" })), 401, "UNAUTHORIZED");
  const created = await call("/v1/admin/keys", json({ name: "edge" }, { authorization: `Bearer ${ADMIN_KEY}` }));
  expect(created.status).toBe(201);
  key = (await created.json()).key as string;
}, 120_000);

it("answers a bad request with 400 and stores nothing", async () => {
  const auth = { authorization: `Bearer ${key}` };
  await expectProblem(await call("/v1/jobs", json({ prompt: 5 }, auth)), 400, "VALIDATION_FAILED");
  await expectProblem(await call("/v1/jobs", json({ prompt: "x", priority: 42 }, auth)), 400, "VALIDATION_FAILED");
  await expectProblem(await call("/v1/jobs", json({ prompt: "x", model: "nope" }, auth)), 400, "UNKNOWN_MODEL");
  expect((await (await call("/v1/jobs", { headers: auth })).json()).data).toEqual([]);
}, 120_000);

it("runs a submitted job to succeeded: Workers API + D1, Node worker reporting over HTTP", async () => {
  const auth = { authorization: `Bearer ${key}` };
  const submitted = await call("/v1/jobs", json({ prompt: "edge", max_tokens: 6, temperature: 0, ignore_eos: true }, { ...auth, "idempotency-key": "edge-1" }));
  expect(submitted.status).toBe(202);
  const { id } = await submitted.json();
  // The same Idempotency-Key: the same job (D1's admit batch), not a second one.
  expect((await (await call("/v1/jobs", json({ prompt: "edge", max_tokens: 6, temperature: 0, ignore_eos: true }, { ...auth, "idempotency-key": "edge-1" }))).json()).id).toBe(id);
  let job: JobJson = {};
  const deadline = Date.now() + 120_000;
  // ?wait polls D1 on Workers; it still answers as soon as the job is terminal.
  while (job.status !== "succeeded" && Date.now() < deadline) job = await (await call(`/v1/jobs/${id}?wait=5`, { headers: auth })).json();
  expect(job).toMatchObject({ id, status: "succeeded", usage: { completion_tokens: 6 }, error: null });
  expect(job.output.text.length).toBeGreaterThan(0);
  expect(job.started_at).not.toBeNull();
  // SSE replays the finished job from its Redis stream: deltas, then the terminal status.
  const events = await (await call(`/v1/jobs/${id}/events`, { headers: auth })).text();
  const statuses = [...events.matchAll(/"status":"(\w+)"/g)].map((m) => m[1]);
  expect(statuses.at(-1)).toBe("succeeded");
  expect(events).toContain("event: delta");
  const listed = await (await call("/v1/jobs", { headers: auth })).json();
  expect(listed.data.map((j: JobJson) => j.id)).toEqual([id]);
}, 180_000);

it("the cron trigger runs the sweepers: a job nobody starts expires on its queue deadline", async () => {
  const auth = { authorization: `Bearer ${key}` };
  await worker.kill("SIGTERM");
  const { id } = await (await call("/v1/jobs", json({ prompt: "nobody", max_tokens: 2, max_queue_seconds: 1 }, auth))).json();
  await new Promise((r) => setTimeout(r, 1_500));
  // wrangler dev's manual trigger of the `scheduled` handler (wrangler.toml: crons).
  expect((await call("/cdn-cgi/handler/scheduled")).status).toBe(200);
  let job: JobJson = {};
  const deadline = Date.now() + 30_000;
  while (job.status !== "expired" && Date.now() < deadline) job = await (await call(`/v1/jobs/${id}?wait=2`, { headers: auth })).json();
  expect(job).toMatchObject({ status: "expired", error: { code: "QUEUE_TIMEOUT" } });
}, 120_000);
