// The Files & Batches settings (upload limits, the completion window): their environment schema,
// merged into shared/config.ts, and the typed options derived from it.
import { z } from "zod";
import { durationMs, wholeNumber } from "./reliability-config.ts";

export const batchEnv = {
  GENQ_FILE_MAX_BYTES: wholeNumber(1_024, 10_737_418_240).default(209_715_200),
  GENQ_FILE_MAX_LINES: wholeNumber(1, 10_000_000).default(50_000),
  GENQ_BATCH_WINDOW: durationMs(1_000, 30 * 86_400_000).default(86_400_000),
};

type BatchEnv = { [K in keyof typeof batchEnv]: z.output<(typeof batchEnv)[K]> };

export interface BatchConfig {
  /** Largest uploaded file (GENQ_FILE_MAX_BYTES, 200 MB as OpenAI's): larger uploads get 413, unread. */
  fileMaxBytes: number;
  /** Most lines in an uploaded file (GENQ_FILE_MAX_LINES, 50,000 as OpenAI's). */
  fileMaxLines: number;
  /** How long a `completion_window: "24h"` batch may run before what is left expires (GENQ_BATCH_WINDOW, 24h). */
  windowMs: number;
}

export function batchConfig(e: BatchEnv): BatchConfig {
  return { fileMaxBytes: e.GENQ_FILE_MAX_BYTES, fileMaxLines: e.GENQ_FILE_MAX_LINES, windowMs: e.GENQ_BATCH_WINDOW };
}
