// Webhooks on real parts: the API (in-process), SQLite, Redis/BullMQ and a worker's webhook
// runtime, posting to real localhost receivers that verify signatures with `standardwebhooks`.
// Rows are finished through the worker's job lifecycle, exactly as the generate processor does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { createLogger } from "../../shared/logger.ts";
import { openNodeServices, type NodeServices } from "../../shared/node-services.ts";
import { openStore } from "../../shared/store/open-store.ts";
import { generateWebhookSecret } from "../../shared/store/webhook-secret-store.ts";
import { WebhookAddressPolicy } from "../../shared/webhooks/address-policy.ts";
import { startWebhookRuntime, type WebhookRuntime, type WebhookRuntimeOptions } from "../../shared/webhooks/delivery/webhook-runtime.ts";
import type { ResolveAll } from "../../shared/webhooks/delivery/guarded-lookup.ts";
import { WebhookSender } from "../../shared/webhooks/delivery/webhook-sender.ts";
import { MAX_REDELIVERIES } from "../../shared/webhooks/webhook-dispatcher.ts";
import { expectProblem } from "../harness/expect-problem.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { startTestApi, type TestApi } from "../harness/test-api.ts";
import { eventually, startWebhookReceiver, type WebhookReceiver } from "../harness/webhook-receiver.ts";

const SECRET = generateWebhookSecret();

interface Stack {
  env: TestEnv;
  api: TestApi;
  /** The worker process's side: store, Redis services and the job lifecycle. */
  worker: NodeServices;
  delivery: WebhookRuntime;
}

async function startStack(overrides: Record<string, string>, options: WebhookRuntimeOptions = {}, logger = createLogger("silent")): Promise<Stack> {
  const env = await createTestEnv({
    GENQ_WEBHOOK_SECRET: SECRET,
    GENQ_WEBHOOK_RETRY_SCHEDULE: "0,30ms,30ms,30ms",
    GENQ_WEBHOOK_RETRY_JITTER: "0",
    // Long enough that a busy machine never times out a live receiver; the hang test waits it out.
    GENQ_WEBHOOK_TIMEOUT_MS: "2000",
    ...overrides,
  });
  const api = await startTestApi(env.config);
  const worker = await openNodeServices(env.config, await openStore(env.config), logger, "patient");
  const delivery = await startWebhookRuntime(env.config, worker, logger, options);
  return { env, api, worker, delivery };
}

async function stopStack(stack: Stack | undefined): Promise<void> {
  if (!stack) return;
  await stack.delivery.close();
  await stack.api.close();
  await stack.worker.close();
  await stack.env.cleanup();
}

/** Runs a submitted job to `succeeded` the way the worker's processor does. */
async function finishJob(stack: Stack, id: string, text = "hello"): Promise<void> {
  await stack.worker.lifecycle.start(id);
  await stack.worker.lifecycle.complete(id, { outputText: text, finishReason: "stop", promptTokens: 1, completionTokens: 2 });
}

async function submit(stack: Stack, webhook: unknown): Promise<string> {
  const res = await stack.api.post("/v1/jobs", { prompt: "hi", max_tokens: 2, webhook });
  expect(res.status).toBe(202);
  return (await res.json()).id;
}

async function deliveries(stack: Stack, id: string) {
  return (await (await stack.api.get(`/v1/jobs/${id}/webhooks`)).json()).data;
}

const settled = async (stack: Stack, id: string, count = 1) =>
  eventually(async () => {
    const list = await deliveries(stack, id);
    return list.length >= count && list.every((d: { status: string }) => d.status !== "pending") ? list : undefined;
  }, 8_000, `deliveries of ${id}`);

describe("webhook delivery", () => {
  let stack: Stack;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    stack = await startStack({ GENQ_WEBHOOK_ALLOW_HOSTS: "127.0.0.1" });
  });
  afterAll(async () => {
    await stopStack(stack);
    await receiver?.close();
  });

  it("retries a receiver that fails twice, then delivers exactly once with one stable webhook-id", async () => {
    receiver.script("/flaky", (n) => ({ status: n < 2 ? 500 : 204 }));
    const id = await submit(stack, { url: `${receiver.url}/flaky` });
    await finishJob(stack, id, "the answer");
    const [delivery] = await settled(stack, id);
    expect(delivery).toMatchObject({ id: `msg_${id}_succeeded`, event: "job.succeeded", status: "delivered", attempts: 3 });
    expect(delivery.log.map((a: { outcome: string }) => a.outcome)).toEqual(["retrying", "retrying", "succeeded"]);
    expect(delivery.log.map((a: { status_code: number }) => a.status_code)).toEqual([500, 500, 204]);
    expect(delivery.log[0].next_attempt_at).not.toBeNull();
    expect(delivery.log.every((a: { latency_ms: number }) => a.latency_ms >= 0)).toBe(true);

    const got = receiver.on("/flaky");
    expect(got).toHaveLength(3);
    expect(new Set(got.map((r) => r.headers["webhook-id"]))).toEqual(new Set([`msg_${id}_succeeded`]));
    for (const request of got) {
      const payload = new Webhook(SECRET).verify(request.body, request.headers as Record<string, string>);
      expect(payload).toMatchObject({ type: "job.succeeded", data: { id, status: "succeeded", output: { text: "the answer" } } });
    }
  });

  it("stops at 410 Gone", async () => {
    receiver.script("/gone", () => ({ status: 410 }));
    const id = await submit(stack, { url: `${receiver.url}/gone` });
    await finishJob(stack, id);
    const [delivery] = await settled(stack, id);
    expect(delivery).toMatchObject({ status: "disabled", attempts: 1, last_status_code: 410 });
    await new Promise((r) => setTimeout(r, 150));
    expect(receiver.on("/gone")).toHaveLength(1);
  });

  it("treats a redirect as a failure and never follows it", async () => {
    receiver.script("/moved", () => ({ status: 302, headers: { location: `${receiver.url}/target` } }));
    const id = await submit(stack, { url: `${receiver.url}/moved` });
    await finishJob(stack, id);
    const [delivery] = await settled(stack, id);
    expect(delivery).toMatchObject({ status: "failed", attempts: 4, last_status_code: 302 });
    expect(delivery.last_error).toMatch(/redirect \(302 to .*\/target\) not followed/);
    expect(receiver.on("/target")).toHaveLength(0);
  });

  it("times out a receiver that hangs", async () => {
    receiver.script("/hang", (n) => (n === 0 ? "hang" : { status: 200 }));
    const id = await submit(stack, { url: `${receiver.url}/hang` });
    await finishJob(stack, id);
    const [delivery] = await settled(stack, id);
    expect(delivery.status).toBe("delivered");
    expect(delivery.log[0]).toMatchObject({ outcome: "retrying", status_code: null, error: "timed out after 2000 ms" });
    expect(delivery.log[0].latency_ms).toBeGreaterThanOrEqual(1990);
  });

  it("honours Retry-After", async () => {
    receiver.script("/busy", (n) => (n === 0 ? { status: 503, headers: { "retry-after": "1" } } : { status: 200 }));
    const id = await submit(stack, { url: `${receiver.url}/busy` });
    await finishJob(stack, id);
    await settled(stack, id);
    const [first, second] = receiver.on("/busy");
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
  });

  it("sends only the subscribed events, job.started included when asked", async () => {
    const id = await submit(stack, { url: `${receiver.url}/all`, events: ["job.started", "job.succeeded"] });
    await finishJob(stack, id);
    const list = await settled(stack, id, 2);
    expect(list.map((d: { event: string }) => d.event)).toEqual(["job.started", "job.succeeded"]);
    const types = receiver.on("/all").map((r) => JSON.parse(r.body).type);
    expect(types.sort()).toEqual(["job.started", "job.succeeded"]);
    const started = receiver.on("/all").find((r) => JSON.parse(r.body).type === "job.started")!;
    expect(JSON.parse(started.body).data).toMatchObject({ status: "running", output: null });
  });

  it("does not retry job.started once the job has finished", async () => {
    const started = (r: { body: string }) => JSON.parse(r.body).type === "job.started";
    receiver.script("/started-late", (_n, r) => ({ status: started(r) ? 500 : 204 }));
    // The first attempt fails after the job ended: no retry is scheduled.
    const late = await submit(stack, { url: `${receiver.url}/started-late`, events: ["job.started", "job.succeeded"] });
    await stack.delivery.webhookWorker.pause();
    await finishJob(stack, late);
    stack.delivery.webhookWorker.resume();
    const lateList = await settled(stack, late, 2);
    expect(lateList.find((d: { event: string }) => d.event === "job.started")).toMatchObject({ status: "failed", attempts: 1 });
    expect(lateList.find((d: { event: string }) => d.event === "job.started").last_error).toMatch(/no longer news/);
    expect(receiver.on("/started-late").filter(started)).toHaveLength(1);

    // A retry already scheduled while the job ran is dropped when the job ends before it is due.
    receiver.script("/started-retry", (_n, r) => (started(r) ? { status: 503, headers: { "retry-after": "1" } } : { status: 204 }));
    const id = await submit(stack, { url: `${receiver.url}/started-retry`, events: ["job.started", "job.succeeded"] });
    await stack.worker.lifecycle.start(id);
    await eventually(async () => (await deliveries(stack, id))[0]?.log[0]?.outcome === "retrying", 5_000, "the first job.started attempt");
    await stack.worker.lifecycle.complete(id, { outputText: "done", finishReason: "stop", promptTokens: 1, completionTokens: 1 });
    const list = await settled(stack, id, 2);
    const startedDelivery = list.find((d: { event: string }) => d.event === "job.started");
    expect(startedDelivery).toMatchObject({ status: "failed", attempts: 1 });
    expect(startedDelivery.last_error).toMatch(/no longer news/);
    expect(list.find((d: { event: string }) => d.event === "job.succeeded").status).toBe("delivered");
    expect(receiver.on("/started-retry").filter(started)).toHaveLength(1);
  });

  it("redelivers with the same webhook-id, and shows the new round in the log", async () => {
    const id = await submit(stack, { url: `${receiver.url}/again` });
    await finishJob(stack, id);
    await settled(stack, id);
    const res = await stack.api.post(`/v1/jobs/${id}/webhooks/redeliver`, "");
    expect(res.status).toBe(202);
    await eventually(() => receiver.on("/again").length === 2, 5_000, "the redelivery");
    const [delivery] = await settled(stack, id);
    expect(delivery).toMatchObject({ status: "delivered", round: 1, attempts: 2 });
    expect(new Set(receiver.on("/again").map((r) => r.headers["webhook-id"])).size).toBe(1);

    const plain = (await (await stack.api.post("/v1/jobs", { prompt: "x", max_tokens: 1 })).json()).id;
    expect((await stack.api.post(`/v1/jobs/${plain}/webhooks/redeliver`, "")).status).toBe(409);
    expect((await stack.api.get(`/v1/jobs/job_01J0000000000000000000000A/webhooks`)).status).toBe(404);
  });

  it(`stops redelivering after ${MAX_REDELIVERIES} rounds with 409 REDELIVERY_LIMIT_REACHED`, async () => {
    const id = await submit(stack, { url: `${receiver.url}/often` });
    await finishJob(stack, id);
    await settled(stack, id);
    for (let round = 1; round <= MAX_REDELIVERIES; round++) {
      expect((await stack.api.post(`/v1/jobs/${id}/webhooks/redeliver`, "")).status).toBe(202);
      await eventually(() => receiver.on("/often").length === round + 1, 5_000, `round ${round}`);
      await settled(stack, id);
    }
    await expectProblem(await stack.api.post(`/v1/jobs/${id}/webhooks/redeliver`, ""), 409, "REDELIVERY_LIMIT_REACHED");
    const [delivery] = await settled(stack, id);
    expect(delivery).toMatchObject({ status: "delivered", round: MAX_REDELIVERIES });
    expect(receiver.on("/often")).toHaveLength(MAX_REDELIVERIES + 1);
  });

  it("rotates the secret: both signatures verify during the grace period, the old one ends after it", async () => {
    const res = await stack.api.post("/v1/webhooks/secret/rotate", "");
    expect(res.status).toBe(201);
    const { secret } = await res.json();
    expect(secret).toMatch(/^whsec_/);
    const id = await submit(stack, { url: `${receiver.url}/rotated` });
    await finishJob(stack, id);
    await settled(stack, id);
    const [request] = receiver.on("/rotated");
    expect(String(request.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    for (const key of [secret, SECRET]) expect(new Webhook(key).verify(request.body, request.headers as Record<string, string>)).toBeTruthy();

    const secrets = stack.worker.store.webhookSecrets;
    expect(await secrets.signingSecrets("", Date.now())).toEqual([secret, SECRET]);
    expect(await secrets.signingSecrets("", Date.now() + 86_400_001)).toEqual([secret]);
    expect(await secrets.signingSecrets("other-tenant", Date.now())).toEqual([SECRET]);
  });

  it("repairs a crash between the terminal write and the dispatch, and a BullMQ job lost with Redis", async () => {
    const { jobs } = stack.worker.store;
    // Crash 1: the row went terminal, the process died before announcing (a store write alone).
    const orphan = await submit(stack, { url: `${receiver.url}/orphan` });
    await jobs.markRunning(orphan, Date.now());
    await jobs.complete(orphan, { outputText: "late", finishReason: "stop", promptTokens: 1, completionTokens: 1 }, Date.now());
    // Crash 2: the delivery row exists but Redis lost its BullMQ job.
    receiver.script("/lost", (n) => ({ status: n === 0 ? 500 : 200 }));
    const lost = await submit(stack, { url: `${receiver.url}/lost` });
    await stack.delivery.webhookWorker.pause();
    await finishJob(stack, lost);
    await stack.worker.webhookQueue.queue.obliterate({ force: true });
    stack.delivery.webhookWorker.resume();

    expect(await deliveries(stack, orphan)).toEqual([]);
    const repaired = await stack.delivery.reconciler.reconcile(Date.now() + 60_000);
    expect(repaired).toEqual({ created: 1, requeued: 1 });
    expect((await settled(stack, orphan))[0].status).toBe("delivered");
    expect((await settled(stack, lost))[0].status).toBe("delivered");
    expect(receiver.on("/orphan")).toHaveLength(1);
  });
});

describe("a worker that dies mid-POST", () => {
  let stack: Stack;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    // Short BullMQ locks so stall recovery (what notices a dead worker) runs within the test.
    stack = await startStack({ GENQ_WEBHOOK_ALLOW_HOSTS: "127.0.0.1", GENQ_WEBHOOK_TIMEOUT_MS: "3000" }, { webhookLockMs: 300 });
  });
  afterAll(async () => {
    // Receiver first: the "dead" worker's hanging POST ends and finds its attempt written off.
    await receiver?.close();
    await new Promise((r) => setTimeout(r, 50));
    await stopStack(stack);
  });

  it("is retried by another worker, with the interrupted attempt in the log", async () => {
    receiver.script("/crash", (n) => (n === 0 ? "hang" : { status: 200 }));
    const id = await submit(stack, { url: `${receiver.url}/crash` });
    await finishJob(stack, id);
    await eventually(() => receiver.on("/crash").length === 1, 5_000, "the first POST");
    await stack.delivery.webhookWorker.close(true); // the crash: no lock renewal, no result
    const successor = await startWebhookRuntime(stack.env.config, stack.worker, createLogger("silent"), { webhookLockMs: 300 });
    try {
      const [delivery] = await settled(stack, id);
      expect(delivery.status).toBe("delivered");
      expect(delivery.log.map((a: { outcome: string }) => a.outcome)).toEqual(["interrupted", "succeeded"]);
      expect(new Set(receiver.on("/crash").map((r) => r.headers["webhook-id"])).size).toBe(1);
    } finally {
      await successor.close();
    }
  });
});

describe("SSRF guard", () => {
  let stack: Stack;
  let receiver: WebhookReceiver;
  const operatorLog: string[] = [];

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    stack = await startStack({}, {}, createLogger("debug", {}, (line) => operatorLog.push(line)));
  });
  afterAll(async () => {
    await stopStack(stack);
    await receiver?.close();
  });

  it.each([
    "http://127.0.0.1:9/hook",
    "http://[::1]/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://[fd00:ec2::254]/",
    "http://[::ffff:0:127.0.0.1]:9/",
    "http://[64:ff9b::127.0.0.1]/",
    "http://[2002:7f00:1::1]/",
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_FLUSHALL",
    "https://user:secret@example.com/hook",
  ])("refuses %s at submit", async (url) => {
    const res = await stack.api.post("/v1/jobs", { prompt: "x", max_tokens: 1, webhook: { url } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "WEBHOOK_URL_REJECTED", errors: [{ field: "webhook.url" }] });
  });

  it("refuses a hostname that resolves to loopback at delivery, without retrying or connecting", async () => {
    const id = await submit(stack, { url: `http://localhost:${receiver.port}/hook` });
    await finishJob(stack, id);
    const [delivery] = await settled(stack, id);
    expect(delivery).toMatchObject({ status: "failed", attempts: 1 });
    expect(delivery.log[0].outcome).toBe("rejected");
    // The tenant learns only that the target was refused, not what the server's DNS answered.
    expect(delivery.last_error).toMatch(/^webhook target localhost refused/);
    const tenantView = JSON.stringify(await deliveries(stack, id));
    expect(tenantView).not.toMatch(/127\.0\.0\.1|::1|loopback/);
    // The operator's debug log keeps the detail.
    expect(operatorLog.some((line) => line.includes('"level":"debug"') && /localhost resolves only to refused addresses \(.*is loopback/.test(line))).toBe(true);
    expect(receiver.requests).toHaveLength(0);
  });

  it("refuses every blocked target in the sender itself (URLs stored before a policy change)", async () => {
    const sender = new WebhookSender({ policy: new WebhookAddressPolicy([]), timeoutMs: 500 });
    for (const url of [
      `http://127.0.0.1:${receiver.port}/`,
      `http://[::1]:${receiver.port}/`,
      "http://169.254.169.254/",
      "http://10.0.0.1/",
      `http://localhost:${receiver.port}/`,
      `http://[::ffff:0:127.0.0.1]:${receiver.port}/`,
      `http://[64:ff9b::127.0.0.1]:${receiver.port}/`,
      `http://[2002:7f00:1::1]:${receiver.port}/`,
      "file:///etc/passwd",
      "gopher://example.com/",
    ]) {
      const result = await sender.send(url, {}, "{}");
      expect(result, url).toMatchObject({ refused: true, statusCode: null });
    }
    expect(receiver.requests).toHaveLength(0);
  });

  it.each(["::ffff:0:7f00:1", "64:ff9b::7f00:1", "2002:7f00:1::1", "2001:0:4136:e378:8000:63bf:80ff:fffe"])(
    "refuses at connect a hostname whose DNS answer embeds loopback (%s)",
    async (answer) => {
      const resolveAll: ResolveAll = (_host, _options, callback) => callback(null, [{ address: answer, family: 6 }]);
      const sender = new WebhookSender({ policy: new WebhookAddressPolicy([]), timeoutMs: 500, resolveAll });
      const result = await sender.send(`http://hook.example:${receiver.port}/`, {}, "{}");
      expect(result).toMatchObject({ refused: true, statusCode: null });
      expect(receiver.requests).toHaveLength(0);
    },
  );
});
