// The one table of stable error codes (API problem+json `code`, job `error.code`): each code's
// HTTP status, title and documentation. The ErrorCode union is its keys.

export interface ErrorCodeInfo {
  /** HTTP status of an API answer with this code. */
  status: number;
  /** Short, stable summary (problem+json `title`). */
  title: string;
  /** What happened, for the page served at /problems/<code>. */
  description: string;
  /** What the caller can do about it. */
  fix: string;
}

/**
 * Every code, its HTTP status and its documentation. `GET /problems/<code>` renders these
 * entries, and problem+json `type` links there.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: {
    status: 400,
    title: "Request validation failed",
    description: "A field of the request (body, query or header) is missing, has the wrong type, is out of range or is unknown. `errors` lists each field and what was wrong.",
    fix: "Correct the fields named in `errors`; retrying the same request cannot succeed.",
  },
  INVALID_JSON: {
    status: 400,
    title: "Body is not valid JSON",
    description: "The body could not be parsed as JSON, is nested too deeply, or contains forbidden keys (`__proto__`, `constructor`, `prototype`), NUL characters, lone surrogates or invalid UTF-8.",
    fix: "Send one well-formed JSON object encoded as UTF-8.",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: "Unsupported content type",
    description: "The request has a body whose `Content-Type` is not `application/json`.",
    fix: "Send `Content-Type: application/json`.",
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    title: "Request body too large",
    description: "The body is larger than the API accepts (1 MiB), whatever the `Content-Length` said.",
    fix: "Send a smaller body; split large batches into several jobs.",
  },
  UNKNOWN_MODEL: {
    status: 400,
    title: "Unknown model",
    description: "`model` names no model registered on this deployment (`GENQ_MODELS`).",
    fix: "Leave `model` out for the default, or use a registered name.",
  },
  CONTEXT_LENGTH_EXCEEDED: {
    status: 400,
    title: "Prompt and max_tokens exceed the context",
    description: "The prompt's tokens plus `max_tokens` are more than the model's context length.",
    fix: "Shorten the prompt or lower `max_tokens`.",
  },
  INVALID_TOKEN: {
    status: 400,
    title: "Invalid prompt tokens",
    description: "The prompt tokenizes to nothing, or to token ids outside the model's vocabulary (a tokenizer that does not match the model).",
    fix: "Send a non-empty prompt; operators: check that the model folder's tokenizer belongs to its weights.",
  },
  UNSUPPORTED_SCHEMA: {
    status: 400,
    title: "Unsupported JSON schema",
    description: "`response_format.json_schema.schema` uses a keyword outside the supported subset (named in `detail`); genq never silently ignores a keyword it cannot enforce.",
    fix: "Remove or rewrite the named keyword; the supported subset is listed in the README (Structured outputs).",
  },
  JOB_NOT_FOUND: {
    status: 404,
    title: "Job not found",
    description: "No job with this id exists for the caller's tenant. Another tenant's job answers exactly the same.",
    fix: "Check the id and that the API key belongs to the tenant that submitted the job.",
  },
  API_KEY_NOT_FOUND: {
    status: 404,
    title: "API key not found",
    description: "The admin API knows no key with this id.",
    fix: "List keys with `GET /v1/admin/keys` and use an `id` from there.",
  },
  JOB_NOT_CANCELABLE: {
    status: 409,
    title: "Job cannot be canceled",
    description: "The job already finished (succeeded, failed or expired); terminal states are final.",
    fix: "Nothing to do: read the job for its result.",
  },
  JOB_CANCELED: {
    status: 409,
    title: "Job canceled before it finished",
    description: "An OpenAI-compatible request (`/v1/chat/completions`, `/v1/completions`) was waiting on its job, and the job was canceled (`POST /v1/jobs/:id/cancel`) before it finished. OpenAI's shapes have no canceled result, so the request answers this instead.",
    fix: "Read the job (`GET /v1/jobs/:id`) for its partial text, or send the request again.",
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 409,
    title: "Idempotency-Key reused with a different body",
    description: "This tenant already submitted a different request with the same `Idempotency-Key`.",
    fix: "Use a new key for a new request; resend the identical body to get the first answer back.",
  },
  ROUTE_NOT_FOUND: {
    status: 404,
    title: "No such route",
    description: "No endpoint answers this method and path (or the feature is off on this deployment).",
    fix: "Check the path against `README.md` (HTTP API).",
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    title: "Method not allowed",
    description: "The path exists but not with this HTTP method (reserved: such requests answer `ROUTE_NOT_FOUND` today).",
    fix: "Use the method the HTTP API documents for this path.",
  },
  UNAUTHORIZED: {
    status: 401,
    title: "Unauthorized",
    description: "The request needs an API key (`Authorization: Bearer <key>`), or the key, admin key or stream token is missing, malformed, unknown, revoked, expired or not valid for this request.",
    fix: "Send a valid key in the `Authorization` header; for a stream token, fetch the job again for a fresh `urls.events`.",
  },
  FORBIDDEN: {
    status: 403,
    title: "Forbidden",
    description: "The credentials are valid but do not allow this action (reserved: no route answers it yet).",
    fix: "Use credentials with the needed rights.",
  },
  RATE_LIMITED: {
    status: 429,
    title: "Too many requests",
    description: "The tenant submitted faster than `GENQ_RATE_LIMIT_PER_SECOND` (with `GENQ_RATE_LIMIT_BURST`) allows. Nothing was stored.",
    fix: "Wait for `Retry-After` seconds and send again.",
  },
  QUOTA_EXCEEDED: {
    status: 429,
    title: "Too many active jobs",
    description: "The tenant already has `GENQ_MAX_ACTIVE_JOBS_PER_TENANT` jobs queued or running. Nothing was stored.",
    fix: "Wait for jobs to finish (`Retry-After`), or cancel some.",
  },
  TOO_MANY_WAITERS: {
    status: 429,
    title: "Too many open waits",
    description: "The tenant already holds `GENQ_MAX_WAITERS_PER_TENANT` open long-polls (`?wait`) and event streams across all API processes. Open ones are never cut; this new one was refused.",
    fix: "Close waits you no longer need, or wait `Retry-After` seconds; plain polls without `?wait` are not counted.",
  },
  AUTH_THROTTLED: {
    status: 429,
    title: "Too many failed authentications",
    description: "Too many requests from this client or for this key prefix failed authentication recently, so every attempt is refused for a while, even with the right key.",
    fix: "Wait `Retry-After` seconds, then send a valid key.",
  },
  REDELIVERY_LIMIT_REACHED: {
    status: 409,
    title: "Redelivery limit reached",
    description: "This job's webhook deliveries were already redelivered as often as allowed (10 times per delivery).",
    fix: "Read the job's result with `GET /v1/jobs/:id` instead of asking for another delivery.",
  },
  WEBHOOK_SECRET_UNAVAILABLE: {
    status: 409,
    title: "Webhook secret already revealed",
    description: "The tenant's webhook signing secret is shown once, by the first `GET /v1/webhooks/secret`, and it was already revealed (or the server signs with its operator's `GENQ_WEBHOOK_SECRET`).",
    fix: "Rotate the secret (`POST /v1/webhooks/secret/rotate`); its answer shows the new one.",
  },
  REQUEST_ABORTED: {
    status: 400,
    title: "Request aborted",
    description: "The client closed the connection before the request body was complete; nothing was stored.",
    fix: "Send the request again over a stable connection.",
  },
  CHAT_TEMPLATE_ERROR: {
    status: 400,
    title: "Chat template refused the messages",
    description: "The model's chat template raised an error for these messages (for example roles in an order it does not accept); `detail` carries the template's message.",
    fix: "Change the messages as the template's message says (role order, system message placement).",
  },
  WEBHOOK_URL_REJECTED: {
    status: 400,
    title: "Webhook URL rejected",
    description: "The webhook URL is not http(s), carries credentials, or points at a loopback, private or metadata address (SSRF guard).",
    fix: "Use a public http(s) URL, or have the operator list the host in `GENQ_WEBHOOK_ALLOW_HOSTS`.",
  },
  WEBHOOK_NOT_CONFIGURED: {
    status: 409,
    title: "Job has no webhook",
    description: "Webhook deliveries were asked for a job submitted without `webhook`.",
    fix: "Submit jobs with `webhook: {url}` to get deliveries.",
  },
  QUEUE_UNAVAILABLE: {
    status: 503,
    title: "Queue unavailable",
    description: "Redis did not answer, so the request could not be served now (reserved: submits are stored and enqueued later instead).",
    fix: "Retry later; operators: check Redis (`GET /readyz`).",
  },
  ENGINE_ERROR: {
    status: 500,
    title: "Engine error",
    description: "The model failed while generating this job, repeatedly; a worker crash alone never fails a job.",
    fix: "Retry once; if it fails again, report the job id to the operator.",
  },
  POISON_JOB: {
    status: 500,
    title: "Job crashed the engine repeatedly",
    description: "Every allowed run of this job (`GENQ_MAX_JOB_RUNS`, the last one alone) ended with the worker's engine crashing, so genq stopped retrying it instead of letting it take workers down again.",
    fix: "Do not resubmit it unchanged; report the job id to the operator, who can find the crash in the worker logs.",
  },
  JOB_EXPIRED: {
    status: 410,
    title: "Job expired",
    description: "The job waited or ran longer than its limit and was stopped; its `error.code` says which limit (`QUEUE_TIMEOUT`, `RUN_TIMEOUT`).",
    fix: "Submit again, with a longer limit or at a higher priority.",
  },
  QUEUE_TIMEOUT: {
    status: 504,
    title: "Job not started within max_queue_seconds",
    description: "The job was still queued when its `max_queue_seconds` ran out, so it expired without running. A job's `error.code`, never the answer to a request.",
    fix: "Submit again with a longer `max_queue_seconds`, at a higher priority, or when the queue is shorter.",
  },
  RUN_TIMEOUT: {
    status: 504,
    title: "Job not finished within timeout_seconds",
    description: "The job started but had not finished when its `timeout_seconds` ran out; generation stopped and the job expired, keeping the partial output. A job's `error.code`, never the answer to a request.",
    fix: "Submit again with a longer `timeout_seconds` or a lower `max_tokens`.",
  },
  INTERNAL: {
    status: 500,
    title: "Internal error",
    description: "Something unexpected failed inside genq; details are in the server log, never in the answer.",
    fix: "Retry; if it persists, report the time and path to the operator.",
  },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes a generation fails with inside a worker (engine, thread, queue); a subset, so job rows stay in the union. */
export type GenerationErrorCode = Extract<ErrorCode, "INVALID_TOKEN" | "CONTEXT_LENGTH_EXCEEDED" | "ENGINE_ERROR" | "UNKNOWN_MODEL">;

export function httpStatusFor(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

/** The path segment of a code's page: `VALIDATION_FAILED` -> `validation-failed`. */
export function problemSlug(code: ErrorCode): string {
  return code.toLowerCase().replaceAll("_", "-");
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
