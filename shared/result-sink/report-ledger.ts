// Makes result reports idempotent across retries and API processes: the first delivery of a
// report id claims it in Redis (SET NX), applies it and stores the answer; a retry gets that
// answer instead of applying the transition again (a second `start` would count another attempt).
import type { Redis } from "ioredis";
import { GenqError } from "../errors.ts";
import type { ResultAnswer } from "./result-report.ts";

export interface ReportLedgerOptions {
  connection: Redis;
  prefix: string;
  /** How long an answer is kept for retries (default 1 day: longer than any worker's retrying). */
  answerTtlMs?: number;
  /** A claim whose applier died is free again after this (default 60 s). */
  claimTtlMs?: number;
}

const PENDING = "pending";

export class ReportLedger {
  constructor(private readonly options: ReportLedgerOptions) {}

  /** Applies `apply` once per report id; a concurrent duplicate gets REPORT_IN_PROGRESS (retry it). */
  async once(reportId: string, apply: () => Promise<ResultAnswer>): Promise<ResultAnswer> {
    const { connection } = this.options;
    const key = `${this.options.prefix}:result-report:${reportId}`;
    const claimed = await connection.set(key, PENDING, "PX", this.options.claimTtlMs ?? 60_000, "NX");
    if (claimed !== "OK") {
      const stored = await connection.get(key);
      if (stored === null || stored === PENDING) throw new GenqError("REPORT_IN_PROGRESS", `report ${reportId} is being applied; send it again shortly`);
      return JSON.parse(stored) as ResultAnswer;
    }
    let answer: ResultAnswer;
    try {
      answer = await apply();
    } catch (error) {
      await connection.del(key).catch(() => {});
      throw error;
    }
    await connection.set(key, JSON.stringify(answer), "PX", this.options.answerTtlMs ?? 86_400_000);
    return answer;
  }
}
