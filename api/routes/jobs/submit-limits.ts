// Per-tenant fair use on POST /v1/jobs: the submit rate (Redis token bucket, checked before the
// body is even read) and the server's max_tokens cap (checked after the more specific context
// check). Prompt sizes are bounds of the request schema; the queued-or-running cap is the
// store's atomic jobs.admit(); its refusal is built here.
import type { AppDeps } from "../../app-deps.ts";
import { GenqError } from "../../../shared/errors.ts";
import type { CreateJobRequest } from "./create-job-request.ts";

/** A slot frees when one of the tenant's jobs finishes; there is no way to know when. */
const QUOTA_RETRY_AFTER_SECONDS = 5;

export class SubmitLimits {
  constructor(private readonly deps: AppDeps) {}

  private get limits() {
    return this.deps.limits;
  }

  /** Takes one submit token; 429 RATE_LIMITED with Retry-After when the bucket is empty. */
  async takeSubmitToken(tenantId: string): Promise<void> {
    let result: { allowed: boolean; retryAfterMs: number };
    try {
      result = await this.deps.rateLimiter.take(tenantId);
    } catch (error) {
      // Fail open: a Redis hiccup must not stop submits (rows are durable; the reconciler
      // enqueues them later), and the active-jobs cap in SQLite still bounds every tenant.
      this.deps.logger.warn("rate limiter unavailable; submit allowed", { error });
      return;
    }
    if (!result.allowed) {
      const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
      throw new GenqError("RATE_LIMITED", `too many submits; retry in ${seconds} s`, { retryAfterSeconds: seconds });
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
      `${active} jobs are already queued or running for this tenant (limit ${this.limits.maxActiveJobs}); retry when some finish`,
      { retryAfterSeconds: QUOTA_RETRY_AFTER_SECONDS },
    );
  }
}

function tooLarge(field: string, message: string): GenqError {
  return new GenqError("VALIDATION_FAILED", `${field}: ${message}`, { errors: [{ field, message }] });
}
