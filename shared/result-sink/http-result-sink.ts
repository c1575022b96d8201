// The result sink over HTTP, for workers that reach Redis but not the store (GENQ_RESULT_SINK=http):
// every read and transition is a report to the API's internal results route, retried with
// backoff until the API answers (at-least-once; a report id makes a retry a no-op there).
// Token deltas go straight to the job's Redis Stream: held while the job's `start` is reported (so
// they follow its `running` event) and flushed before any later transition is reported.
import { randomUUID } from "node:crypto";
import type { ErrorCode } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { StartupError } from "../startup/startup-failure.ts";
import type { JobResult } from "../store/job-store.ts";
import type { JobRow } from "../store/schema/jobs.ts";
import type { JobStreamPublisher } from "../streams/job-stream-publisher.ts";
import { RESULTS_PATH, type ResultAnswer, type ResultReport } from "./result-report.ts";
import type { ExpiryCode, ResultSink } from "./result-sink.ts";

export interface HttpResultSinkOptions {
  /** The API's base URL (GENQ_RESULT_SINK_URL). */
  url: string;
  /** GENQ_RESULT_SINK_TOKEN, as the API has it. */
  token: string;
  streams: JobStreamPublisher;
  logger: Logger;
  /** First retry delay (default 100 ms), doubled per failure up to `maxDelayMs` (default 5 s), ±20 % jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** One request's limit (default 30 s); then it is retried. */
  requestTimeoutMs?: number;
}

/** Answers that mean "try the same report again": the API is down, overloaded or still applying it. */
const RETRYABLE_STATUS = new Set([401, 408, 409, 425, 429, 500, 502, 503, 504]);

export class HttpResultSink implements ResultSink {
  private readonly endpoint: string;
  /** Deltas of jobs whose `start` report is in flight, by job id. */
  private readonly holding = new Map<string, Array<[string, number]>>();

  constructor(private readonly options: HttpResultSinkOptions) {
    this.endpoint = `${options.url}${RESULTS_PATH}`;
  }

  /** Startup: the API answers and takes the token, within `waitMs`; else one clear StartupError. */
  async check(waitMs = 10_000): Promise<void> {
    const deadline = Date.now() + waitMs;
    let reason = "no answer";
    while (Date.now() < deadline) {
      try {
        const response = await this.send({ op: "hello" });
        if (response.ok) return;
        reason = `HTTP ${response.status}`;
        if (response.status === 401) {
          throw new StartupError(`the API at ${this.options.url} refused GENQ_RESULT_SINK_TOKEN (401)`, "set the same GENQ_RESULT_SINK_TOKEN on the API and the worker");
        }
        if (response.status === 404) {
          throw new StartupError(`the API at ${this.options.url} has no results route (404)`, "set GENQ_RESULT_SINK_TOKEN on the API too, or point GENQ_RESULT_SINK_URL at the API's base URL");
        }
      } catch (error) {
        if (error instanceof StartupError) throw error;
        reason = describe(error);
      }
      await sleep(250);
    }
    throw new StartupError(`the API at ${this.options.url} did not answer the results route (${reason})`, "start the API first or fix GENQ_RESULT_SINK_URL");
  }

  async read(id: string): Promise<JobRow | undefined> {
    return rowOf(await this.report({ op: "read", job_id: id }));
  }

  async start(id: string): Promise<JobRow | undefined> {
    // The API writes the `running` status event; text generated meanwhile waits so it follows it.
    const held: Array<[string, number]> = [];
    this.holding.set(id, held);
    try {
      return rowOf(await this.transition({ op: "start", job_id: id, report_id: reportId() }));
    } finally {
      this.holding.delete(id);
      for (const [text, tokens] of held) this.options.streams.delta(id, text, tokens);
    }
  }

  async countEngineRun(id: string): Promise<number> {
    return (await this.transition({ op: "count-engine-run", job_id: id, report_id: reportId() })).engineRuns ?? 0;
  }

  async complete(id: string, result: JobResult): Promise<JobRow | undefined> {
    return rowOf(await this.transition({ op: "complete", job_id: id, report_id: reportId(), result }));
  }

  async fail(id: string, code: ErrorCode, message: string): Promise<JobRow | undefined> {
    return rowOf(await this.transition({ op: "fail", job_id: id, report_id: reportId(), code, message }));
  }

  async expire(id: string, code: ExpiryCode, message: string, partial?: Omit<JobResult, "finishReason">): Promise<JobRow | undefined> {
    return rowOf(await this.transition({ op: "expire", job_id: id, report_id: reportId(), code, message, ...(partial ? { partial } : {}) }));
  }

  async handBack(id: string, runEndedCleanly: boolean): Promise<JobRow | undefined> {
    return rowOf(await this.transition({ op: "hand-back", job_id: id, report_id: reportId(), run_ended_cleanly: runEndedCleanly }));
  }

  delta(id: string, text: string, tokens: number): void {
    const held = this.holding.get(id);
    if (held) held.push([text, tokens]);
    else this.options.streams.delta(id, text, tokens);
  }

  /** The job's deltas reach its stream before the status event the API writes for this transition. */
  private async transition(report: ResultReport): Promise<ResultAnswer> {
    await this.options.streams.flush().catch((error) => this.options.logger.warn("job stream write failed", { jobId: jobIdOf(report), error }));
    return await this.report(report);
  }

  /** Sends until the API accepts it; one report id across the retries, so it is applied once. */
  private async report(report: ResultReport): Promise<ResultAnswer> {
    const { logger, baseDelayMs = 100, maxDelayMs = 5_000 } = this.options;
    for (let failures = 0; ; failures++) {
      let problem: string;
      try {
        const response = await this.send(report);
        if (response.ok) return (await response.json()) as ResultAnswer;
        const body = await response.text().catch(() => "");
        if (!RETRYABLE_STATUS.has(response.status)) {
          // A report the API refuses as malformed is a bug on this side: retrying cannot help.
          throw new Error(`the API refused a ${report.op} report with HTTP ${response.status}: ${body.slice(0, 500)}`);
        }
        problem = `HTTP ${response.status}`;
        if (response.status === 401) logger.error("the API refused GENQ_RESULT_SINK_TOKEN; retrying the report", { jobId: jobIdOf(report) });
      } catch (error) {
        if (!(error instanceof TypeError) && !isTimeout(error)) throw error;
        problem = describe(error);
      }
      const delayMs = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(failures, 16)) * (0.8 + Math.random() * 0.4);
      if (failures === 0 || failures % 10 === 0) logger.warn("result report not accepted; retrying", { op: report.op, jobId: jobIdOf(report), problem, failures: failures + 1 });
      await sleep(delayMs);
    }
  }

  private send(report: ResultReport): Promise<Response> {
    return fetch(this.endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${this.options.token}` },
      body: JSON.stringify(report),
      signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 30_000),
    });
  }
}

function reportId(): string {
  return `rpt_${randomUUID()}`;
}

function rowOf(answer: ResultAnswer): JobRow | undefined {
  return answer.row ?? undefined;
}

function jobIdOf(report: ResultReport): string | undefined {
  return "job_id" in report ? report.job_id : undefined;
}

function isTimeout(error: unknown): boolean {
  return error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError");
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error as Error).message;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
