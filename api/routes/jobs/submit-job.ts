// Admission of one job, shared by POST /v1/jobs and the OpenAI-compatible routes: validate the
// body against this server's limits, check the prompt against the model's context, INSERT the row
// (the source of truth; Idempotency-Key replays the first row), then enqueue with job id = row id.
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
import { createJobRequestSchema, type CreateJobRequest } from "./create-job-request.ts";
import { SubmitLimits } from "./submit-limits.ts";
import { validationError } from "./validation-problems.ts";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export interface Submission {
  row: JobRow;
  /** The tenant already submitted this body with this Idempotency-Key: `row` is that first job. */
  replayed: boolean;
}

/** The request's Idempotency-Key header, checked; undefined when absent. */
export function idempotencyKeyOf(c: Context<AppEnv>): string | undefined {
  const key = c.req.header("idempotency-key");
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new GenqError("VALIDATION_FAILED", "Idempotency-Key must be 1-255 printable ASCII characters");
  }
  return key;
}

export class JobSubmitter {
  private readonly submitLimits: SubmitLimits;
  private readonly schema: ReturnType<typeof createJobRequestSchema>;

  constructor(private readonly deps: AppDeps) {
    this.submitLimits = new SubmitLimits(deps);
    this.schema = createJobRequestSchema(deps.limits);
  }

  /** `raw` is a POST /v1/jobs body (parsed JSON, not yet validated). Throws GenqError on refusal; nothing is stored then. */
  async submit(tenantId: string, raw: unknown, idempotencyKey?: string): Promise<Submission> {
    const { deps, submitLimits } = this;
    const parsed = this.schema.safeParse(raw);
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
      if (existing) return replay(existing, requestHash);
    }

    const modelName = body.model ?? deps.defaultModel;
    const card = deps.models.get(modelName);
    if (!card) {
      throw new GenqError("UNKNOWN_MODEL", `model "${modelName}" is not served here; known: ${[...deps.models.keys()].join(", ")}`, {
        errors: [{ field: "model", message: "unknown model" }],
      });
    }
    const input: JobInput = body.prompt !== undefined ? { prompt: body.prompt } : { messages: body.messages! };
    const promptTokens = countPromptTokens(card, input);
    const overflow = contextOverflow(card, promptTokens, body.max_tokens);
    if (overflow) throw new GenqError("CONTEXT_LENGTH_EXCEEDED", overflow);
    submitLimits.checkMaxTokens(body);

    const id = newJobId();
    const createdAt = deps.now();
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
    const admitted = await deps.store.jobs.admit(row, deps.limits.maxActiveJobs);
    // Two requests with one Idempotency-Key raced: exactly one was admitted.
    if (admitted.outcome === "duplicate") return replay(admitted.row, requestHash);
    if (admitted.outcome === "over-quota") throw submitLimits.quotaExceeded(admitted.active);
    try {
      await deps.queue.enqueue({ id, model: modelName, priority: body.priority, tenantRank: admitted.queuedAhead });
    } catch (error) {
      // The row is durable; the reconciler enqueues it once Redis answers again (invariant 2).
      deps.logger.warn("enqueue failed; the reconciler will retry", { jobId: id, error });
    }
    return { row: admitted.row, replayed: false };
  }
}

function replay(existing: JobRow, requestHash: string): Submission {
  if (existing.requestHash !== requestHash) {
    throw new GenqError("IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used with a different request body");
  }
  return { row: existing, replayed: true };
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
  };
}
