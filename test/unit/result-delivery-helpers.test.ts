// Pure pieces of result delivery: retry schedule + Retry-After, payload size cap, multi-secret
// signatures (verified with the standardwebhooks package), fields/ETag/encoding negotiation.
import { describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { parseConfig } from "../../shared/config.ts";
import type { JobRow } from "../../shared/store/schema/jobs.ts";
import { generateWebhookSecret } from "../../shared/store/webhook-secret-store.ts";
import { nextRetry, parseDurationList, parseRetryAfter } from "../../shared/webhooks/retry-schedule.ts";
import { buildWebhookPayload } from "../../shared/webhooks/webhook-payload.ts";
import { signWebhook } from "../../shared/webhooks/webhook-signer.ts";
import { chooseEncoding } from "../../api/middleware/compress-large.ts";
import { ifNoneMatchHits } from "../../api/routes/jobs/etag-match.ts";
import { fieldsVariant, parseFields } from "../../api/routes/jobs/job-fields.ts";
import { retryAfterSeconds } from "../../api/routes/jobs/retry-after.ts";

const row: JobRow = {
  id: "job_01J0000000000000000000000A",
  tenantId: "",
  model: "tiny",
  status: "succeeded",
  priority: 5,
  input: "{}",
  params: "{}",
  webhook: null,
  metadata: JSON.stringify({ order: 7 }),
  idempotencyKey: null,
  requestHash: null,
  promptTokens: 3,
  completionTokens: 4,
  outputText: "x".repeat(10_000),
  finishReason: "length",
  errorCode: null,
  errorMessage: null,
  cancelRequested: false,
  queueDeadlineAt: null,
  runTimeoutMs: null,
  attempts: 1,
  engineRuns: 0,
  batchId: null,
  customId: null,
  version: 3,
  createdAt: 1_700_000_000_000,
  startedAt: 1_700_000_000_100,
  completedAt: 1_700_000_000_900,
  updatedAt: 1_700_000_000_900,
};

describe("retry schedule", () => {
  it("parses durations and defaults to immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h", () => {
    expect(parseDurationList("0, 250ms, 5s,5m,2h")).toEqual([0, 250, 5_000, 300_000, 7_200_000]);
    expect(parseDurationList("5 minutes")).toMatch(/not a duration/);
    expect(parseConfig({}).delivery.webhookRetryScheduleMs).toEqual([0, 5e3, 3e5, 18e5, 72e5, 18e6, 36e6]);
    expect(() => parseConfig({ GENQ_WEBHOOK_RETRY_SCHEDULE: "0,soon" })).toThrow(/GENQ_WEBHOOK_RETRY_SCHEDULE/);
  });

  it("jitters, honours Retry-After up to the longest step, and gives up after the last", () => {
    const schedule = [0, 1_000, 10_000];
    expect(nextRetry(schedule, 1, 0.2, null, () => 0)).toEqual({ retry: true, delayMs: 800 });
    expect(nextRetry(schedule, 1, 0.2, null, () => 1)).toEqual({ retry: true, delayMs: 1_200 });
    expect(nextRetry(schedule, 1, 0, 5_000)).toEqual({ retry: true, delayMs: 5_000 });
    expect(nextRetry(schedule, 1, 0, 99_000_000)).toEqual({ retry: true, delayMs: 3_600_000 });
    expect(nextRetry([0, 36_000_000], 1, 0, 99_000_000)).toEqual({ retry: true, delayMs: 36_000_000 });
    expect(nextRetry(schedule, 3, 0, null).retry).toBe(false);
    expect(parseRetryAfter("7")).toBe(7_000);
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(50_000);
    expect(parseRetryAfter("soon")).toBeNull();
  });
});

describe("webhook payload and signature", () => {
  it("keeps the body under the cap by linking the output instead", () => {
    const small = JSON.parse(buildWebhookPayload(row, "job.succeeded", { maxBytes: 65_536, baseUrl: "https://genq.example" }));
    expect(small).toMatchObject({ type: "job.succeeded", data: { id: row.id, output: { text: row.outputText }, usage: { completion_tokens: 4 } } });
    expect(small.data.urls.self).toBe(`https://genq.example/v1/jobs/${row.id}`);
    const capped = buildWebhookPayload(row, "job.succeeded", { maxBytes: 2_048, baseUrl: "https://genq.example" });
    expect(Buffer.byteLength(capped)).toBeLessThanOrEqual(2_048);
    const parsed = JSON.parse(capped);
    expect(parsed.data.output).toEqual({ text: null, finish_reason: "length", truncated: true });
    expect(parsed.data.output_url).toBe(`https://genq.example/v1/jobs/${row.id}?fields=output`);
    expect(parsed.data.metadata).toEqual({ order: 7 });
  });

  it("signs with every live secret; a receiver holding either one verifies", () => {
    const [oldSecret, newSecret] = [generateWebhookSecret(), generateWebhookSecret()];
    const body = buildWebhookPayload(row, "job.succeeded", { maxBytes: 65_536, baseUrl: "" });
    const headers = signWebhook("msg_x_succeeded", new Date(), body, [newSecret, oldSecret]);
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    for (const secret of [oldSecret, newSecret]) {
      expect(new Webhook(secret).verify(body, { ...headers })).toMatchObject({ type: "job.succeeded" });
    }
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow(/signature/i);
  });
});

describe("poll answer negotiation", () => {
  it("validates fields and gives each set its own ETag variant", () => {
    expect(parseFields("output,status")).toEqual(["status", "output"]);
    expect(parseFields(undefined)).toBeUndefined();
    expect(() => parseFields("status,secret_sauce")).toThrow(/unknown field/);
    expect(fieldsVariant(["status"])).not.toBe(fieldsVariant(["status", "output"]));
    expect(fieldsVariant(parseFields("status,output"))).toBe(fieldsVariant(parseFields("output,status")));
  });

  it("matches If-None-Match weakly, in lists and with *", () => {
    expect(ifNoneMatchHits('"a.1"', '"a.1"')).toBe(true);
    expect(ifNoneMatchHits('W/"a.1"', '"a.1"')).toBe(true);
    expect(ifNoneMatchHits('"x", "a.1"', '"a.1"')).toBe(true);
    expect(ifNoneMatchHits("*", '"a.1"')).toBe(true);
    expect(ifNoneMatchHits('"a.2"', '"a.1"')).toBe(false);
    expect(ifNoneMatchHits(undefined, '"a.1"')).toBe(false);
  });

  it("prefers br, honours q=0, and estimates Retry-After from position and throughput", () => {
    expect(chooseEncoding("gzip, deflate, br")).toBe("br");
    expect(chooseEncoding("gzip, br;q=0")).toBe("gzip");
    expect(chooseEncoding("identity")).toBeUndefined();
    expect(chooseEncoding("*")).toBe("br");
    expect(retryAfterSeconds("queued", 9, 2)).toBe(5);
    expect(retryAfterSeconds("queued", 10_000, 1)).toBe(30);
    expect(retryAfterSeconds("queued", null, 0)).toBe(2);
    expect(retryAfterSeconds("running", 0, 5)).toBe(1);
  });
});
