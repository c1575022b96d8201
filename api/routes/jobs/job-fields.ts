// `?fields=status,output`: a sparse job object for low-bandwidth pollers. Names are validated
// (400 on unknown), and the chosen set is folded into the ETag so variants never collide.
import { GenqError } from "../../../shared/errors.ts";

export const JOB_FIELDS = [
  "id",
  "object",
  "status",
  "model",
  "priority",
  "created_at",
  "started_at",
  "completed_at",
  "output",
  "usage",
  "error",
  "metadata",
  "urls",
  "queue_position",
] as const;
export type JobField = (typeof JOB_FIELDS)[number];

/** The requested fields in canonical order, or undefined for the whole object. */
export function parseFields(value: string | undefined): JobField[] | undefined {
  if (value === undefined || value === "") return undefined;
  const names = value.split(",").map((n) => n.trim());
  const unknown = names.filter((n) => !(JOB_FIELDS as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length > JOB_FIELDS.length * 2) {
    const message = `unknown field(s): ${unknown.slice(0, 5).map((n) => JSON.stringify(n.slice(0, 32))).join(", ")}; known: ${JOB_FIELDS.join(", ")}`;
    throw new GenqError("VALIDATION_FAILED", `fields: ${message}`, { errors: [{ field: "fields", message }] });
  }
  return JOB_FIELDS.filter((f) => names.includes(f));
}

export function pickFields(job: Record<string, unknown>, fields: JobField[] | undefined): Record<string, unknown> {
  if (!fields) return job;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in job) out[f] = job[f];
  return out;
}

/** A short, stable tag for a field set: a bitmask over JOB_FIELDS in base 36 ("" = all). */
export function fieldsVariant(fields: JobField[] | undefined): string {
  if (!fields) return "";
  const mask = fields.reduce((m, f) => m | (1 << JOB_FIELDS.indexOf(f)), 0);
  return `f${mask.toString(36)}`;
}
