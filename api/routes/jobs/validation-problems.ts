// Turns zod issues into the problem+json `errors` list ({field, message}).
import type { z } from "zod";
import { GenqError } from "../../../shared/errors.ts";

export function validationError(error: z.ZodError, detail = "request validation failed"): GenqError {
  const errors = error.issues.map((issue) => ({
    // An unknown field is named by itself (its first one), so clients can point at it.
    field: [...issue.path, ...(issue.code === "unrecognized_keys" ? issue.keys.slice(0, 1) : [])].map(String).join(".") || "(root)",
    message:
      issue.code === "unrecognized_keys" ? `unknown field(s): ${issue.keys.join(", ")}` : issue.message,
  }));
  return new GenqError("VALIDATION_FAILED", `${detail}: ${errors.map((e) => `${e.field}: ${e.message}`).join("; ")}`, {
    errors,
  });
}
