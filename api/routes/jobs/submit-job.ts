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
import { responseFormatGrammar } from "../../../shared/structured-output/response-format-grammar.ts";
import type { JobRow, NewJobRow } from "../../../shared/store/schema/jobs.ts";
import { checkWebhookUrl } from "../../../shared/webhooks/webhook-url-check.ts";
import { createJobRequestSchema, type CreateJobRequest } from "./create-job-request.ts";
import { SubmitLimits } from "./submit-limits.ts";
import { validationError } from "./validation-problems.ts";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** A checked job row without its identity (id, tenant, Idempotency-Key): see JobSubmitter.prepare. */
export type PreparedJob = Omit<NewJobRow, "id" | "tenantId" | "idempotencyKey" | "requestHash"> & { model: string; priority: number; promptTokens: number };

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
    const body = this.parse(raw);
    const requestHash = createHash("sha256").update(JSON.stringify(raw)).digest("base64url");

    if (idempotencyKey) {
      // Early answer for a replay (no tokenizing); admit() below decides atomically.
      const existing = await deps.store.jobs.findByIdempotencyKey(tenantId, idempotencyKey);
      if (existing) return replay(existing, requestHash);
    }

    const id = newJobId();
    const row = { ...this.build(body, deps.now()), id, tenantId, idempotencyKey: idempotencyKey ?? null, requestHash };
    const admitted = await deps.store.jobs.admit(row, deps.limits.maxActiveJobs);
    // Two requests with one Idempotency-Key raced: exactly one was admitted.
    if (admitted.outcome === "duplicate") return replay(admitted.row, requestHash);
    if (admitted.outcome === "over-quota") throw submitLimits.quotaExceeded(admitted.active);
    try {
      await deps.queue.enqueue({ id, model: row.model, priority: row.priority, tenantRank: admitted.queuedAhead });
    } catch (error) {
      // The row is durable; the reconciler enqueues it once Redis answers again (invariant 2).
      deps.logger.warn("enqueue failed; the reconciler will retry", { jobId: id, error });
    }
    return { row: admitted.row, replayed: false };
  }

  /**
   * The row `raw` becomes, every check of submit() passed (schema, model, prompt tokens against
   * the context, max_tokens) but nothing stored: batch lines are checked this way, then inserted
   * and enqueued in bulk. Throws GenqError like submit().
   */
  prepare(raw: unknown, createdAt: number): PreparedJob {
    return this.build(this.parse(raw), createdAt);
  }

  private parse(raw: unknown): CreateJobRequest {
    const parsed = this.schema.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error);
    const body = parsed.data;
    // SSRF rules that need no DNS (scheme, credentials, literal IPs) refuse at submit.
    if (body.webhook) checkWebhookUrl(body.webhook.url, this.deps.webhookPolicy);
    // Compiled here only to refuse unsupported schemas (400 UNSUPPORTED_SCHEMA); workers compile again.
    responseFormatGrammar(body.response_format);
    return body;
  }

  private build(body: CreateJobRequest, createdAt: number): PreparedJob {
    const { deps } = this;
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
    if (overflow) throw new GenqError("CONTEXT_LENGTH_EXCEEDED", overflow, { errors: [{ field: "prompt" in input ? "prompt" : "messages", message: overflow }] });
    this.submitLimits.checkMaxTokens(body);
    return {
      model: modelName,
      status: "queued" as const,
      priority: body.priority,
      input: JSON.stringify(input),
      params: JSON.stringify(toParams(body)),
      webhook: body.webhook ? JSON.stringify(body.webhook) : null,
      metadata: body.metadata ? JSON.stringify(body.metadata) : null,
      promptTokens,
      queueDeadlineAt: body.max_queue_seconds !== undefined ? createdAt + Math.round(body.max_queue_seconds * 1000) : null,
      runTimeoutMs: body.timeout_seconds !== undefined ? Math.round(body.timeout_seconds * 1000) : null,
      createdAt,
      updatedAt: createdAt,
    };
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
    ...(body.keep_alive !== undefined ? { keepAliveMs: body.keep_alive } : {}),
  };
}
