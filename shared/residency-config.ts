// Model residency settings (which models this worker serves, how long idle models stay loaded, the
// memory budget): their environment schema, merged into shared/config.ts, and the typed options.
import { z } from "zod";
import { DEFAULT_KEEP_ALIVE_MS, KEEP_ALIVE_HINT, parseKeepAlive } from "./models/keep-alive.ts";

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** "2GB" (decimal), "1.5GiB" (binary), "500000" (bytes) → bytes; undefined when malformed. */
export function parseByteSize(spec: string): number | undefined {
  const match = /^(\d{1,15}(?:\.\d{1,6})?)\s*([a-z]{1,3})?$/i.exec(spec.trim());
  const unit = BYTE_UNITS[(match?.[2] ?? "b").toLowerCase()];
  if (!match || unit === undefined) return undefined;
  const bytes = Math.floor(Number(match[1]) * unit);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : undefined;
}

export const residencyEnv = {
  /** Comma-separated subset of GENQ_MODELS names this worker serves (checked against them in config.ts). */
  GENQ_WORKER_MODELS: z.string().optional(),
  GENQ_MODEL_KEEP_ALIVE: z
    .string()
    .transform((spec, ctx) => {
      const ms = parseKeepAlive(spec);
      if (ms === undefined) {
        ctx.addIssue({ code: "custom", message: KEEP_ALIVE_HINT });
        return z.NEVER;
      }
      return ms;
    })
    .default(DEFAULT_KEEP_ALIVE_MS),
  GENQ_MODEL_MEMORY_BUDGET: z
    .string()
    .transform((spec, ctx) => {
      const bytes = parseByteSize(spec);
      if (bytes === undefined) {
        ctx.addIssue({ code: "custom", message: 'expected a size like "2GB", "1.5GiB", "512MB" or a number of bytes' });
        return z.NEVER;
      }
      return bytes;
    })
    .optional(),
};

export interface ResidencyConfig {
  /** Models this worker serves (GENQ_WORKER_MODELS, default every model of GENQ_MODELS), in registration order. */
  workerModels: string[];
  /** Idle time after which a model is unloaded (GENQ_MODEL_KEEP_ALIVE, 5m); -1 = never, 0 = at once. */
  keepAliveMs: number;
  /** Resident bytes the worker's loaded models may use together (GENQ_MODEL_MEMORY_BUDGET); null = no limit. */
  memoryBudgetBytes: number | null;
}

type ResidencyEnv = z.output<z.ZodObject<typeof residencyEnv>>;

/** The residency options, or the problems with them (GENQ_WORKER_MODELS naming unknown models). */
export function residencyConfig(e: ResidencyEnv, modelNames: readonly string[]): ResidencyConfig | { problem: string } {
  const listed = (e.GENQ_WORKER_MODELS ?? "").split(",").map((n) => n.trim()).filter(Boolean);
  const unknown = listed.filter((n) => !modelNames.includes(n));
  if (unknown.length > 0) return { problem: `GENQ_WORKER_MODELS: ${unknown.join(", ")} is not a model in GENQ_MODELS` };
  return {
    workerModels: listed.length > 0 ? modelNames.filter((n) => listed.includes(n)) : [...modelNames],
    keepAliveMs: e.GENQ_MODEL_KEEP_ALIVE,
    memoryBudgetBytes: e.GENQ_MODEL_MEMORY_BUDGET ?? null,
  };
}
