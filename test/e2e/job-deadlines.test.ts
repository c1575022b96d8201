// Deadlines on real parts. max_queue_seconds: with no generation worker up, the API's sweeper expires
// the job (QUEUE_TIMEOUT), removes it from BullMQ and sends a signed `job.expired` webhook.
// timeout_seconds: a running job past it ends `expired` (RUN_TIMEOUT) keeping its partial output.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { createLogger } from "../../shared/logger.ts";
import { openNodeServices } from "../../shared/node-services.ts";
import { openStore } from "../../shared/store/open-store.ts";
import { generateWebhookSecret } from "../../shared/store/webhook-secret-store.ts";
import { startWebhookRuntime } from "../../shared/webhooks/delivery/webhook-runtime.ts";
import { createTestEnv } from "../harness/test-env.ts";
import { isTerminalJob, startTestApi } from "../harness/test-api.ts";
import { startTestStack, type TestStack } from "../harness/test-stack.ts";
import { eventually, startWebhookReceiver } from "../harness/webhook-receiver.ts";

describe("max_queue_seconds", () => {
  it("expires a job that no worker started in time, with a signed job.expired webhook", async () => {
    const secret = generateWebhookSecret();
    const receiver = await startWebhookReceiver();
    const env = await createTestEnv({ GENQ_WEBHOOK_SECRET: secret, GENQ_WEBHOOK_ALLOW_HOSTS: "127.0.0.1" });
    const api = await startTestApi(env.config);
    // Webhook delivery only: no generation worker is running.
    const logger = createLogger("silent");
    const services = await openNodeServices(env.config, await openStore(env.config), logger, "patient");
    const delivery = await startWebhookRuntime(env.config, services, logger);
    try {
      const res = await api.post("/v1/jobs", { prompt: "late", max_tokens: 4, max_queue_seconds: 0.3, webhook: { url: `${receiver.url}/hook` } });
      expect(res.status).toBe(202);
      const queued = await res.json();
      expect(queued).toMatchObject({ status: "queued", max_queue_seconds: 0.3, timeout_seconds: null });
      const other = (await (await api.post("/v1/jobs", { prompt: "patient", max_tokens: 4 })).json()).id;

      const expired = await api.waitFor(queued.id, isTerminalJob, 10_000);
      expect(expired).toMatchObject({ status: "expired", started_at: null, output: null, error: { code: "QUEUE_TIMEOUT" } });
      expect(Date.parse(expired.completed_at) - Date.parse(expired.created_at)).toBeGreaterThanOrEqual(300);
      expect(await services.queue.stateOf(queued.id, "tiny")).toBe("unknown");
      expect(await services.queue.stateOf(other, "tiny")).toBe("prioritized");
      expect((await (await api.get(`/v1/jobs/${other}`)).json()).status).toBe("queued");

      const [hook] = await eventually(() => (receiver.on("/hook").length > 0 ? receiver.on("/hook") : undefined), 8_000, "job.expired webhook");
      const payload = new Webhook(secret).verify(hook.body, hook.headers as Record<string, string>);
      expect(payload).toMatchObject({ type: "job.expired", data: { id: queued.id, status: "expired", error: { code: "QUEUE_TIMEOUT" } } });
    } finally {
      await delivery.close();
      await api.close();
      await services.close();
      await env.cleanup();
      await receiver.close();
    }
  });

  it("refuses bad deadlines with 400 VALIDATION_FAILED", async () => {
    const env = await createTestEnv();
    const api = await startTestApi(env.config);
    try {
      for (const body of [{ max_queue_seconds: 0 }, { max_queue_seconds: -1 }, { timeout_seconds: "5" }, { timeout_seconds: 10_000_000 }]) {
        const res = await api.post("/v1/jobs", { prompt: "x", ...body });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect((await res.json()).code).toBe("VALIDATION_FAILED");
      }
      expect((await (await api.get("/v1/jobs")).json()).data).toEqual([]);
    } finally {
      await api.close();
      await env.cleanup();
    }
  });
});

describe("timeout_seconds", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ GENQ_MAX_BATCH: "2" });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("expires a running job past its timeout with RUN_TIMEOUT, keeping the partial output", async () => {
    const { api } = stack;
    const id = (await (await api.post("/v1/jobs", { prompt: "long", max_tokens: 1800, ignore_eos: true, temperature: 0, timeout_seconds: 0.5 })).json()).id;
    const job = await api.waitFor(id, isTerminalJob, 20_000);
    expect(job).toMatchObject({ status: "expired", error: { code: "RUN_TIMEOUT" }, output: { finish_reason: "timeout" }, timeout_seconds: 0.5 });
    expect(job.usage.completion_tokens).toBeGreaterThan(0);
    expect(job.usage.completion_tokens).toBeLessThan(1800);
    expect(job.output.text.length).toBeGreaterThan(0);
    expect(Date.parse(job.completed_at) - Date.parse(job.started_at)).toBeGreaterThanOrEqual(500);
  });

  it("a job within its deadlines succeeds", async () => {
    const { api } = stack;
    const id = (await (await api.post("/v1/jobs", { prompt: "short", max_tokens: 4, timeout_seconds: 60, max_queue_seconds: 60 })).json()).id;
    expect(await api.waitFor(id, isTerminalJob)).toMatchObject({ status: "succeeded", error: null });
  });
});
