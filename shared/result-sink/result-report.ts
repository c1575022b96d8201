// The wire format of POST /internal/v1/results: one report per job-row read or transition a
// GENQ_RESULT_SINK=http worker makes, validated on the API side by the same schema that types
// the worker's client. `report_id` makes a transition idempotent (a retry gets the first answer).
import { z } from "zod";
import { ERROR_CODES, type ErrorCode } from "../errors.ts";
import type { JobRow } from "../store/schema/jobs.ts";

export const RESULTS_PATH = "/internal/v1/results";

const jobId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, "a job id");
const reportId = z.string().regex(/^[A-Za-z0-9_.:-]{8,200}$/, "8-200 letters, digits, _ . : -");
const count = z.number().int().min(0).max(100_000_000);
const text = z.string().max(10_000_000);
const partial = z.object({ outputText: text, promptTokens: count, completionTokens: count }).strict();
const errorCode = z.string().refine((code): code is ErrorCode => Object.hasOwn(ERROR_CODES, code), "an error code of shared/errors.ts");

export const resultReportSchema = z.discriminatedUnion("op", [
  /** Startup: checks the token and that the route is on. */
  z.object({ op: z.literal("hello") }).strict(),
  z.object({ op: z.literal("read"), job_id: jobId }).strict(),
  z.object({ op: z.literal("start"), job_id: jobId, report_id: reportId }).strict(),
  z.object({ op: z.literal("count-engine-run"), job_id: jobId, report_id: reportId }).strict(),
  z
    .object({
      op: z.literal("complete"),
      job_id: jobId,
      report_id: reportId,
      result: partial.extend({ finishReason: z.enum(["stop", "length", "canceled", "timeout"]) }).strict(),
    })
    .strict(),
  z.object({ op: z.literal("fail"), job_id: jobId, report_id: reportId, code: errorCode, message: z.string().max(10_000) }).strict(),
  z
    .object({
      op: z.literal("expire"),
      job_id: jobId,
      report_id: reportId,
      code: z.enum(["QUEUE_TIMEOUT", "RUN_TIMEOUT"]),
      message: z.string().max(10_000),
      partial: partial.optional(),
    })
    .strict(),
  z.object({ op: z.literal("hand-back"), job_id: jobId, report_id: reportId, run_ended_cleanly: z.boolean() }).strict(),
]);

export type ResultReport = z.infer<typeof resultReportSchema>;

/** The answer: the row after the report (`null` = unchanged because terminal or gone), or the engine-run count. */
export interface ResultAnswer {
  row?: JobRow | null;
  engineRuns?: number;
}
