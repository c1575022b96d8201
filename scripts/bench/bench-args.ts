// Command-line flags of `npm run bench` and their defaults (`--quick` shrinks the run to ~1/4).
import { parseArgs } from "node:util";
import { MODEL_DTYPES, type ModelDtype } from "../../worker/model/model-file-path.ts";

export const SYSTEM_IDS = ["naive", "genq", "ort-raw", "tjs-seq", "tjs-batch"] as const;
export type SystemId = (typeof SYSTEM_IDS)[number];

export interface BenchArgs {
  concurrency: number[];
  /** Generated tokens per request (EOS ignored). */
  tokens: number;
  /** Prompt length target (± a few tokens, BOS included). */
  promptTokens: number;
  /** Each concurrency level N runs ceil(minRequests / N) waves of N requests. */
  minRequests: number;
  systems: SystemId[];
  maxBatch: number;
  /** Prefill chunk of genq's engine; default = the GENQ_PREFILL_CHUNK_TOKENS default. */
  prefillChunkTokens: number;
  /** Long prompt of the token-gap test; 0 skips the test. */
  gapPromptTokens: number;
  outDir: string;
  /** The model variant every system loads (GENQ_DTYPE names); q8 / q4 are made by the quantizer when missing. */
  dtype: ModelDtype;
}

export const USAGE = `usage: npm run bench -- [--quick] [--concurrency 1,4,16,64] [--tokens 64] [--prompt-tokens 32]
       [--min-requests 8] [--systems ${SYSTEM_IDS.join(",")}] [--max-batch 64] [--prefill-chunk 256]
       [--gap-prompt 2000 (0 = skip)] [--out bench-results] [--dtype fp32|fp16|q8|q4]`;

function positiveInts(flag: string, text: string): number[] {
  const values = text.split(",").map((v) => Number(v.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 0)) throw new Error(`--${flag}: expected integers, got "${text}"`);
  return values;
}

export function parseBenchArgs(argv: string[], defaultPrefillChunkTokens: number): BenchArgs | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      concurrency: { type: "string" },
      tokens: { type: "string" },
      "prompt-tokens": { type: "string", default: "32" },
      "min-requests": { type: "string" },
      systems: { type: "string", default: SYSTEM_IDS.join(",") },
      "max-batch": { type: "string", default: "64" },
      "prefill-chunk": { type: "string", default: String(defaultPrefillChunkTokens) },
      "gap-prompt": { type: "string" },
      out: { type: "string", default: "bench-results" },
      dtype: { type: "string", default: "fp32" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return null;
  const quick = values.quick;
  if (!(MODEL_DTYPES as string[]).includes(values.dtype)) throw new Error(`--dtype: expected one of ${MODEL_DTYPES.join(", ")}`);
  const one = (flag: string, text: string) => positiveInts(flag, text)[0];
  const systems = values.systems.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  for (const s of systems) if (!(SYSTEM_IDS as readonly string[]).includes(s)) throw new Error(`--systems: unknown system "${s}"`);
  return {
    concurrency: positiveInts("concurrency", values.concurrency ?? (quick ? "1,4,16" : "1,4,16,64")).filter((n) => n > 0),
    tokens: one("tokens", values.tokens ?? (quick ? "32" : "64")),
    promptTokens: one("prompt-tokens", values["prompt-tokens"]),
    minRequests: one("min-requests", values["min-requests"] ?? (quick ? "4" : "8")),
    systems: systems as SystemId[],
    maxBatch: one("max-batch", values["max-batch"]),
    prefillChunkTokens: one("prefill-chunk", values["prefill-chunk"]),
    gapPromptTokens: one("gap-prompt", values["gap-prompt"] ?? (quick ? "1000" : "2000")),
    outDir: values.out,
    dtype: values.dtype as ModelDtype,
  };
}
