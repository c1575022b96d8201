// GENQ_RESULT_SINK=http: a worker process with no store (its own empty data dir) reports every
// transition to a real API over HTTP. Jobs succeed; replayed and duplicated reports never change
// a terminal row; a wrong token is refused; an API that is down for a moment is retried.
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startApi, type ApiHandle } from "../../api/node-api.ts";
import { newJobId } from "../../shared/ids.ts";
import { createLogger } from "../../shared/logger.ts";
import { RESULTS_PATH } from "../../shared/result-sink/result-report.ts";
import { jobStreamKey } from "../../shared/streams/job-stream-publisher.ts";
import { expectProblem } from "../harness/expect-problem.ts";
import { startFlakyProxy, type FlakyProxy } from "../harness/flaky-proxy.ts";
import type { JobJson, TestResponse } from "../harness/test-api.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { spawnWorkerProcess, type WorkerProcess } from "../harness/worker-process.ts";
import { eventually, startWebhookReceiver, type WebhookReceiver } from "../harness/webhook-receiver.ts";
import { Webhook } from "standardwebhooks";

const TOKEN = "sink-token-0123456789abcdef0123456789abcdef";

let env: TestEnv;
let api: ApiHandle;
let proxy: FlakyProxy;
let worker: WorkerProcess;
let workerDataDir: string;
let receiver: WebhookReceiver;

beforeAll(async () => {
  env = await createTestEnv({ GENQ_RESULT_SINK_TOKEN: TOKEN, GENQ_WEBHOOK_ALLOW_HOSTS: "127.0.0.1" });
  receiver = await startWebhookReceiver();
  api = await startApi(env.config, createLogger("error"));
  proxy = await startFlakyProxy(api.url);
  // The worker gets a data dir of its own, which must stay empty: it never opens the store.
  workerDataDir = mkdtempSync(join(tmpdir(), "genq-sink-worker-"));
  worker = spawnWorkerProcess({
    ...env.env,
    GENQ_DATA_DIR: workerDataDir,
    GENQ_QUEUE_PREFIX: env.config.queuePrefix,
    GENQ_RESULT_SINK: "http",
    GENQ_RESULT_SINK_URL: proxy.url,
    GENQ_RESULT_SINK_TOKEN: TOKEN,
  });
  await worker.ready;
}, 120_000);

afterAll(async () => {
  await worker?.kill("SIGTERM");
  await proxy?.close();
  await api?.close();
  await receiver?.close();
  await env?.cleanup();
  if (workerDataDir) rmSync(workerDataDir, { recursive: true, force: true });
});

const call = (path: string, init: RequestInit = {}) => fetch(`${api.url}${path}`, init) as Promise<TestResponse>;
const submit = async (body: object): Promise<string> => {
  const res = await call("/v1/jobs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(202);
  return (await res.json()).id as string;
};
const waitTerminal = async (id: string): Promise<JobJson> => {
  for (;;) {
    const job = await (await call(`/v1/jobs/${id}?wait=10`)).json();
    if (["succeeded", "failed", "canceled", "expired"].includes(job.status)) return job;
  }
};
const report = (body: object, token = TOKEN) =>
  call(RESULTS_PATH, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body) });

it("webhooks are delivered when every worker reports over HTTP (the API sends them)", async () => {
  const secret = (await (await call("/v1/webhooks/secret")).json()).secret as string;
  const id = await submit({ prompt: "hooked", max_tokens: 6, temperature: 0, ignore_eos: true, webhook: { url: `${receiver.url}/sink`, events: ["job.succeeded"] } });
  expect((await waitTerminal(id)).status).toBe("succeeded");
  const [hook] = await eventually(() => (receiver.on("/sink").length > 0 ? receiver.on("/sink") : undefined), 30_000, "the job.succeeded webhook");
  const event = new Webhook(secret).verify(hook.body, hook.headers as Record<string, string>) as { type: string; data: { id: string } };
  expect(event).toMatchObject({ type: "job.succeeded", data: { id } });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(receiver.on("/sink")).toHaveLength(1);
}, 120_000);

it("a worker without a store runs jobs to success through the API", async () => {
  const ids = await Promise.all([0, 1, 2].map((i) => submit({ prompt: `sink ${i}`, max_tokens: 12, temperature: 0, ignore_eos: true })));
  const jobs = await Promise.all(ids.map(waitTerminal));
  for (const job of jobs) {
    expect(job.status).toBe("succeeded");
    expect(job.usage.completion_tokens).toBe(12);
    expect(job.output.text.length).toBeGreaterThan(0);
    expect(job.started_at).not.toBeNull();
  }
  // Counted by the API on the worker's behalf: one attempt, one engine run.
  const row = (await api.deps.store.jobs.get(ids[0]))!;
  expect(row).toMatchObject({ attempts: 1, engineRuns: 1 });
  // The job's stream: the API wrote `running` before the worker's first delta (held until then).
  const redis = new Redis(env.config.redisUrl!);
  const entries = (await redis.xrange(jobStreamKey(env.config.queuePrefix, ids[0]), "-", "+")) as Array<[string, string[]]>;
  redis.disconnect();
  const kinds = entries.map(([, fields]) => (fields[1] === "status" ? (JSON.parse(fields[3]) as { status: string }).status : fields[1]));
  expect(kinds.indexOf("running")).toBeGreaterThanOrEqual(0);
  expect(kinds.indexOf("delta")).toBeGreaterThan(kinds.indexOf("running"));
  expect(kinds.at(-1)).toBe("succeeded");
  expect(readdirSync(workerDataDir)).toEqual([]);
  expect(existsSync(join(workerDataDir, "genq.db"))).toBe(false);
}, 120_000);

it("replayed and duplicated reports answer the same and never change a terminal row", async () => {
  // A row no worker will see (not enqueued): only the reports below move it.
  const id = newJobId();
  const now = Date.now();
  await api.deps.store.jobs.admit({ id, model: "tiny", status: "queued", priority: 5, input: '{"prompt":"x"}', params: "{}", createdAt: now, updatedAt: now }, 0);
  const start = { op: "start", job_id: id, report_id: "rpt_test_start_1" };
  const first = await (await report(start)).json();
  const again = await (await report(start)).json();
  expect(first.row).toMatchObject({ status: "running", attempts: 1 });
  expect(again).toEqual(first);
  expect((await api.deps.store.jobs.get(id))!.attempts).toBe(1);

  const complete = {
    op: "complete",
    job_id: id,
    report_id: "rpt_test_complete_1",
    result: { outputText: "done", finishReason: "stop", promptTokens: 1, completionTokens: 1 },
  };
  const done = await (await report(complete)).json();
  expect(done.row).toMatchObject({ status: "succeeded", outputText: "done" });
  const terminal = (await api.deps.store.jobs.get(id))!;
  expect(await (await report(complete)).json()).toEqual(done);
  // Late results under new report ids: dropped (row null), the row is untouched.
  const late = [
    { op: "complete", job_id: id, report_id: "rpt_test_late_1", result: { ...complete.result, outputText: "late" } },
    { op: "fail", job_id: id, report_id: "rpt_test_late_2", code: "ENGINE_ERROR", message: "late" },
    { op: "expire", job_id: id, report_id: "rpt_test_late_3", code: "RUN_TIMEOUT", message: "late" },
    { op: "hand-back", job_id: id, report_id: "rpt_test_late_4", run_ended_cleanly: false },
    { op: "start", job_id: id, report_id: "rpt_test_late_5" },
  ];
  for (const body of late) expect((await (await report(body)).json()).row).toBeNull();
  expect(await api.deps.store.jobs.get(id)).toEqual(terminal);
});

it("refuses a wrong or missing token (401) and a malformed report (400), changing nothing", async () => {
  const id = await submit({ prompt: "token", max_tokens: 2 });
  await waitTerminal(id);
  const before = await api.deps.store.jobs.get(id);
  const body = { op: "fail", job_id: id, report_id: "rpt_test_wrong_token", code: "ENGINE_ERROR", message: "no" };
  await expectProblem(await report(body, "not-the-token-0123456789abcdef0123456789"), 401, "UNAUTHORIZED");
  await expectProblem(await call(RESULTS_PATH, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }), 401, "UNAUTHORIZED");
  await expectProblem(await report({ op: "complete", job_id: id, report_id: "rpt_test_bad_body", result: { outputText: 1 } }), 400, "VALIDATION_FAILED");
  await expectProblem(await report({ op: "fail", job_id: id, report_id: "rpt_test_bad_code", code: "NOT_A_CODE", message: "x" }), 400, "VALIDATION_FAILED");
  expect(await api.deps.store.jobs.get(id)).toEqual(before);
});

it("the API re-enqueues a job lost from Redis (its reconciler runs when it takes reports)", async () => {
  const template = (await api.deps.store.jobs.get((await api.deps.store.jobs.list({ tenantId: "", limit: 1 }))[0].id))!;
  const id = newJobId();
  const longAgo = Date.now() - 60_000;
  // Stored but never enqueued, as when Redis lost it: only a reconciler brings it to a worker.
  await api.deps.store.jobs.admit({ id, model: "tiny", status: "queued", priority: 5, input: '{"prompt":"lost"}', params: template.params, createdAt: longAgo, updatedAt: longAgo }, 0);
  const job = await waitTerminal(id);
  expect(job.status).toBe("succeeded");
}, 120_000);

it("keeps retrying while the API is unreachable; the job still ends right", async () => {
  proxy.setDown(true);
  const id = await submit({ prompt: "while the API is away", max_tokens: 8, temperature: 0, ignore_eos: true });
  const deadline = Date.now() + 60_000;
  // The worker took the job and is retrying its reports.
  while (proxy.refused < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(proxy.refused).toBeGreaterThanOrEqual(3);
  expect((await api.deps.store.jobs.get(id))!.status).toBe("queued");
  proxy.setDown(false);
  const job = await waitTerminal(id);
  expect(job.status).toBe("succeeded");
  expect(job.usage.completion_tokens).toBe(8);
  expect((await api.deps.store.jobs.get(id))!.attempts).toBe(1);
}, 120_000);
