// Retry-After for a job that is not finished: for a queued job, the time the jobs ahead of it
// should take at the recently observed completion rate; for a running one, a short beat.
const QUEUED_DEFAULT_S = 2;
const RUNNING_S = 1;
const MAX_S = 30;

export function retryAfterSeconds(status: string, position: number | null, completionsPerSecond: number): number {
  if (status !== "queued") return RUNNING_S;
  if (position === null || completionsPerSecond <= 0) return QUEUED_DEFAULT_S;
  return Math.min(MAX_S, Math.max(1, Math.ceil((position + 1) / completionsPerSecond)));
}
