// Per-tenant fair use on POST /v1/jobs: per-request size limits (the request rate is
// middleware/rate-limit-writes.ts). The queued-or-running cap is enforced by the atomic
// count-and-insert in JobStore.insertWithinQuota; its refusal is built here.
import type { AppDeps, ApiLimits } from "../../app-deps.ts";
import { GenqError } from "../../../shared/errors.ts";
import type { CreateJobRequest } from "./create-job-request.ts";

/** A slot frees when one of the tenant's jobs finishes; there is no way to know when. */
const QUOTA_RETRY_AFTER_SECONDS = 5;

export class SubmitLimits {
  constructor(
    private readonly deps: AppDeps,
    private readonly limits: ApiLimits,
  ) {}

  /**
   * Before tokenizing: the prompt (or all message contents together) within GENQ_MAX_PROMPT_CHARS,
   * counted in Unicode code points (an emoji is one character, not two UTF-16 units).
   */
  checkPromptSize(body: CreateJobRequest): void {
    const chars = body.prompt !== undefined ? codePoints(body.prompt) : (body.messages ?? []).reduce((sum, m) => sum + codePoints(m.content), 0);
    if (chars > this.limits.maxPromptChars) {
      throw tooLarge(body.prompt !== undefined ? "prompt" : "messages", `must be at most ${this.limits.maxPromptChars} characters on this server`);
    }
  }

  /**
   * Not a 429: retrying the same request can never succeed, so clients must not be told to
   * back off and retry. Checked after the context check, which is the more specific answer.
   */
  checkMaxTokens(body: CreateJobRequest): void {
    if (body.max_tokens > this.limits.maxTokens) {
      throw tooLarge("max_tokens", `must be at most ${this.limits.maxTokens} on this server`);
    }
  }

  quotaExceeded(active: number): GenqError {
    return new GenqError(
      "QUOTA_EXCEEDED",
      `${active} jobs are already queued or running for this tenant (limit ${this.limits.maxActiveJobsPerTenant}); retry when some finish`,
      { retryAfterSeconds: QUOTA_RETRY_AFTER_SECONDS },
    );
  }
}

function tooLarge(field: string, message: string): GenqError {
  return new GenqError("VALIDATION_FAILED", `${field}: ${message}`, { errors: [{ field, message }] });
}

/** Code points in `text`: UTF-16 units less one per surrogate pair (lone surrogates are refused earlier). */
function codePoints(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) count--;
  }
  return count;
}
