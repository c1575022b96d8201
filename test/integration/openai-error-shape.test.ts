// Errors on OpenAI's paths leave in OpenAI's shape ({error: {message, type, param, code}}) with
// OpenAI's statuses — auth, validation, unknown routes, rate limits, waiter caps — while the rest
// of the API keeps problem+json. Refusals store nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "../harness/expect-problem.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { issueKey, rowCount, startTestApi, type TestApi, type TestResponse } from "../harness/test-api.ts";

let env: TestEnv;
let api: TestApi;
let auth: Record<string, string>;

beforeAll(async () => {
  // One write per 20 s after a burst of 4: the fifth write in a test is refused, whatever the machine's speed.
  env = await createTestEnv({ GENQ_RATE_LIMIT_PER_SECOND: "0.05", GENQ_RATE_LIMIT_BURST: "4", GENQ_MAX_WAITERS_PER_TENANT: "1" });
  api = await startTestApi(env.config);
  auth = { authorization: `Bearer ${await issueKey(api, "shape")}` };
});

afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

async function expectOpenAiError(res: TestResponse, status: number, code: string, param: string | null = null) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = await res.json();
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error).toMatchObject({ code, param });
  expect(typeof body.error.message).toBe("string");
  expect(typeof body.error.type).toBe("string");
  return body.error;
}

describe("OpenAI error shape", () => {
  it("401 without a valid key on OpenAI paths, problem+json elsewhere", async () => {
    for (const path of ["/v1/models", "/v1/models/tiny", "/v1/files", "/v1/batches/batch_1"]) {
      const res = await api.get(path, { authorization: "Bearer nope" });
      const error = await expectOpenAiError(res, 401, "invalid_api_key");
      expect(error.type).toBe("authentication_error");
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="genq"');
    }
    await expectOpenAiError(await api.post("/v1/chat/completions", { messages: [] }), 401, "invalid_api_key");
    await expectProblem(await api.get("/v1/jobs"), 401, "UNAUTHORIZED");
  });

  it("unknown routes under OpenAI's prefixes are OpenAI-shaped 404s", async () => {
    await expectOpenAiError(await api.get("/v1/models/tiny/extra", auth), 404, "route_not_found");
    await expectProblem(await api.get("/v1/nothing-here", auth), 404, "ROUTE_NOT_FOUND");
  });

  it("validation errors name the parameter; bad JSON and media types are OpenAI-shaped", async () => {
    await expectOpenAiError(await api.post("/v1/completions", { prompt: "x", echo: true }, auth), 400, "validation_failed", "echo");
    await expectOpenAiError(await api.post("/v1/chat/completions", { messages: [{ role: "user", content: "x" }], wat: 1 }, auth), 400, "validation_failed", "wat");
    await expectOpenAiError(await api.post("/v1/completions", "{not json", auth), 400, "invalid_json");
    await expectOpenAiError(await api.post("/v1/completions", "x", { ...auth, "content-type": "text/plain" }), 415, "unsupported_media_type");
    expect(await rowCount(api)).toBe(0);
  });

  it("429 rate limits keep Retry-After and tell the SDK it may retry", async () => {
    // The four writes above used the burst.
    const res = await api.post("/v1/chat/completions", { model: "tiny", messages: [{ role: "user", content: "x" }] }, auth);
    const error = await expectOpenAiError(res, 429, "rate_limit_exceeded");
    expect(error.type).toBe("rate_limit_error");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(res.headers.get("x-should-retry")).toBe("true");
    expect(await rowCount(api)).toBe(0);
  });
});

describe("waiter cap", () => {
  it("a synchronous request over GENQ_MAX_WAITERS_PER_TENANT is refused before anything is stored", async () => {
    const other = { authorization: `Bearer ${await issueKey(api, "waiter", "tenant-w")}` };
    const held = await api.nodeDeps.deps.waiters.acquire("tenant-w");
    expect(held.granted).toBe(true);
    try {
      const res = await api.post("/v1/completions", { model: "tiny", prompt: "x", max_tokens: 1 }, other);
      await expectOpenAiError(res, 429, "too_many_waiters");
      expect(await rowCount(api)).toBe(0);
    } finally {
      if (held.granted) held.release();
    }
  });
});
