// The official `openai` npm client against a real listening genq (real Redis, SQLite, worker on
// the tiny model): models, chat and legacy completions (plain and streamed), structured outputs,
// errors the client surfaces, and a client leaving canceling its job.
import { Ajv } from "ajv";
import OpenAI, { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApi, type ApiHandle } from "../../api/node-api.ts";
import { Redis } from "ioredis";
import { issueApiKey } from "../../shared/auth/api-keys.ts";
import { jobStreamKey } from "../../shared/streams/job-stream-publisher.ts";
import { createLogger } from "../../shared/logger.ts";
import { startWorker, type WorkerHandle } from "../../worker/worker-runtime.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";

let env: TestEnv;
let api: ApiHandle;
let worker: WorkerHandle;
let apiKey: string;
let client: OpenAI;

beforeAll(async () => {
  env = await createTestEnv();
  api = await startApi(env.config, createLogger("error"));
  worker = await startWorker(env.config, createLogger("error"));
  apiKey = (await issueApiKey(api.deps.store.apiKeys, { name: "openai-client" })).key;
  client = new OpenAI({ apiKey, baseURL: `${api.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await worker?.close();
  await api?.close();
  await env?.cleanup();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function getJob(id: string, wait = 0): Promise<Record<string, any>> {
  const res = await fetch(`${api.url}/v1/jobs/${id}${wait ? `?wait=${wait}` : ""}`, { headers: { authorization: `Bearer ${apiKey}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

async function waitForTerminal(id: string) {
  for (let i = 0; i < 30; i++) {
    const job = await getJob(id, 5);
    if (["succeeded", "failed", "canceled", "expired"].includes(job.status)) return job;
  }
  throw new Error(`job ${id} did not finish`);
}

const jobIdOf = (completionId: string) => completionId.replace(/^(chatcmpl|cmpl)-/, "");

describe("models", () => {
  it("lists and retrieves the configured models", async () => {
    const page = await client.models.list();
    expect(page.data).toEqual([{ id: "tiny", object: "model", created: expect.any(Number), owned_by: "genq" }]);
    expect(page.data[0].created).toBeLessThanOrEqual(Date.now() / 1000);
    expect(await client.models.retrieve("tiny")).toMatchObject({ id: "tiny", object: "model", owned_by: "genq" });
  });

  it("answers an unknown model with NotFoundError carrying genq's message", async () => {
    const error = await client.models.retrieve("nope").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as APIError).code).toBe("model_not_found");
    expect((error as APIError).message).toContain('model "nope" is not served here');
  });
});

describe("chat completions", () => {
  it("answers a plain request with the job's output, as a job at interactive priority", async () => {
    const { data, request_id } = await client.chat.completions
      .create({ model: "tiny", messages: [{ role: "user", content: "Hello" }], max_tokens: 8, temperature: 0, user: "ann" })
      .withResponse();
    expect(data.object).toBe("chat.completion");
    expect(data.system_fingerprint).toBeNull();
    expect(data.choices).toHaveLength(1);
    const [choice] = data.choices;
    expect(choice.message.role).toBe("assistant");
    expect(["stop", "length"]).toContain(choice.finish_reason);
    expect(data.usage!.total_tokens).toBe(data.usage!.prompt_tokens + data.usage!.completion_tokens);
    const id = jobIdOf(data.id);
    expect(request_id).toBe(id);
    const job = await getJob(id);
    expect(job).toMatchObject({ status: "succeeded", priority: 1, model: "tiny", metadata: { user: "ann" } });
    expect(job.output.text).toBe(choice.message.content);
    expect(data.usage).toMatchObject({ prompt_tokens: job.usage.prompt_tokens, completion_tokens: job.usage.completion_tokens });
    const list = await fetch(`${api.url}/v1/jobs?limit=100`, { headers: { authorization: `Bearer ${apiKey}` } });
    const listed = ((await list.json()) as { data: Array<{ id: string; priority: number }> }).data.find((j) => j.id === id);
    expect(listed?.priority).toBe(1);
    // Tenancy as for any job: another tenant's key neither lists nor reads it.
    const otherKey = (await issueApiKey(api.deps.store.apiKeys, { name: "other", tenantId: "tenant-other" })).key;
    const otherHeaders = { authorization: `Bearer ${otherKey}` };
    expect((await fetch(`${api.url}/v1/jobs/${id}`, { headers: otherHeaders })).status).toBe(404);
    const otherList = (await (await fetch(`${api.url}/v1/jobs?limit=100`, { headers: otherHeaders })).json()) as { data: unknown[] };
    expect(otherList.data).toEqual([]);
  });

  it("streams chunks whose text is the job's output, with a usage chunk", async () => {
    const params = {
      model: "tiny",
      messages: [{ role: "user" as const, content: "Tell me a story" }],
      max_completion_tokens: 40,
      temperature: 0,
      ignore_eos: true,
      priority: 3,
      stream: true as const,
      stream_options: { include_usage: true },
    };
    const stream = await client.chat.completions.create(params);
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === chunks[0].id)).toBe(true);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    const withChoices = chunks.filter((c) => c.choices.length > 0);
    expect(withChoices.at(-1)!.choices[0].finish_reason).toBe("length");
    expect(withChoices.slice(0, -1).every((c) => c.choices[0].finish_reason === null && c.usage === null)).toBe(true);
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toMatchObject({ completion_tokens: 40 });
    const job = await getJob(jobIdOf(chunks[0].id));
    expect(job.status).toBe("succeeded");
    expect(job.priority).toBe(3);
    expect(text).toBe(job.output.text);
    expect(text.length).toBeGreaterThan(0);
    expect(usage.usage!.total_tokens).toBe(job.usage.prompt_tokens + 40);
  });

  it("honours Idempotency-Key: the same request answers from the same job", async () => {
    const body = { model: "tiny", messages: [{ role: "user" as const, content: "Once" }], max_tokens: 4, temperature: 0 };
    const options = { headers: { "Idempotency-Key": "openai-idem-1" } };
    const first = await client.chat.completions.create(body, options);
    const { data: again, response } = await client.chat.completions.create(body, options).withResponse();
    expect(again.id).toBe(first.id);
    expect(response.headers.get("idempotent-replayed")).toBe("true");
    const other = await client.chat.completions.create({ ...body, max_tokens: 5 }, options).catch((e: unknown) => e);
    expect(other).toMatchObject({ status: 409, code: "idempotency_key_reused" });
    // Replayed as a stream after the job's Redis stream expired: the text still arrives whole.
    const redis = new Redis(env.config.redisUrl!);
    await redis.del(jobStreamKey(env.config.queuePrefix, jobIdOf(first.id)));
    redis.disconnect();
    const stream = await client.chat.completions.create({ ...body, stream: true }, options);
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(first.choices[0].message.content);
  });

  it("constrains output to a json_schema response_format", async () => {
    const schema = {
      type: "object",
      properties: { title: { type: "string", maxLength: 12 }, pages: { type: "integer", minimum: 1, maximum: 99 } },
      required: ["title", "pages"],
      additionalProperties: false,
    };
    const completion = await client.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "Describe a book as JSON" }],
      max_tokens: 120,
      seed: 7,
      response_format: { type: "json_schema", json_schema: { name: "book", schema, strict: true } },
    });
    const validate = new Ajv().compile(schema);
    expect(validate(JSON.parse(completion.choices[0].message.content!))).toBe(true);
    expect(completion.choices[0].finish_reason).toBe("stop");
    const object = await client.completions.create({ model: "tiny", prompt: "JSON:", max_tokens: 60, temperature: 0, response_format: { type: "json_object" } } as OpenAI.CompletionCreateParamsNonStreaming);
    const value: unknown = JSON.parse(object.choices[0].text);
    expect(typeof value === "object" && value !== null && !Array.isArray(value)).toBe(true);
  });

  it("refuses an unsupported schema keyword with a BadRequestError naming it", async () => {
    const schema = { type: "object", properties: { d: { type: "string", format: "date-time" } } };
    const error = await client.chat.completions
      .create({ model: "tiny", messages: [{ role: "user", content: "x" }], response_format: { type: "json_schema", json_schema: { name: "d", schema } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ code: "unsupported_schema" });
    expect((error as APIError).param).toMatch(/^response_format\.json_schema\.schema/);
    expect((error as APIError).message).toContain("format");
  });
});

describe("completions", () => {
  it("answers a text_completion equal to the job's output", async () => {
    const completion = await client.completions.create({ model: "tiny", prompt: "Once upon a time", max_tokens: 6, temperature: 0 });
    expect(completion.object).toBe("text_completion");
    expect(completion.id).toMatch(/^cmpl-job_/);
    const job = await getJob(jobIdOf(completion.id));
    expect(completion.choices[0].text).toBe(job.output.text);
    expect(completion.usage).toEqual({ prompt_tokens: job.usage.prompt_tokens, completion_tokens: job.usage.completion_tokens, total_tokens: job.usage.prompt_tokens + job.usage.completion_tokens });
  });

  it("streams text_completion chunks", async () => {
    const stream = await client.completions.create({ model: "tiny", prompt: "Once", max_tokens: 10, temperature: 0, stream: true });
    let text = "";
    let id = "";
    let finish: string | null = null;
    for await (const chunk of stream) {
      id = chunk.id;
      text += chunk.choices[0].text;
      finish = chunk.choices[0].finish_reason ?? finish;
    }
    expect(finish).not.toBeNull();
    expect(text).toBe((await getJob(jobIdOf(id))).output.text);
  });
});

describe("errors the client surfaces", () => {
  const messages = [{ role: "user" as const, content: "x" }];

  it("unknown model: NotFoundError with genq's message", async () => {
    const error = await client.chat.completions.create({ model: "nope", messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error).toMatchObject({ status: 404, code: "model_not_found", type: "invalid_request_error", param: "model" });
    expect((error as Error).message).toContain('model "nope" is not served here; known: tiny');
  });

  it("bad parameters: BadRequestError naming the parameter", async () => {
    const hot = await client.chat.completions.create({ model: "tiny", messages, temperature: 3 }).catch((e: unknown) => e);
    expect(hot).toBeInstanceOf(OpenAI.BadRequestError);
    expect(hot).toMatchObject({ status: 400, param: "temperature", type: "invalid_request_error" });
    const long = await client.chat.completions.create({ model: "tiny", messages, max_completion_tokens: 2_000_000 }).catch((e: unknown) => e);
    expect(long).toMatchObject({ status: 400, param: "max_completion_tokens" });
    const content = await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "a\u0000b" }] }).catch((e: unknown) => e);
    expect(content).toMatchObject({ status: 400, param: "messages[0].content" });
  });

  it("n > 1 is refused clearly", async () => {
    const error = await client.chat.completions.create({ model: "tiny", messages, n: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ param: "n" });
    expect((error as Error).message).toContain("n > 1 is not supported");
  });

  it("a wrong key: AuthenticationError", async () => {
    const stranger = new OpenAI({ apiKey: "sk-wrong", baseURL: `${api.url}/v1`, maxRetries: 0 });
    const error = await stranger.chat.completions.create({ model: "tiny", messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: "invalid_api_key" });
    expect(await stranger.models.list().catch((e: unknown) => e)).toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe("a client that leaves cancels its job", () => {
  it("aborting a stream cancels the running job", async () => {
    const abort = new AbortController();
    const params = { model: "tiny", messages: [{ role: "user" as const, content: "Go on forever" }], max_tokens: 2000, ignore_eos: true, stream: true as const };
    const stream = await client.chat.completions.create(params, { signal: abort.signal });
    let id = "";
    let text = "";
    try {
      for await (const chunk of stream) {
        id = chunk.id;
        text += chunk.choices[0]?.delta.content ?? "";
        if (text.length > 0) abort.abort();
      }
    } catch (error) {
      expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
    }
    const job = await waitForTerminal(jobIdOf(id));
    expect(job.status).toBe("canceled");
    expect(job.usage.completion_tokens).toBeLessThan(2000);
  });

  it("a job canceled by someone else ends the stream with an error the client raises", async () => {
    const params = { model: "tiny", messages: [{ role: "user" as const, content: "Keep going" }], max_tokens: 2000, ignore_eos: true, stream: true as const };
    const stream = await client.chat.completions.create(params);
    let id = "";
    const error = await (async () => {
      for await (const chunk of stream) {
        if (!id && chunk.choices[0]?.delta.content) {
          id = jobIdOf(chunk.id);
          const res = await fetch(`${api.url}/v1/jobs/${id}/cancel`, { method: "POST", headers: { authorization: `Bearer ${apiKey}` } });
          expect([200, 202]).toContain(res.status);
        }
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).message).toContain("was canceled before it finished");
    expect((await waitForTerminal(id)).status).toBe("canceled");
  });

  it("aborting a plain request cancels its queued job", async () => {
    await Promise.all(worker.workers.map((w) => w.pause()));
    try {
      const abort = new AbortController();
      const pending = client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "wait" }], max_tokens: 4 }, { signal: abort.signal });
      pending.catch(() => {});
      let queued: { id: string } | undefined;
      for (let i = 0; i < 200 && !queued; i++) {
        const res = await fetch(`${api.url}/v1/jobs?status=queued`, { headers: { authorization: `Bearer ${apiKey}` } });
        queued = ((await res.json()) as { data: Array<{ id: string }> }).data[0];
        if (!queued) await new Promise((r) => setTimeout(r, 25));
      }
      expect(queued).toBeDefined();
      abort.abort();
      await expect(pending).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
      const job = await waitForTerminal(queued!.id);
      expect(job).toMatchObject({ status: "canceled", started_at: null });
    } finally {
      worker.workers.forEach((w) => w.resume());
    }
  });
});
