// Result delivery end to end: a real worker (inference thread, tiny model) generates; the SSE
// stream carries its real token deltas; a signed webhook reaches a localhost receiver; a
// long-poll wakes on completion. Secrets: none configured, so the tenant gets its own (shown once).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import type { WorkerHandle } from "../../worker/worker-runtime.ts";
import { startTestStack, type TestStack } from "../harness/test-stack.ts";
import type { TestApi } from "../harness/test-api.ts";
import { readSse } from "../harness/sse-client.ts";
import { eventually, startWebhookReceiver, type WebhookReceiver } from "../harness/webhook-receiver.ts";

let stack: TestStack;
let api: TestApi;
let worker: WorkerHandle;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  stack = await startTestStack({ GENQ_WEBHOOK_ALLOW_HOSTS: "127.0.0.1", GENQ_WEBHOOK_RETRY_SCHEDULE: "0,20ms,20ms" });
  ({ api, worker } = stack);
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

describe("result delivery with a real worker", () => {
  it("streams the generated text, signs the webhook, and wakes the long-poll", async () => {
    const first = (await (await api.get("/v1/webhooks/secret")).json()).secret as string;
    const { secret } = await (await api.post("/v1/webhooks/secret/rotate", "")).json();
    await Promise.all(worker.workers.map((w) => w.pause()));
    const res = await api.post("/v1/jobs", {
      prompt: "Once upon a time",
      max_tokens: 24,
      temperature: 0,
      ignore_eos: true,
      webhook: { url: `${receiver.url}/done`, events: ["job.started", "job.succeeded"] },
    });
    const id = (await res.json()).id as string;
    const sse = readSse((await api.get(`/v1/jobs/${id}/events`)) as unknown as Response);
    const poll = api.get(`/v1/jobs/${id}?wait=30&fields=status,output`).then((r) => r.json());
    worker.workers.forEach((w) => w.resume());

    let text = "";
    const statuses: string[] = [];
    let final: Record<string, unknown> | undefined;
    for (let e = await sse.next(30_000); e; e = await sse.next(30_000)) {
      const data = JSON.parse(e.data);
      if (e.event === "delta") text += data.text;
      else {
        statuses.push(data.status);
        final = data;
      }
    }
    expect(statuses).toEqual(["queued", "running", "succeeded"]);
    const job = await poll;
    expect(job.status).toBe("succeeded");
    expect(text).toBe(job.output.text);
    expect((final as { output: { text: string } }).output.text).toBe(job.output.text);

    const requests = await eventually(() => (receiver.on("/done").length === 2 ? receiver.on("/done") : undefined), 10_000, "webhooks");
    const events = requests.map((r) => new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as { type: string; data: { output: unknown } });
    expect(events.map((e) => e.type).sort()).toEqual(["job.started", "job.succeeded"]);
    expect(events.find((e) => e.type === "job.succeeded")!.data.output).toEqual(job.output);
    // Both the rotated-out (the tenant's first) and the new secret sign during the grace period.
    expect(String(requests[0].headers["webhook-signature"]).split(" ")).toHaveLength(2);
    expect(() => new Webhook(first).verify(requests[0].body, requests[0].headers as Record<string, string>)).not.toThrow();
  });
});
