// What travels between API and workers: queue names, the (tiny) queue payload, the stored
// generation parameters, and the priority mapping onto BullMQ.
import type { ChatMessage } from "./models/model-card.ts";
import type { ResponseFormat } from "./structured-output/response-format-grammar.ts";

/** One BullMQ queue per model; names are restricted to [A-Za-z0-9._-] by config. */
export function queueNameFor(model: string): string {
  return `generate.${model}`;
}

/** The row is the source of truth; the queue carries only its id (BullMQ job id = job id). */
export interface GenerateJobPayload {
  jobId: string;
}

export type JobInput = { prompt: string } | { messages: ChatMessage[] };

export interface JobParams {
  maxTokens: number;
  temperature: number;
  topP?: number;
  topK?: number;
  repetitionPenalty?: number;
  seed?: number;
  stop: string[];
  ignoreEos: boolean;
  /** json_object / json_schema: decoding is constrained to it (absent: free text). */
  responseFormat?: ResponseFormat;
  /** The job's `keep_alive`: how long its model stays loaded once idle, ms (-1 = forever); absent = the worker's default. */
  keepAliveMs?: number;
}

export const PRIORITY_ALIASES = { high: 1, normal: 5, low: 8 } as const;
export const DEFAULT_PRIORITY = 5;

/** Fair-queue ranks per genq priority level; 10 levels x STRIDE stays under BullMQ's 2^21. */
export const FAIR_RANK_STRIDE = 100_000;

/**
 * genq priority 0 (most urgent) .. 9 first, then the tenant's fair-queue rank (how many of its
 * own jobs for this model were already queued), so equal-priority jobs of different tenants
 * interleave round-robin instead of one tenant's backlog running first (BullMQ is FIFO within
 * one priority value). BullMQ runs jobs without a priority before all prioritized ones, so
 * every job gets one (never 0).
 */
export function bullPriority(priority: number, tenantRank = 0): number {
  const rank = Math.min(Math.max(0, Math.floor(tenantRank)), FAIR_RANK_STRIDE - 1);
  return priority * FAIR_RANK_STRIDE + rank + 1;
}

/**
 * Aging (no starvation): a job's effective priority after waiting `waitedMs` — one level more urgent
 * per `agingMs` waited, never above 0; `agingMs` 0 = no aging. Used by the queue and the engine alike.
 */
export function agedPriority(priority: number, waitedMs: number, agingMs: number): number {
  if (agingMs <= 0) return priority;
  return Math.max(0, priority - Math.floor(Math.max(0, waitedMs) / agingMs));
}

/** Redis pub/sub channels (under the configured prefix). */
export function jobEventsChannel(prefix: string): string {
  return `${prefix}:job-events`;
}

export function cancelChannel(prefix: string): string {
  return `${prefix}:job-cancel`;
}

/** Published after every row change; waiters re-read the row (the source of truth). */
export interface JobChangedEvent {
  id: string;
  status: string;
  version: number;
}
