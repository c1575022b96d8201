// The result-sink port: every job-row read and transition a worker makes, in one interface with
// two implementations: the store (store-result-sink.ts: the worker applies them itself through
// the job lifecycle) and HTTP (http-result-sink.ts: the API applies them for a worker without a store).
import type { ErrorCode } from "../errors.ts";
import type { JobResult } from "../store/job-store.ts";
import type { JobRow } from "../store/schema/jobs.ts";

export type ExpiryCode = "QUEUE_TIMEOUT" | "RUN_TIMEOUT";

export interface ResultSink {
  /** The row as it is now (terminal-row checks, the job's input and params). */
  read(id: string): Promise<JobRow | undefined>;
  /** queued|running -> running; undefined when terminal or gone (do not run it). */
  start(id: string): Promise<JobRow | undefined>;
  /** The engine started the job: engine_runs + 1 (the poison-job rule); the new count, 0 when not running. */
  countEngineRun(id: string): Promise<number>;
  /** Each below: the changed row, or undefined when the row was already terminal (a late result is dropped). */
  complete(id: string, result: JobResult): Promise<JobRow | undefined>;
  fail(id: string, code: ErrorCode, message: string): Promise<JobRow | undefined>;
  expire(id: string, code: ExpiryCode, message: string, partial?: Omit<JobResult, "finishReason">): Promise<JobRow | undefined>;
  /** running -> queued (shutdown hand-back, engine crash); `runEndedCleanly` takes back the counted run. */
  handBack(id: string, runEndedCleanly: boolean): Promise<JobRow | undefined>;
  /** Generated text as it comes: straight to the job's Redis Stream (not a row change). */
  delta(id: string, text: string, tokens: number): void;
}
