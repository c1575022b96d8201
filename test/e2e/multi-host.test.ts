// Many hosts, simulated: 2 API and 3 worker processes, each with its own GENQ_DATA_DIR (no shared
// disk), one Redis and one PostgreSQL database (GENQ_DATABASE_URL). Jobs submitted on one API are
// read, long-polled, streamed and canceled on the other; cancels reach the worker running the job;
// webhooks arrive once, signed with the secret either API shows; the tenant cap holds across APIs;
// a worker SIGKILLed mid-job loses nothing. All five start at once on an empty database.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventSource } from "eventsource";
import { Redis } from "ioredis";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, expect, it } from "vitest";
import { inject } from "vitest";
import { freePort } from "../../scripts/redis-server-process.ts";
import { parseConfig } from "../../shared/config.ts";
import { openPostgresStore } from "../../shared/store/postgres/postgres-store.ts";
import type { Store } from "../../shared/store/store.ts";
import { spawnGenqProcess, type GenqProcess } from "../../scripts/genq-process.ts";
import { createTestDatabase, type TestDatabase } from "../harness/postgres-database.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";
import { eventually, startWebhookReceiver, type WebhookReceiver } from "../harness/webhook-receiver.ts";
import { spawnWorkerProcess } from "../harness/worker-process.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const CAP = 6;
/** Long enough to be caught running on a loaded machine; the tiny model's context is 2048. */
const LONG = { max_tokens: 1900, ignore_eos: true, temperature: 0 };

let database: TestDatabase;
let receiver: WebhookReceiver;
let store: Store;
let common: Record<string, string>;
const dirs: string[] = [];
const apis: Array<{ url: string; process: GenqProcess }> = [];
const workers: GenqProcess[] = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "genq-host-"));
  dirs.push(dir);
  return dir;
}

async function call(api: number, path: string, init: RequestInit = {}): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${apis[api].url}${path}`, { ...init, headers: { "content-type": "application/json", ...init.headers } });
  return { status: response.status, body: (await response.json()) as Json };
}

const submit = (api: number, body: Json) => call(api, "/v1/jobs", { method: "POST", body: JSON.stringify({ prompt: "many hosts", ...body }) });
const read = async (api: number, id: string) => (await call(api, `/v1/jobs/${id}`)).body;

beforeAll(async () => {
  database = await createTestDatabase();
  receiver = await startWebhookReceiver();
  common = {
    REDIS_URL: inject("redisUrl"),
    GENQ_DATABASE_URL: database.url,
    GENQ_MODELS: `tiny=${await tinyModelDir()}`,
    // Capacity 2 per worker (no lookahead): 5 running jobs occupy all three workers.
    GENQ_MAX_BATCH: "2",
    GENQ_ADMISSION_LOOKAHEAD: "0",
    GENQ_MAX_ACTIVE_JOBS_PER_TENANT: String(CAP),
    GENQ_RATE_LIMIT_PER_SECOND: "0",
    GENQ_WEBHOOK_ALLOW_HOSTS: "127.0.0.1",
    GENQ_JOB_LOCK_MS: "2000",
  };
  // GENQ_QUEUE_PREFIX is left unset: every host derives the same one from the database.
  const ports = [await freePort(), await freePort()];
  for (const port of ports) {
    const process = spawnGenqProcess("api/node.ts", '"api listening"', { ...common, GENQ_DATA_DIR: dataDir(), GENQ_PORT: String(port) });
    apis.push({ url: `http://127.0.0.1:${port}`, process });
  }
  for (let i = 0; i < 3; i++) workers.push(spawnWorkerProcess({ ...common, GENQ_DATA_DIR: dataDir() }));
  await Promise.all([...apis.map((a) => a.process.ready), ...workers.map((w) => w.ready)]);
  store = await openPostgresStore(database.url, { graceMs: 0 });
}, 240_000);

afterAll(async () => {
  await Promise.all([...apis.map((a) => a.process.kill()), ...workers.map((w) => w.kill())]);
  await store?.close();
  await receiver?.close();
  if (common) {
    const redis = new Redis(common.REDIS_URL);
    const keys = await redis.keys(`${parseConfig({ ...common, GENQ_DATA_DIR: "unused" }).queuePrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
  await database?.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

it("the tenant cap holds across both APIs; a cancel on API 2 stops the job on the worker running it", async () => {
  const answers = await Promise.all(Array.from({ length: 2 * CAP }, (_, i) => submit(i % 2, LONG)));
  const admitted = answers.filter((a) => a.status === 202).map((a) => a.body.id as string);
  expect(admitted).toHaveLength(CAP);
  expect(answers.filter((a) => a.status === 429).map((a) => a.body.code)).toEqual(Array(CAP).fill("QUOTA_EXCEEDED"));
  const canceled = await Promise.all(
    admitted.map(async (id) => {
      await eventually(async () => (await read(1, id)).status === "running", 60_000, `${id} running`);
      const cancel = await call(1, `/v1/jobs/${id}/cancel`, { method: "POST" });
      expect(cancel.status).toBe(200);
      return (await call(1, `/v1/jobs/${id}?wait=30`)).body;
    }),
  );
  for (const job of canceled) {
    expect(job).toMatchObject({ status: "canceled", output: { finish_reason: "canceled" } });
    // Stopped mid-run by its worker: some tokens, not all.
    expect(job.usage.completion_tokens).toBeGreaterThan(0);
    expect(job.usage.completion_tokens).toBeLessThan(LONG.max_tokens);
  }
}, 180_000);

it("submitted on API 1: read, long-polled and streamed on API 2; each webhook arrives once, verifiably signed", async () => {
  const secret = (await call(1, "/v1/webhooks/secret")).body.secret as string;
  const webhook = { url: `${receiver.url}/hooks` };
  // The first runs long enough to be streamed while it runs; the stream opens at once.
  const ids: string[] = [(await submit(0, { max_tokens: 300, ignore_eos: true, temperature: 0, webhook })).body.id];
  const streaming = new Promise<Array<{ type: string; data: Json }>>((resolve, reject) => {
    const events: Array<{ type: string; data: Json }> = [];
    const source = new EventSource(`${apis[1].url}/v1/jobs/${ids[0]}/events`);
    for (const type of ["status", "delta"]) {
      source.addEventListener(type, (e) => {
        events.push({ type, data: JSON.parse(e.data) as Json });
        if (type === "status" && events.at(-1)!.data.status === "succeeded") {
          source.close();
          resolve(events);
        }
      });
    }
    source.onerror = (error) => {
      source.close();
      reject(new Error(`stream failed: ${error.message ?? error.code}`));
    };
  });
  for (let i = 0; i < 3; i++) ids.push((await submit(0, { max_tokens: 24, temperature: 0, webhook })).body.id);
  const streamed = await streaming;
  expect(streamed.filter((e) => e.type === "delta").length).toBeGreaterThan(0);
  const polled = await Promise.all(ids.map(async (id) => (await call(1, `/v1/jobs/${id}?wait=30`)).body));
  expect(polled.map((j) => j.status)).toEqual(ids.map(() => "succeeded"));
  // The stream carried the text the row holds, whichever worker wrote it.
  const text = streamed.filter((e) => e.type === "delta").map((e) => e.data.text).join("");
  expect(text).toBe(polled[0].output.text);
  expect(await read(1, ids[0])).toEqual(await read(0, ids[0]));

  await eventually(() => receiver.on("/hooks").length >= ids.length, 30_000, "webhooks");
  await new Promise((r) => setTimeout(r, 2_000));
  const hooks = receiver.on("/hooks");
  const verified = hooks.map((h) => new Webhook(secret).verify(h.body, h.headers as Record<string, string>) as Json);
  expect(verified.map((p) => p.data.id).sort()).toEqual([...ids].sort());
  expect(new Set(hooks.map((h) => h.headers["webhook-id"])).size).toBe(ids.length);
}, 120_000);

it("a worker SIGKILLed mid-job loses nothing: its jobs finish on the others", async () => {
  const ids = await Promise.all(Array.from({ length: CAP }, async (_, i) => (await submit(i % 2, { ...LONG, max_tokens: 600 })).body.id as string));
  // Capacity 2 per worker: with 5 running, every worker holds at least one.
  await eventually(async () => (await Promise.all(ids.map((id) => store.jobs.get(id)))).filter((r) => r?.status === "running").length >= 5, 60_000, "5 running");
  await workers[0].kill("SIGKILL");
  const done = await Promise.all(ids.map(async (id) => eventually(async () => {
    const job = (await call(1, `/v1/jobs/${id}?wait=20`)).body;
    return job.status === "running" || job.status === "queued" ? undefined : job;
  }, 120_000, `${id} terminal`)));
  expect(done.map((j) => j.status)).toEqual(ids.map(() => "succeeded"));
  expect(done.every((j) => j.usage.completion_tokens === 600)).toBe(true);
  // The killed worker's jobs ran again elsewhere.
  const rows = await Promise.all(ids.map((id) => store.jobs.get(id)));
  expect(rows.some((r) => r!.attempts >= 2)).toBe(true);
}, 180_000);
