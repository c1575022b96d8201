// PostgreSQL `text` cannot hold U+0000 (SQLite can): a model's byte-fallback token <0x00> in an
// output would fail the whole write, the job would be retried and end POISON_JOB. On PostgreSQL the
// character is stored as U+FFFD (the replacement character) instead — the only lossy difference
// between the two stores, and only for that character.
const NUL = "\u0000";

export function withoutNul<T extends Record<string, unknown>>(values: T): T {
  const out: Record<string, unknown> = { ...values };
  for (const [key, value] of Object.entries(out)) if (typeof value === "string" && value.includes(NUL)) out[key] = value.replaceAll(NUL, "\uFFFD");
  return out as T;
}
