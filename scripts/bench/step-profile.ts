// `npm run bench:profile`: where an engine step's time goes. Runs genq's engine in-process on the bench
// model (fixed-length waves, greedy, EOS ignored) and splits wall time into session.run, the rest of the
// forward pass (feeds, cache and logits wrapping), sampling, detokenization and the remaining engine
// work, plus the GC pauses inside them; prints ms per decode step and shares per concurrency.
import { PerformanceObserver } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { InferenceEngine } from "../../worker/engine/inference-engine.ts";
import { CausalLm } from "../../worker/model/causal-lm.ts";
import { IncrementalDetokenizer } from "../../worker/sampling/incremental-detokenizer.ts";
import { TokenSampler } from "../../worker/sampling/token-sampler.ts";
import { loadModelCard } from "../../shared/models/model-card.ts";
import { BENCH_MODEL_NAME, benchModelCard, benchPrompts, ensureBenchModel } from "./bench-model.ts";
import { generationRequest } from "./generation-request.ts";

/** gc overlaps the others (a pause lands inside whatever ran); the other five add up to the step. */
const SPANS = ["sessionRun", "forwardRest", "sampling", "detokenize", "engineRest", "gc"] as const;
type Span = (typeof SPANS)[number];

const spent: Record<Span, number> = { sessionRun: 0, forwardRest: 0, sampling: 0, detokenize: 0, gc: 0, engineRest: 0 };

/** Wraps `owner[name]` so that its (sync or async) time is added to `span`. Profiling only. */
function timeMethod(owner: object, name: string, span: Span, exclude: Span[] = []): void {
  const target = owner as Record<string, (...args: unknown[]) => unknown>;
  const original = target[name];
  target[name] = function (this: unknown, ...args: unknown[]) {
    const before = exclude.reduce((n, s) => n + spent[s], 0);
    const start = performance.now();
    const settle = () => (spent[span] += performance.now() - start - (exclude.reduce((n, s) => n + spent[s], 0) - before));
    const result = original.apply(this, args);
    if (result instanceof Promise) return result.finally(settle);
    settle();
    return result;
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      concurrency: { type: "string", default: "1,4,16,64" },
      tokens: { type: "string", default: "64" },
      waves: { type: "string", default: "2" },
      // The engine decodes (and holds the tokenizer), as before detokenization moved to the client.
      "engine-decodes": { type: "boolean", default: false },
    },
  });
  const engineDecodes = values["engine-decodes"];
  const levels = values.concurrency.split(",").map(Number);
  const tokens = Number(values.tokens);
  const folder = await ensureBenchModel();
  // As in the inference thread: the tokenizer is built only when the engine decodes.
  const card = loadModelCard(BENCH_MODEL_NAME, folder, { lazyTokenizer: !engineDecodes });
  const lm = await CausalLm.load(folder, card.config, { device: "cpu", dtype: "fp32" });
  const session = (lm as unknown as { session: object }).session;
  timeMethod(session, "run", "sessionRun");
  timeMethod(lm, "forward", "forwardRest", ["sessionRun"]);
  timeMethod(TokenSampler.prototype, "sample", "sampling");
  timeMethod(IncrementalDetokenizer.prototype, "push", "detokenize");
  new PerformanceObserver((list) => list.getEntries().forEach((e) => (spent.gc += e.duration))).observe({ entryTypes: ["gc"] });

  const engine = new InferenceEngine(card, lm, { maxBatch: 64, maxKvTokens: 1 << 20, prefillChunkTokens: 256 }, () => {});
  // Prompts from a card of their own, dropped afterwards, so the engine's heap is what the thread's is.
  const pool = benchPrompts(benchModelCard(folder), Math.max(...levels), 32);
  console.log(
    `step profile: bench model, prompts ≈32 tokens, ${tokens} new tokens, ${engineDecodes ? "engine decodes" : "ids streamed (caller decodes)"}; ` +
      "ms per step (share of step wall time)",
  );
  console.log(`| concurrency | step | ${SPANS.join(" | ")} |\n|---|---|${SPANS.map(() => "---|").join("")}`);
  let wave = 0;
  for (const n of levels) {
    for (let w = -1; w < Number(values.waves); w++) {
      const measured = w >= 0; // wave -1 warms up this shape
      for (const s of SPANS) spent[s] = 0;
      for (let i = 0; i < n; i++) engine.submit({ ...generationRequest(`p${wave}-${i}`, pool[i], tokens), streamIds: !engineDecodes });
      wave++;
      let steps = 0;
      const start = performance.now();
      while (engine.hasWork) {
        await engine.step();
        steps++;
      }
      const wallMs = performance.now() - start;
      if (!measured) continue;
      spent.engineRest = wallMs - SPANS.filter((s) => s !== "engineRest" && s !== "gc").reduce((t, s) => t + spent[s], 0);
      const cells = SPANS.map((s) => `${(spent[s] / steps).toFixed(2)} (${((100 * spent[s]) / wallMs).toFixed(1)} %)`);
      console.log(`| ${n} | ${(wallMs / steps).toFixed(1)} ms | ${cells.join(" | ")} |`);
    }
  }
  await lm.release();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
