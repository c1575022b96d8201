// The reliability settings (crash handling, shutdown grace, worker heartbeats, retention): their
// environment schema, merged into shared/config.ts, and the typed options derived from it.
import { z } from "zod";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const durationMs = (minMs: number, maxMs: number) =>
  z.string().transform((spec, ctx) => {
    const match = /^(\d{1,12})(ms|s|m|h|d)?$/.exec(spec.trim());
    const value = match ? Number(match[1]) * UNIT_MS[match[2] ?? "ms"] : NaN;
    if (!(value >= minMs && value <= maxMs)) {
      ctx.addIssue({ code: "custom", message: `expected a duration like 30m, 12h or 7d between ${minMs} ms and ${maxMs / 86_400_000} days` });
      return z.NEVER;
    }
    return value;
  });

export const wholeNumber = (min: number, max: number) =>
  z.string().regex(/^\d+$/, "must be a whole number").transform(Number).pipe(z.number().int().min(min).max(max));

export const reliabilityEnv = {
  GENQ_MAX_JOB_RUNS: wholeNumber(2, 100).default(3),
  GENQ_SHUTDOWN_GRACE_MS: wholeNumber(0, 600_000).default(5_000),
  GENQ_JOB_RETENTION: durationMs(60_000, 3_650 * 86_400_000).default(7 * 86_400_000),
  GENQ_RETENTION_SWEEP_MS: wholeNumber(1_000, 86_400_000).default(60_000),
  GENQ_HEARTBEAT_MS: wholeNumber(100, 60_000).default(5_000),
};

type ReliabilityEnv = { [K in keyof typeof reliabilityEnv]: z.output<(typeof reliabilityEnv)[K]> };

export interface ReliabilityConfig {
  /**
   * Engine runs per job (GENQ_MAX_JOB_RUNS, 3): a job whose runs all crashed (engine errors or dead
   * worker processes) this often is a poison job and fails with POISON_JOB. Its last run is alone,
   * so batch mates never share its fate. Stalls of jobs the engine had not started do not count.
   */
  maxJobRuns: number;
  /** On SIGTERM/SIGINT running sequences get this long to finish; the rest go back to the queue (GENQ_SHUTDOWN_GRACE_MS, 5000). */
  shutdownGraceMs: number;
  /** Terminal jobs, their webhook deliveries and event streams are deleted this long after they finished (GENQ_JOB_RETENTION, 7d). */
  jobRetentionMs: number;
  /** How often a worker runs the retention sweep (GENQ_RETENTION_SWEEP_MS, 60000). */
  retentionSweepMs: number;
  /** How often a worker announces itself per model; readiness counts workers seen within 3× this (GENQ_HEARTBEAT_MS, 5000). */
  heartbeatMs: number;
}

export function reliabilityConfig(e: ReliabilityEnv): ReliabilityConfig {
  return {
    maxJobRuns: e.GENQ_MAX_JOB_RUNS,
    shutdownGraceMs: e.GENQ_SHUTDOWN_GRACE_MS,
    jobRetentionMs: e.GENQ_JOB_RETENTION,
    retentionSweepMs: e.GENQ_RETENTION_SWEEP_MS,
    heartbeatMs: e.GENQ_HEARTBEAT_MS,
  };
}
