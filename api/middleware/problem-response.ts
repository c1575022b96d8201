// The one error handler: every failure leaves as application/problem+json with a stable code.
// Unknown errors become 500 INTERNAL without leaking their message.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { GenqError, httpStatusFor, type ErrorCode } from "../../shared/errors.ts";
import type { Logger } from "../../shared/logger.ts";

const TITLES: Partial<Record<ErrorCode, string>> = {
  VALIDATION_FAILED: "Request validation failed",
  INVALID_JSON: "Body is not valid JSON",
  JOB_NOT_FOUND: "Job not found",
  INTERNAL: "Internal error",
};

export function problemResponse(c: Context, error: GenqError): Response {
  const status = httpStatusFor(error.code);
  const body: Record<string, unknown> = {
    type: `https://genq.dev/problems/${error.code.toLowerCase().replaceAll("_", "-")}`,
    title: TITLES[error.code] ?? error.code.toLowerCase().replaceAll("_", " "),
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

export function createErrorHandler(logger: Logger) {
  return (error: Error, c: Context): Response => {
    if (error instanceof GenqError) {
      // Routine for a server (a phone losing signal mid-upload), so not an error in the log.
      if (error.code === "REQUEST_ABORTED") logger.debug("client aborted the request body", { path: c.req.path, method: c.req.method });
      return problemResponse(c, error);
    }
    if (error instanceof HTTPException && error.status === 413) {
      return problemResponse(c, new GenqError("PAYLOAD_TOO_LARGE", "request body is larger than the limit"));
    }
    logger.error("unhandled error", { error, path: c.req.path, method: c.req.method });
    return problemResponse(c, new GenqError("INTERNAL", "internal error"));
  };
}
