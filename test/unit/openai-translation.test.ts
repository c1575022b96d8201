// The pure OpenAI translation (shared/openai): request bodies → genq job bodies that genq's own
// schema accepts, refusals naming OpenAI's parameter, the error mapping, answers and chunks.
import { describe, expect, it } from "vitest";
import { createJobRequestSchema } from "../../api/routes/jobs/create-job-request.ts";
import { GenqError } from "../../shared/errors.ts";
import { OpenAiChunks } from "../../shared/openai/openai-chunks.ts";
import { completionBody, jobIdOfCompletion } from "../../shared/openai/openai-completion.ts";
import { jobOutcomeError, openAiError } from "../../shared/openai/openai-error.ts";
import { openAiRequestSchema, toJobRequest, type OpenAiEndpoint } from "../../shared/openai/openai-job-request.ts";
import type { JobRow } from "../../shared/store/schema/jobs.ts";

const CHAT = "/v1/chat/completions";
const TEXT = "/v1/completions";
const jobSchema = createJobRequestSchema({ maxPromptChars: 10_000 });

function translate(endpoint: OpenAiEndpoint, raw: unknown) {
  const parsed = openAiRequestSchema(endpoint).safeParse(raw);
  if (!parsed.success) throw new Error(JSON.stringify(parsed.error.issues));
  return toJobRequest(endpoint, parsed.data);
}

function refusal(endpoint: OpenAiEndpoint, raw: unknown) {
  const parsed = openAiRequestSchema(endpoint).safeParse(raw);
  expect(parsed.success).toBe(false);
  return parsed.error!.issues[0];
}

const row: JobRow = {
  id: "job_01J0000000000000000000000A",
  tenantId: "",
  model: "tiny",
  status: "succeeded",
  priority: 1,
  input: "{}",
  params: "{}",
  webhook: null,
  metadata: null,
  idempotencyKey: null,
  requestHash: null,
  promptTokens: 3,
  completionTokens: 4,
  outputText: "hello",
  finishReason: "length",
  errorCode: null,
  errorMessage: null,
  cancelRequested: false,
  queueDeadlineAt: null,
  runTimeoutMs: null,
  attempts: 1,
  engineRuns: 1,
  version: 3,
  createdAt: 1_700_000_000_999,
  startedAt: 1_700_000_001_000,
  completedAt: 1_700_000_002_000,
  updatedAt: 1_700_000_002_000,
};

describe("OpenAI request → genq job body", () => {
  it("maps a chat request onto a body POST /v1/jobs accepts", () => {
    const request = translate(CHAT, {
      model: "tiny",
      messages: [
        { role: "developer", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }], name: "ann" },
      ],
      max_tokens: 9,
      max_completion_tokens: 7,
      temperature: 0,
      stop: "END",
      user: "u-1",
      n: 1,
      frequency_penalty: 0,
      tools: [],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(request.job).toEqual({
      model: "tiny",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "a\nb" },
      ],
      max_tokens: 7,
      temperature: 0,
      stop: ["END"],
      priority: 1,
      metadata: { user: "u-1" },
    });
    expect(request).toMatchObject({ stream: true, includeUsage: true, paramNames: { max_tokens: "max_completion_tokens" } });
    expect(jobSchema.safeParse(request.job).success).toBe(true);
  });

  it("maps a completions request, keeping genq's extensions", () => {
    const request = translate(TEXT, { model: "tiny", prompt: ["Once"], seed: 3, priority: "low", top_k: 5, ignore_eos: true, echo: false });
    expect(request.job).toEqual({ model: "tiny", prompt: "Once", seed: 3, priority: "low", top_k: 5, ignore_eos: true });
    expect(request).toMatchObject({ stream: false, includeUsage: false });
    expect(jobSchema.parse(request.job).priority).toBe(8);
    const parsed = openAiRequestSchema(TEXT).parse({ prompt: "x" });
    expect(toJobRequest(TEXT, parsed, { priority: 8 }).job.priority).toBe(8);
    expect(toJobRequest(TEXT, { ...parsed, priority: 2 }, { priority: 8 }).job.priority).toBe(2);
  });

  it.each([
    [CHAT, { messages: [{ role: "user", content: "x" }], n: 2 }, "n", "n > 1 is not supported"],
    [CHAT, { messages: [{ role: "user", content: "x" }], tools: [{ type: "function" }] }, "tools", "no tool calling"],
    [CHAT, { messages: [{ role: "user", content: "x" }], frequency_penalty: 0.5 }, "frequency_penalty", "not supported"],
    [CHAT, { messages: [{ role: "tool", content: "x" }] }, "messages.0.role", "no tool calling"],
    [CHAT, { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }] }, "messages.0.content", "content"],
    [CHAT, { messages: [{ role: "user", content: "x" }], temperature: 3 }, "temperature", ""],
    [TEXT, { prompt: [1, 2, 3] }, "prompt", "token-id prompts"],
    [TEXT, { prompt: "x", best_of: 3 }, "best_of", "not supported"],
  ])("%s refuses %j at %s", (endpoint, raw, path, message) => {
    const issue = refusal(endpoint as OpenAiEndpoint, raw);
    expect(issue.path.join(".")).toBe(path);
    expect(issue.message).toContain(message);
  });

  it("refuses fields OpenAI does not define, as OpenAI does", () => {
    expect(refusal(CHAT, { messages: [{ role: "user", content: "x" }], wat: 1 }).code).toBe("unrecognized_keys");
  });
});

describe("errors in OpenAI's shape", () => {
  it("maps codes, statuses and params", () => {
    expect(openAiError(new GenqError("UNKNOWN_MODEL", "no model x"))).toEqual({
      status: 404,
      body: { error: { message: "no model x", type: "invalid_request_error", param: null, code: "model_not_found" } },
      retryable: false,
    });
    const invalid = new GenqError("VALIDATION_FAILED", "bad", { errors: [{ field: "messages.0.content", message: "m" }] });
    expect(openAiError(invalid).body.error).toMatchObject({ param: "messages[0].content", code: "validation_failed", type: "invalid_request_error" });
    const tooMany = new GenqError("VALIDATION_FAILED", "bad", { errors: [{ field: "max_tokens", message: "m" }] });
    expect(openAiError(tooMany, { max_tokens: "max_completion_tokens" }).body.error.param).toBe("max_completion_tokens");
    expect(openAiError(new GenqError("UNAUTHORIZED", "no key"))).toMatchObject({ status: 401, body: { error: { code: "invalid_api_key", type: "authentication_error" } } });
    expect(openAiError(new GenqError("RATE_LIMITED", "slow down"))).toMatchObject({ status: 429, retryable: true, body: { error: { code: "rate_limit_exceeded" } } });
    expect(openAiError(new GenqError("POISON_JOB", "x")).retryable).toBe(false);
  });

  it("gives finished jobs without a completion their error", () => {
    expect(jobOutcomeError(row)).toBeUndefined();
    expect(jobOutcomeError({ ...row, status: "canceled" })?.code).toBe("JOB_CANCELED");
    expect(jobOutcomeError({ ...row, status: "failed", errorCode: "ENGINE_ERROR", errorMessage: "boom" })).toMatchObject({ code: "ENGINE_ERROR", message: "boom" });
    expect(jobOutcomeError({ ...row, status: "expired", errorCode: "RUN_TIMEOUT" })?.code).toBe("RUN_TIMEOUT");
  });
});

describe("answers and chunks", () => {
  it("builds chat.completion and text_completion bodies", () => {
    const chat = completionBody(CHAT, row);
    expect(chat).toEqual({
      id: "chatcmpl-job_01J0000000000000000000000A",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "tiny",
      system_fingerprint: null,
      choices: [{ index: 0, message: { role: "assistant", content: "hello", refusal: null }, logprobs: null, finish_reason: "length" }],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    });
    expect(jobIdOfCompletion(chat.id as string)).toBe(row.id);
    const text = completionBody(TEXT, { ...row, finishReason: "stop" });
    expect(text).toMatchObject({ id: `cmpl-${row.id}`, object: "text_completion", choices: [{ text: "hello", finish_reason: "stop" }] });
  });

  it("builds chunks: role first, deltas, finish, usage", () => {
    const chunks = new OpenAiChunks(CHAT, row, true);
    expect(chunks.opening()).toMatchObject({ object: "chat.completion.chunk", usage: null, choices: [{ delta: { role: "assistant", content: "" }, finish_reason: null }] });
    expect(chunks.text("he")).toMatchObject({ choices: [{ delta: { content: "he" } }] });
    const [last, usage] = chunks.closing(row);
    expect(last).toMatchObject({ choices: [{ delta: {}, finish_reason: "length" }] });
    expect(usage).toMatchObject({ choices: [], usage: { total_tokens: 7 } });
    const text = new OpenAiChunks(TEXT, row, false);
    expect(text.opening()).toBeUndefined();
    expect(text.text("x")).toEqual({ id: `cmpl-${row.id}`, object: "text_completion", created: 1_700_000_000, model: "tiny", system_fingerprint: null, choices: [{ index: 0, text: "x", logprobs: null, finish_reason: null }] });
    expect(text.closing(row)).toHaveLength(1);
  });
});
