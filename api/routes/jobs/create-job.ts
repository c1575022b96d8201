// POST /v1/jobs: validate, check the prompt against the model's context, INSERT the row (the
// source of truth), then enqueue with job id = row id. Idempotency-Key replays the first answer.
import { createHash } from "node:crypto";
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { GenqError } from "../../../shared/errors.ts";
import { newJobId } from "../../../shared/ids.ts";
import type { JobInput, JobParams } from "../../../shared/jobs.ts";
import { contextOverflow } from "../../../shared/models/context-check.ts";
import { ModelFolderError } from "../../../shared/models/model-card.ts";
import { responseFormatGrammar } from "../../../shared/structured-output/response-format.ts";
import type { JobRow } from "../../../shared/store/schema/jobs.ts";
import { checkWebhookUrl } from "../../../shared/webhooks/webhook-url-check.ts";
import { readJsonBody } from "../../middleware/json-body.ts";
import { createJobRequestSchema, type CreateJobRequest } from "./create-job-request.ts";
import { jobEtag, toJobObject } from "./job-object.ts";
import { SubmitLimits } from "./submit-limits.ts";
import { validationError } from "./validation-problems.ts";
import { streamTokenFor, streamTokenVariant } from "./stream-url.ts";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export function createJobHandler(deps: AppDeps) {
  const { limits, now } = deps;
  const submitLimits = new SubmitLimits(deps);
  const createJobRequest = createJobRequestSchema(limits);
  return async (c: Context<AppEnv>) => {
    const tenantId = c.get("tenantId");
    const idempotencyKey = c.req.header("idempotency-key");
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new GenqError("VALIDATION_FAILED", "Idempotency-Key must be 1-255 printable ASCII characters");
    }
    const raw = await readJsonBody(c, limits.maxBodyBytes, limits.maxJsonDepth);
    const parsed = createJobRequest.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error);
    const body = parsed.data;
    // SSRF rules that need no DNS (scheme, credentials, literal IPs) refuse at submit.
    if (body.webhook) checkWebhookUrl(body.webhook.url, deps.webhookPolicy);
    // Compiled here only to refuse unsupported schemas (400 UNSUPPORTED_SCHEMA); workers compile again.
    responseFormatGrammar(body.response_format);
    const requestHash = createHash("sha256").update(JSON.stringify(raw)).digest("base64url");

    if (idempotencyKey) {
      // Early answer for a replay (no tokenizing); admit() below decides atomically.
      const existing = await deps.store.jobs.findByIdempotencyKey(tenantId, idempotencyKey);
      if (existing) return replay(c, existing, requestHash);
    }

    const modelName = body.model ?? deps.defaultModel;
    const card = deps.models.get(modelName);
    if (!card) throw new GenqError("UNKNOWN_MODEL", `model "${modelName}" is not served here; known: ${[...deps.models.keys()].join(", ")}`);
    const input: JobInput = body.prompt !== undefined ? { prompt: body.prompt } : { messages: body.messages! };
    const promptTokens = countPromptTokens(card, input);
    const overflow = contextOverflow(card, promptTokens, body.max_tokens);
    if (overflow) throw new GenqError("CONTEXT_LENGTH_EXCEEDED", overflow);
    submitLimits.checkMaxTokens(body);

    const id = newJobId();
    const createdAt = now();
    const row = {
      id,
      tenantId,
      model: modelName,
      status: "queued" as const,
      priority: body.priority,
      input: JSON.stringify(input),
      params: JSON.stringify(toParams(body)),
      webhook: body.webhook ? JSON.stringify(body.webhook) : null,
      metadata: body.metadata ? JSON.stringify(body.metadata) : null,
      idempotencyKey: idempotencyKey ?? null,
      requestHash,
      promptTokens,
      queueDeadlineAt: body.max_queue_seconds !== undefined ? createdAt + Math.round(body.max_queue_seconds * 1000) : null,
      runTimeoutMs: body.timeout_seconds !== undefined ? Math.round(body.timeout_seconds * 1000) : null,
      createdAt,
      updatedAt: createdAt,
    };
    const admitted = await deps.store.jobs.admit(row, limits.maxActiveJobs);
    // Two requests with one Idempotency-Key raced: exactly one was admitted.
    if (admitted.outcome === "duplicate") return replay(c, admitted.row, requestHash);
    if (admitted.outcome === "over-quota") throw submitLimits.quotaExceeded(admitted.active);
    try {
      await deps.queue.enqueue({ id, model: modelName, priority: body.priority, tenantRank: admitted.queuedAhead });
    } catch (error) {
      // The row is durable; the reconciler enqueues it once Redis answers again (invariant 2).
      deps.logger.warn("enqueue failed; the reconciler will retry", { jobId: id, error });
    }
    c.header("location", `/v1/jobs/${id}`);
    return answer(c, deps, admitted.row);
  };

  function replay(c: Context<AppEnv>, existing: JobRow, requestHash: string) {
    if (existing.requestHash !== requestHash) {
      throw new GenqError("IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used with a different request body");
    }
    c.header("idempotent-replayed", "true");
    return answer(c, deps, existing);
  }
}

function answer(c: Context<AppEnv>, deps: AppDeps, row: JobRow) {
  const stream = streamTokenFor(c, deps, row.id);
  c.header("etag", jobEtag(row, streamTokenVariant(stream)));
  return c.json(toJobObject(row, stream), 202);
}

function countPromptTokens(card: { promptIds: (input: JobInput) => number[] }, input: JobInput): number {
  try {
    return card.promptIds(input).length;
  } catch (error) {
    if (error instanceof ModelFolderError) throw new GenqError("VALIDATION_FAILED", error.message);
    throw error;
  }
}

function toParams(body: CreateJobRequest): JobParams {
  return {
    maxTokens: body.max_tokens,
    temperature: body.temperature,
    topP: body.top_p,
    topK: body.top_k,
    repetitionPenalty: body.repetition_penalty,
    seed: body.seed,
    stop: body.stop ?? [],
    ignoreEos: body.ignore_eos,
    ...(body.response_format && body.response_format.type !== "text" ? { responseFormat: body.response_format } : {}),
    ...(body.keep_alive !== undefined ? { keepAliveMs: body.keep_alive } : {}),
  };
}
