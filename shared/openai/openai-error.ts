// genq's errors in OpenAI's shape, `{error: {message, type, param, code}}`: the one mapping from
// genq's ERROR_CODES to the status, type and code an OpenAI client expects, and the error a
// finished job that produced no completion answers with.
import { ERROR_CODES, GenqError, httpStatusFor, type ErrorCode } from "../errors.ts";
import type { JobRow } from "../store/schema/jobs.ts";

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface OpenAiError {
  status: number;
  body: OpenAiErrorBody;
  /**
   * Whether an OpenAI SDK should retry (sent as `x-should-retry`): the SDKs retry every 409,
   * 429 and 5xx by default, but a resent request cannot succeed after some of them.
   */
  retryable: boolean;
}

/** Where OpenAI's own code differs from genq's (lowercased) code, so clients that match on it work. */
const OPENAI_CODES: Partial<Record<ErrorCode, string>> = {
  UNKNOWN_MODEL: "model_not_found",
  UNAUTHORIZED: "invalid_api_key",
  RATE_LIMITED: "rate_limit_exceeded",
};

/** OpenAI answers an unknown model with 404 (genq's own API: 400, a bad field of the body). */
const OPENAI_STATUS: Partial<Record<ErrorCode, number>> = { UNKNOWN_MODEL: 404 };

const NOT_RETRYABLE: readonly ErrorCode[] = ["POISON_JOB", "JOB_CANCELED"];

export function openAiStatus(code: ErrorCode): number {
  return OPENAI_STATUS[code] ?? httpStatusFor(code);
}

function errorType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/**
 * OpenAI's `param` for a genq field path: `messages.0.content` → `messages[0].content`, with the
 * first segment renamed to the parameter the caller actually sent (`paramNames`).
 */
export function openAiParam(field: string | undefined, paramNames: Record<string, string> = {}): string | null {
  if (!field || field.startsWith("(")) return null;
  const [head, ...rest] = field.split(".");
  return [paramNames[head] ?? head, ...rest].reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : `${path}.${part}`));
}

export function openAiError(error: GenqError, paramNames: Record<string, string> = {}): OpenAiError {
  const status = openAiStatus(error.code);
  return {
    status,
    body: {
      error: {
        message: error.message,
        type: errorType(status),
        param: openAiParam(error.extras.errors?.[0]?.field, paramNames),
        code: OPENAI_CODES[error.code] ?? error.code.toLowerCase(),
      },
    },
    retryable: (status === 429 || status >= 500) && !NOT_RETRYABLE.includes(error.code),
  };
}

/** Why a terminal job has no completion to answer with (failed, expired, canceled); undefined when it succeeded. */
export function jobOutcomeError(row: JobRow): GenqError | undefined {
  if (row.status === "succeeded") return undefined;
  if (row.status === "canceled") return new GenqError("JOB_CANCELED", `job ${row.id} was canceled before it finished`);
  const code = row.errorCode !== null && row.errorCode in ERROR_CODES ? (row.errorCode as ErrorCode) : "INTERNAL";
  return new GenqError(code, row.errorMessage ?? `job ${row.id} ${row.status}`);
}
