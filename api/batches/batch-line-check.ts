// Checks one batch input line as OpenAI does ({custom_id, method: "POST", url, body}) and turns
// it into the job row it becomes, through the same translation (shared/openai) and admission
// checks (JobSubmitter.prepare) as a synchronous OpenAI request. Problems use OpenAI's batch
// error codes, each with its line number and the offending parameter.
import { GenqError } from "../../shared/errors.ts";
import { openAiRequestSchema, toJobRequest, type OpenAiEndpoint } from "../../shared/openai/openai-job-request.ts";
import type { JobSubmitter, PreparedJob } from "../routes/jobs/submit-job.ts";
import type { InputLine } from "./batch-lines.ts";

export interface LineProblem {
  code: string;
  message: string;
  line: number;
  param: string | null;
}

export interface LineDraft {
  customId: string;
  model: string;
  /** The job row without its identity (id, tenant, batch: set by the intake). */
  row: PreparedJob;
}

export interface LineCheckContext {
  endpoint: OpenAiEndpoint;
  submitter: JobSubmitter;
  now: () => number;
}

const MAX_CUSTOM_ID_CHARS = 512;

export function checkLine(line: InputLine, context: LineCheckContext): LineDraft | LineProblem {
  const problem = (code: string, message: string, param: string | null = null): LineProblem => ({ code, message, line: line.lineNumber, param });
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch {
    return problem("invalid_json_line", "this line is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return problem("invalid_json_line", "each line must be a JSON object");
  const record = value as Record<string, unknown>;
  const customId = record.custom_id;
  if (typeof customId !== "string" || customId === "" || customId.length > MAX_CUSTOM_ID_CHARS) {
    return problem("missing_required_parameter", `custom_id must be a non-empty string of at most ${MAX_CUSTOM_ID_CHARS} characters`, "custom_id");
  }
  if (record.method !== "POST") return problem("invalid_method", 'method must be "POST"', "method");
  if (record.url !== context.endpoint) return problem("invalid_url", `url must be the batch's endpoint, ${context.endpoint}`, "url");
  const parsed = openAiRequestSchema(context.endpoint).safeParse(record.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return problem("invalid_request", issue.message, ["body", ...issue.path.map(String)].join("."));
  }
  if (parsed.data.stream) return problem("invalid_request", "stream is not supported in a batch", "body.stream");
  const request = toJobRequest(context.endpoint, parsed.data);
  try {
    const row = context.submitter.prepare(request.job, context.now());
    return { customId, model: row.model, row };
  } catch (error) {
    if (!(error instanceof GenqError)) throw error;
    const field = error.extras.errors?.[0]?.field;
    const code = error.code === "UNKNOWN_MODEL" ? "model_not_found" : "invalid_request";
    return problem(code, error.message, field ? `body.${request.paramNames[field] ?? field}` : null);
  }
}

export function isProblem(result: LineDraft | LineProblem): result is LineProblem {
  return "code" in result;
}
