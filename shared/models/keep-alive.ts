// How long an idle model stays loaded (Ollama's keep_alive): GENQ_MODEL_KEEP_ALIVE and the per-job
// `keep_alive` field parse here. `-1` = forever, `0` = unload once idle, durations like 500ms, 30s,
// 5m, 1h; a plain number counts seconds (as Ollama's does).

/** keep-alive that never unloads on idle (only the memory budget or an admin unload does). */
export const KEEP_ALIVE_FOREVER = -1;
/** Longest finite keep-alive: 7 days (timers beyond ~24 days would overflow anyway). */
export const MAX_KEEP_ALIVE_MS = 7 * 86_400_000;
export const DEFAULT_KEEP_ALIVE_MS = 5 * 60_000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const KEEP_ALIVE_HINT = 'expected -1 (forever), 0 (unload when idle), seconds, or a duration like "500ms", "30s", "5m", "1h" up to 7 days';

/** Milliseconds (or KEEP_ALIVE_FOREVER) for a keep-alive spec; undefined when it is malformed or out of range. */
export function parseKeepAlive(spec: string | number): number | undefined {
  if (typeof spec === "number") {
    if (!Number.isFinite(spec)) return undefined;
    if (spec < 0) return spec === -1 ? KEEP_ALIVE_FOREVER : undefined;
    return withinRange(Math.round(spec * 1000));
  }
  const text = spec.trim();
  if (text === "-1") return KEEP_ALIVE_FOREVER;
  const match = /^(\d{1,9}(?:\.\d{1,3})?)(ms|s|m|h|d)?$/.exec(text);
  if (!match) return undefined;
  return withinRange(Math.round(Number(match[1]) * UNIT_MS[match[2] ?? "s"]));
}

function withinRange(ms: number): number | undefined {
  return ms >= 0 && ms <= MAX_KEEP_ALIVE_MS ? ms : undefined;
}

/** "forever", or milliseconds as a duration string, for logs and answers. */
export function formatKeepAlive(ms: number): string {
  return ms === KEEP_ALIVE_FOREVER ? "forever" : `${ms}ms`;
}
