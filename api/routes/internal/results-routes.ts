// POST /internal/v1/results: where GENQ_RESULT_SINK=http workers report every job-row read and
// transition. Outside /v1 auth: it takes GENQ_RESULT_SINK_TOKEN (constant-time compare) and
// exists only when that is set. Each transition runs through the job lifecycle here (row, stream,
// webhooks, wake-up) exactly as in a store-backed worker, once per report id (report-ledger.ts).
import { Hono } from "hono";
import { secretsEqual } from "../../../shared/auth/api-key-secret.ts";
import { GenqError } from "../../../shared/errors.ts";
import type { ResultAnswer, ResultReport } from "../../../shared/result-sink/result-report.ts";
import { resultReportSchema } from "../../../shared/result-sink/result-report.ts";
import { StoreResultSink } from "../../../shared/result-sink/store-result-sink.ts";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { readJsonBody } from "../../middleware/json-body.ts";
import { bearerToken } from "../../../shared/auth/bearer-token.ts";
import { validationError } from "../jobs/validation-problems.ts";

/** A finished job's text can be long (max_tokens up to 1,000,000): reports may be larger than API requests. */
const MAX_REPORT_BYTES = 16 * 1_048_576;

export function resultsRoutes(deps: AppDeps): Hono<AppEnv> {
  const sink = new StoreResultSink(deps.store.jobs, deps.lifecycle, deps.now);
  return new Hono<AppEnv>().post("/", async (c) => {
    const reports = deps.resultReports;
    if (!reports) throw new GenqError("ROUTE_NOT_FOUND", "no route for POST /internal/v1/results (GENQ_RESULT_SINK_TOKEN is not set on this API)");
    const token = bearerToken(c.req.header("authorization"));
    if (!token || !secretsEqual(token, reports.token)) {
      deps.logger.warn("authentication failed", { credential: "result-sink", method: c.req.method, path: c.req.path });
      throw new GenqError("UNAUTHORIZED", "send GENQ_RESULT_SINK_TOKEN as Authorization: Bearer <token>");
    }
    const parsed = resultReportSchema.safeParse(await readJsonBody(c, MAX_REPORT_BYTES, deps.limits.maxJsonDepth));
    if (!parsed.success) throw validationError(parsed.error, "invalid result report");
    const report = parsed.data;
    if (report.op === "hello") return c.json({ ok: true });
    if (report.op === "read") return c.json({ row: (await sink.read(report.job_id)) ?? null } satisfies ResultAnswer);
    return c.json(await reports.ledger.once(report.report_id, () => apply(sink, report)));
  });
}

async function apply(sink: StoreResultSink, report: Exclude<ResultReport, { op: "hello" | "read" }>): Promise<ResultAnswer> {
  const id = report.job_id;
  switch (report.op) {
    case "start":
      return { row: (await sink.start(id)) ?? null };
    case "count-engine-run":
      return { engineRuns: await sink.countEngineRun(id) };
    case "complete":
      return { row: (await sink.complete(id, report.result)) ?? null };
    case "fail":
      return { row: (await sink.fail(id, report.code, report.message)) ?? null };
    case "expire":
      return { row: (await sink.expire(id, report.code, report.message, report.partial)) ?? null };
    case "hand-back":
      return { row: (await sink.handBack(id, report.run_ended_cleanly)) ?? null };
  }
}
