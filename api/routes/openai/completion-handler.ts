// POST /v1/chat/completions and POST /v1/completions: the OpenAI body is translated into a job
// body and admitted exactly like POST /v1/jobs (same queue, tenancy, limits, idempotency); the
// request then waits for the job and answers in OpenAI's shape, or streams it as chunks. A client
// that goes away cancels its job.
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { GenqError } from "../../../shared/errors.ts";
import { completionBody } from "../../../shared/openai/openai-completion.ts";
import { jobOutcomeError } from "../../../shared/openai/openai-error.ts";
import { openAiRequestSchema, toJobRequest, type OpenAiEndpoint } from "../../../shared/openai/openai-job-request.ts";
import { isTerminalStatus, type JobRow } from "../../../shared/store/schema/jobs.ts";
import { readJsonBody } from "../../middleware/json-body.ts";
import { openAiErrorResponse } from "../../middleware/openai-error-response.ts";
import { awaitTerminal } from "../jobs/await-terminal.ts";
import { idempotencyKeyOf, JobSubmitter, type Submission } from "../jobs/submit-job.ts";
import { validationError } from "../jobs/validation-problems.ts";
import { holdWaiterSlot } from "../jobs/waiter-slot.ts";
import { cancelAbandoned } from "./cancel-abandoned.ts";
import { streamCompletion } from "./completion-stream.ts";

/** Waits are re-armed this often; the request itself has no time limit but the client's. */
const WAIT_SLICE_MS = 60_000;

export function completionHandler(deps: AppDeps, endpoint: OpenAiEndpoint) {
  const submitter = new JobSubmitter(deps);
  const schema = openAiRequestSchema(endpoint);
  return async (c: Context<AppEnv>) => {
    const idempotencyKey = idempotencyKeyOf(c);
    const raw = await readJsonBody(c, deps.limits.maxBodyBytes, deps.limits.maxJsonDepth);
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error);
    const request = toJobRequest(endpoint, parsed.data);
    const tenantId = c.get("tenantId");
    // An open wait like a long-poll, so it counts against GENQ_MAX_WAITERS_PER_TENANT; taken
    // before anything is stored, so a refusal leaves nothing behind.
    const release = await holdWaiterSlot(deps, tenantId);
    let submission: Submission;
    try {
      submission = await submitter.submit(tenantId, request.job, idempotencyKey);
    } catch (error) {
      release();
      if (error instanceof GenqError) return openAiErrorResponse(c, error, request.paramNames);
      throw error;
    }
    // OpenAI's SDKs expose it as `_request_id`: the job id, for GET /v1/jobs/:id.
    c.header("x-request-id", submission.row.id);
    if (submission.replayed) c.header("idempotent-replayed", "true");
    if (request.stream) return streamCompletion(c, deps, { request, submission, release });
    try {
      const row = await waitForTerminal(deps, submission, c.req.raw.signal);
      // The client left (its job was canceled): nobody reads this; 499 as nginx logs it.
      if (!row) return new Response(null, { status: 499 });
      const error = jobOutcomeError(row);
      if (error) return openAiErrorResponse(c, error);
      return c.json(completionBody(endpoint, row));
    } finally {
      release();
    }
  };
}

/** The terminal row, or undefined when the client left first (its job is then canceled). */
async function waitForTerminal(deps: AppDeps, submission: Submission, signal: AbortSignal): Promise<JobRow | undefined> {
  let row = submission.row;
  while (!isTerminalStatus(row.status) && !signal.aborted) row = await awaitTerminal(deps, row, WAIT_SLICE_MS, signal);
  if (isTerminalStatus(row.status)) return row;
  await cancelAbandoned(deps, submission);
  return undefined;
}
