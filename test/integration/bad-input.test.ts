// Bad inputs get a 4xx application/problem+json answer with a stable code and leave no row and
// no queue entry behind (invariant 6).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { startTestApi, type TestApi, type TestResponse } from "../harness/test-api.ts";
import { expectProblem } from "../harness/expect-problem.ts";

let env: TestEnv;
let api: TestApi;

beforeAll(async () => {
  env = await createTestEnv();
  api = await startTestApi(env.config);
});

afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});


async function expectNothingStored() {
  expect(await api.nodeDeps.deps.store.jobs.countByStatus()).toEqual({});
  const counts = await api.nodeDeps.deps.queue.counts();
  for (const states of Object.values(counts)) expect(Object.values(states).every((n) => n === 0)).toBe(true);
}

const rawPost = (body: string, contentType = "application/json"): Promise<TestResponse> =>
  Promise.resolve(api.app.request("/v1/jobs", { method: "POST", headers: { "content-type": contentType }, body })) as Promise<TestResponse>;

describe("POST /v1/jobs refuses bad input and stores nothing", () => {
  it.each([
    ["invalid JSON", () => rawPost("{not json"), 400, "INVALID_JSON"],
    ["wrong content type", () => rawPost('{"prompt":"x"}', "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE"],
    ["prompt of the wrong type", () => api.post("/v1/jobs", { prompt: 42 }), 400, "VALIDATION_FAILED"],
    ["max_tokens 0", () => api.post("/v1/jobs", { prompt: "x", max_tokens: 0 }), 400, "VALIDATION_FAILED"],
    ["max_tokens negative", () => api.post("/v1/jobs", { prompt: "x", max_tokens: -5 }), 400, "VALIDATION_FAILED"],
    ["max_tokens float", () => api.post("/v1/jobs", { prompt: "x", max_tokens: 1.5 }), 400, "VALIDATION_FAILED"],
    ["max_tokens huge", () => api.post("/v1/jobs", { prompt: "x", max_tokens: 1e12 }), 400, "VALIDATION_FAILED"],
    ["max_tokens beyond the context", () => api.post("/v1/jobs", { prompt: "x", max_tokens: 100_000 }), 400, "CONTEXT_LENGTH_EXCEEDED"],
    ["max_tokens as 1e309", () => rawPost('{"prompt":"x","max_tokens":1e309}'), 400, "VALIDATION_FAILED"],
    ["unknown model", () => api.post("/v1/jobs", { prompt: "x", model: "gpt-9" }), 400, "UNKNOWN_MODEL"],
    ["prompt longer than the context", () => api.post("/v1/jobs", { prompt: "lorem ipsum ".repeat(3000), max_tokens: 1 }), 400, "CONTEXT_LENGTH_EXCEEDED"],
    ["unknown fields", () => api.post("/v1/jobs", { prompt: "x", max_token: 5 }), 400, "VALIDATION_FAILED"],
    ["neither prompt nor messages", () => api.post("/v1/jobs", { max_tokens: 5 }), 400, "VALIDATION_FAILED"],
    ["both prompt and messages", () => api.post("/v1/jobs", { prompt: "x", messages: [{ role: "user", content: "y" }] }), 400, "VALIDATION_FAILED"],
    ["priority out of range", () => api.post("/v1/jobs", { prompt: "x", priority: 10 }), 400, "VALIDATION_FAILED"],
    ["priority alias unknown", () => api.post("/v1/jobs", { prompt: "x", priority: "urgent" }), 400, "VALIDATION_FAILED"],
    ["NUL in the prompt", () => api.post("/v1/jobs", { prompt: "a\u0000b" }), 400, "VALIDATION_FAILED"],
    ["lone surrogate in the prompt", () => rawPost('{"prompt":"a\\ud800b"}'), 400, "VALIDATION_FAILED"],
    ["__proto__ key", () => rawPost('{"prompt":"x","__proto__":{"admin":true}}'), 400, "VALIDATION_FAILED"],
    ["deep nesting", () => rawPost(`{"prompt":"x","metadata":${"[".repeat(100)}${"]".repeat(100)}}`), 400, "VALIDATION_FAILED"],
    ["body over the size limit", () => api.post("/v1/jobs", { prompt: "x".repeat(1_100_000) }), 413, "PAYLOAD_TOO_LARGE"],
    ["oversized metadata", () => api.post("/v1/jobs", { prompt: "x", metadata: { blob: "y".repeat(17_000) } }), 400, "VALIDATION_FAILED"],
    ["too many stop strings", () => api.post("/v1/jobs", { prompt: "x", stop: Array.from({ length: 1000 }, (_, i) => `s${i}`) }), 400, "VALIDATION_FAILED"],
    ["empty body", () => rawPost(""), 400, "INVALID_JSON"],
    ["a JSON array", () => rawPost("[1,2]"), 400, "VALIDATION_FAILED"],
    ["bad Idempotency-Key", () => api.post("/v1/jobs", { prompt: "x" }, { "idempotency-key": "a b\u00e9" }), 400, "VALIDATION_FAILED"],
  ])("%s", async (_name, send, status, code) => {
    await expectProblem(await send(), status, code);
    await expectNothingStored();
  });

  it("lists the offending fields", async () => {
    const body = await expectProblem(await api.post("/v1/jobs", { prompt: "x", max_tokens: 0, bogus: 1 }), 400, "VALIDATION_FAILED");
    const fields = body.errors.map((e: { field: string }) => e.field);
    expect(fields).toContain("max_tokens");
    expect(body.errors.some((e: { message: string }) => e.message.includes("bogus"))).toBe(true);
  });
});

describe("job lookups", () => {
  it("answers 404 problem+json for unknown and malformed ids", async () => {
    await expectProblem(await api.get("/v1/jobs/job_01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404, "JOB_NOT_FOUND");
    await expectProblem(await api.get("/v1/jobs/../../etc/passwd"), 404, "ROUTE_NOT_FOUND");
    await expectProblem(await api.get("/v1/jobs/%00"), 404, "JOB_NOT_FOUND");
    await expectProblem(await api.post("/v1/jobs/job_01ARZ3NDEKTSV4RRFFQ69G5FAV/cancel", ""), 404, "JOB_NOT_FOUND");
  });

  it("validates list and wait parameters", async () => {
    await expectProblem(await api.get("/v1/jobs?limit=0"), 400, "VALIDATION_FAILED");
    await expectProblem(await api.get("/v1/jobs?limit=abc"), 400, "VALIDATION_FAILED");
    await expectProblem(await api.get("/v1/jobs?status=done"), 400, "VALIDATION_FAILED");
    await expectProblem(await api.get("/v1/jobs?after=nope"), 400, "VALIDATION_FAILED");
    await expectProblem(await api.get("/v1/jobs?color=red"), 400, "VALIDATION_FAILED");
    const id = (await (await api.post("/v1/jobs", { prompt: "x", max_tokens: 1 })).json()).id;
    await expectProblem(await api.get(`/v1/jobs/${id}?wait=61`), 400, "VALIDATION_FAILED");
    await expectProblem(await api.get(`/v1/jobs/${id}?wait=-1`), 400, "VALIDATION_FAILED");
  });
});

describe("Idempotency-Key", () => {
  it("replays the first job for the same key and body, and refuses a different body", async () => {
    const headers = { "idempotency-key": "order-42" };
    const first = await (await api.post("/v1/jobs", { prompt: "same", max_tokens: 3 }, headers)).json();
    const again = await api.post("/v1/jobs", { prompt: "same", max_tokens: 3 }, headers);
    expect(again.status).toBe(202);
    expect((await again.json()).id).toBe(first.id);
    await expectProblem(await api.post("/v1/jobs", { prompt: "other", max_tokens: 3 }, headers), 409, "IDEMPOTENCY_KEY_REUSED");
  });
});
