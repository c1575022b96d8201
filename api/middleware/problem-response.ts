// The one error handler: every failure leaves as application/problem+json with a stable code
// (in OpenAI's shape on OpenAI's paths). Unknown errors become 500 INTERNAL without leaking their message.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ERROR_CODES, GenqError, httpStatusFor, problemSlug } from "../../shared/errors.ts";
import type { Logger } from "../../shared/logger.ts";
import { isOpenAiPath, openAiErrorResponse } from "./openai-error-response.ts";

/**
 * `problemBaseUrl` (GENQ_PUBLIC_URL) makes `type` absolute; "" leaves it relative to the request,
 * which RFC 9457 also allows. Either way it names the page genq serves at /problems/<code>.
 */
export function problemResponse(c: Context, error: GenqError, problemBaseUrl = ""): Response {
  const status = httpStatusFor(error.code);
  const body: Record<string, unknown> = {
    type: `${problemBaseUrl}/problems/${problemSlug(error.code)}`,
    title: ERROR_CODES[error.code].title,
    status,
    detail: error.message,
    code: error.code,
  };
  if (error.extras.errors) body.errors = error.extras.errors;
  const headers: Record<string, string> = { "content-type": "application/problem+json" };
  if (error.extras.retryAfterSeconds !== undefined) headers["retry-after"] = String(error.extras.retryAfterSeconds);
  // RFC 7235: every 401 names the scheme it wants.
  if (error.code === "UNAUTHORIZED") headers["www-authenticate"] = 'Bearer realm="genq"';
  return c.body(JSON.stringify(body), status as 400, headers);
}

/** The answer for a GenqError on this request's path: OpenAI's error shape on OpenAI's paths, problem+json elsewhere. */
export function errorResponse(c: Context, error: GenqError, problemBaseUrl = ""): Response {
  return isOpenAiPath(c.req.path) ? openAiErrorResponse(c, error) : problemResponse(c, error, problemBaseUrl);
}

export function createErrorHandler(logger: Logger, problemBaseUrl = "") {
  return (error: Error, c: Context): Response => {
    if (error instanceof GenqError) {
      // Routine for a server (a phone losing signal mid-upload), so not an error in the log.
      if (error.code === "REQUEST_ABORTED") logger.debug("client aborted the request body", { path: c.req.path, method: c.req.method });
      return errorResponse(c, error, problemBaseUrl);
    }
    if (error instanceof HTTPException && error.status === 413) {
      return errorResponse(c, new GenqError("PAYLOAD_TOO_LARGE", "request body is larger than the limit"), problemBaseUrl);
    }
    logger.error("unhandled error", { error, path: c.req.path, method: c.req.method });
    return errorResponse(c, new GenqError("INTERNAL", "internal error"), problemBaseUrl);
  };
}
