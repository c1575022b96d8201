// The one union of stable error codes (API problem+json `code`, job `error.code`) and the one
// exhaustive code -> HTTP status mapping. Add a code here and the compiler finds every gap.

export type ErrorCode =
  | "VALIDATION_FAILED"
  | "INVALID_JSON"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "PAYLOAD_TOO_LARGE"
  | "UNKNOWN_MODEL"
  | "CONTEXT_LENGTH_EXCEEDED"
  | "INVALID_TOKEN"
  | "JOB_NOT_FOUND"
  | "API_KEY_NOT_FOUND"
  | "JOB_NOT_CANCELABLE"
  | "IDEMPOTENCY_KEY_REUSED"
  | "ROUTE_NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "RATE_LIMITED"
  | "QUOTA_EXCEEDED"
  | "WEBHOOK_URL_REJECTED"
  | "WEBHOOK_NOT_CONFIGURED"
  | "QUEUE_UNAVAILABLE"
  | "ENGINE_ERROR"
  | "POISON_JOB"
  | "JOB_EXPIRED"
  | "INTERNAL";

/** The codes a generation fails with inside a worker (engine, thread, queue); a subset, so job rows stay in the union. */
export type GenerationErrorCode = Extract<ErrorCode, "INVALID_TOKEN" | "CONTEXT_LENGTH_EXCEEDED" | "ENGINE_ERROR" | "UNKNOWN_MODEL">;

export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case "VALIDATION_FAILED":
    case "INVALID_JSON":
    case "UNKNOWN_MODEL":
    case "CONTEXT_LENGTH_EXCEEDED":
    case "INVALID_TOKEN":
    case "WEBHOOK_URL_REJECTED":
      return 400;
    case "UNAUTHORIZED":
      return 401;
    case "FORBIDDEN":
      return 403;
    case "JOB_NOT_FOUND":
    case "API_KEY_NOT_FOUND":
    case "ROUTE_NOT_FOUND":
      return 404;
    case "METHOD_NOT_ALLOWED":
      return 405;
    case "JOB_NOT_CANCELABLE":
    case "IDEMPOTENCY_KEY_REUSED":
    case "WEBHOOK_NOT_CONFIGURED":
      return 409;
    case "JOB_EXPIRED":
      return 410;
    case "PAYLOAD_TOO_LARGE":
      return 413;
    case "UNSUPPORTED_MEDIA_TYPE":
      return 415;
    case "RATE_LIMITED":
    case "QUOTA_EXCEEDED":
      return 429;
    case "QUEUE_UNAVAILABLE":
      return 503;
    case "ENGINE_ERROR":
    case "POISON_JOB":
    case "INTERNAL":
      return 500;
  }
}

export interface FieldProblem {
  /** JSON pointer-ish path, e.g. "max_tokens" or "messages.0.role". */
  field: string;
  message: string;
}

/** A failure with a stable code; the API's one error handler turns it into problem+json. */
export class GenqError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extras: { errors?: FieldProblem[]; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = "GenqError";
  }

  get status(): number {
    return httpStatusFor(this.code);
  }
}
