// The result-sink settings: where a worker writes job-row transitions (GENQ_RESULT_SINK=store, its
// own store; =http, the API's internal results route) and the token that route takes. Their
// environment schema is merged into shared/config.ts, which alone reads the environment.
import { z } from "zod";

export const resultSinkEnv = {
  GENQ_RESULT_SINK: z.enum(["store", "http"]).default("store"),
  GENQ_RESULT_SINK_URL: z
    .string()
    .regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, "must be the API's base URL, http(s)://host[:port]")
    .transform((url) => url.replace(/\/+$/, ""))
    .optional(),
  GENQ_RESULT_SINK_TOKEN: z.string().regex(/^[\x21-\x7e]{32,512}$/, "must be 32-512 printable characters without spaces").optional(),
};

type ResultSinkEnv = z.output<z.ZodObject<typeof resultSinkEnv>>;

export type ResultSinkConfig =
  /** The worker opens the store and applies transitions itself (one box; many hosts on Postgres). */
  | { kind: "store"; token: string | undefined }
  /** The worker never opens the store: it reports every transition to `url` with `token`. */
  | { kind: "http"; url: string; token: string };

/**
 * On the worker, the sink it writes to; on the API, `token` (when set) turns on
 * POST /internal/v1/results for GENQ_RESULT_SINK=http workers. Problems are `KEY: message` lines.
 */
export function resultSinkConfig(e: ResultSinkEnv): { config?: ResultSinkConfig; problems: string[] } {
  if (e.GENQ_RESULT_SINK === "store") return { config: { kind: "store", token: e.GENQ_RESULT_SINK_TOKEN }, problems: [] };
  const problems: string[] = [];
  if (!e.GENQ_RESULT_SINK_URL) problems.push("GENQ_RESULT_SINK_URL: required with GENQ_RESULT_SINK=http (the API's base URL)");
  if (!e.GENQ_RESULT_SINK_TOKEN) problems.push("GENQ_RESULT_SINK_TOKEN: required with GENQ_RESULT_SINK=http (the API's GENQ_RESULT_SINK_TOKEN)");
  if (problems.length > 0) return { problems };
  return { config: { kind: "http", url: e.GENQ_RESULT_SINK_URL!, token: e.GENQ_RESULT_SINK_TOKEN! }, problems };
}
