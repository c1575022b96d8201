// Webhook retry timing: the configured schedule ("0,5s,5m,30m,2h,5h,10h"), jitter, and the
// receiver's Retry-After, which may push a retry later, up to the schedule's longest step (or 1 h).
import { z } from "zod";

/** Immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h; then the delivery has failed. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000];

const RETRY_AFTER_FLOOR_CAP_MS = 3_600_000;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d{1,9})(ms|s|m|h)?$/;

/** "0,5s,5m" -> [0, 5000, 300000]; a bare number is milliseconds. */
export function parseDurationList(spec: string): number[] | string {
  const parts = spec.split(",").map((p) => p.trim());
  if (parts.length === 0 || parts.length > 50) return "expected 1-50 comma-separated durations";
  const out: number[] = [];
  for (const part of parts) {
    const match = DURATION.exec(part);
    if (!match) return `"${part}" is not a duration like 500ms, 5s, 5m or 2h`;
    out.push(Number(match[1]) * UNIT_MS[match[2] ?? "ms"]);
  }
  return out;
}

export const retryScheduleSpec = z.string().transform((spec, ctx) => {
  const parsed = parseDurationList(spec);
  if (typeof parsed === "string") {
    ctx.addIssue({ code: "custom", message: parsed });
    return z.NEVER;
  }
  return parsed;
});

export interface RetryDecision {
  /** False: the schedule is exhausted; the delivery has failed for good. */
  retry: boolean;
  delayMs: number;
}

/**
 * After `attemptsMade` attempts in this round failed: wait schedule[attemptsMade] (jittered) or
 * the receiver's Retry-After, whichever is later.
 */
export function nextRetry(
  scheduleMs: number[],
  attemptsMade: number,
  jitter: number,
  retryAfterMs: number | null,
  random: () => number = Math.random,
): RetryDecision {
  if (attemptsMade >= scheduleMs.length) return { retry: false, delayMs: 0 };
  const base = scheduleMs[attemptsMade];
  const jittered = Math.max(0, Math.round(base * (1 + jitter * (random() * 2 - 1))));
  // A hostile or confused Retry-After must not park a delivery forever.
  const ceiling = Math.max(...scheduleMs, RETRY_AFTER_FLOOR_CAP_MS);
  const asked = retryAfterMs === null ? 0 : Math.min(retryAfterMs, ceiling);
  return { retry: true, delayMs: Math.max(jittered, asked) };
}

/** Retry-After as delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d{1,10}$/.test(trimmed)) return Number(trimmed) * 1_000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
