// `npm run bench:quantization`: the bench model's quantized variants (the TypeScript quantizer's q8
// and q4) against fp32, through genq's engine in-process: tokens/s at 1 and 16 concurrent requests,
// share of identical greedy tokens (16 prompts × 64; a sequence that flips once differs from there on),
// along fp32's greedy continuations the share of equal next-token choices and the mean KL(fp32 ‖
// variant), batch invariance, and the load self-check's cost.
import { existsSync } from "node:fs";
import { cp } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { quantizeModelFolder } from "../model-quantizer/quantize-model-folder.ts";
import { InferenceEngine } from "../../worker/engine/inference-engine.ts";
import { CausalLm } from "../../worker/model/causal-lm.ts";
import type { ModelDtype } from "../../worker/model/model-file-path.ts";
import type { GenerationRequest } from "../../worker/thread/thread-messages.ts";
import { benchModelCard, benchPrompts, ensureBenchModel } from "./bench-model.ts";

const PROMPTS = 16;

function request(id: string, promptIds: number[], maxTokens: number): GenerationRequest {
  return { id, model: "bench", promptIds, maxTokens, sampling: { temperature: 0 }, stop: [], ignoreEos: true, priority: 5 };
}

/** Greedy ids per prompt and tokens/s, with `concurrency` requests in flight. */
async function generate(lm: CausalLm, card: ReturnType<typeof benchModelCard>, prompts: number[][], tokens: number, concurrency: number) {
  const ids = new Map<string, number[]>();
  const engine = new InferenceEngine(card, lm, { maxBatch: 64, maxKvTokens: 1 << 20, prefillChunkTokens: 256 }, () => {}, {
    onToken: (id, token) => ids.set(id, [...(ids.get(id) ?? []), token]),
  });
  const startMs = performance.now();
  for (let start = 0; start < prompts.length; start += concurrency) {
    prompts.slice(start, start + concurrency).forEach((p, k) => engine.submit(request(`r${start + k}`, p, tokens)));
    while (engine.hasWork) await engine.step();
  }
  const seconds = (performance.now() - startMs) / 1000;
  return { ids: prompts.map((_, i) => ids.get(`r${i}`) ?? []), tokensPerS: (prompts.length * tokens) / seconds };
}

function logSoftmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const logSum = max + Math.log(sum);
  return Float64Array.from(logits, (v) => v - logSum);
}

/** Next-token logits of every row at every step while feeding `continuations` (teacher forcing). */
async function forcedLogits(lm: CausalLm, prompts: number[][], continuations: number[][], visit: (step: number, row: number, logits: Float32Array) => void) {
  const width = Math.max(...prompts.map((p) => p.length));
  const tokenIds = new Int32Array(prompts.length * width);
  const tokenMask = new Uint8Array(prompts.length * width);
  prompts.forEach((p, r) => p.forEach((id, j) => ((tokenIds[r * width + width - p.length + j] = id), (tokenMask[r * width + width - p.length + j] = 1))));
  let out = await lm.forward({ past: lm.emptyCache(prompts.length), tokenIds, tokenMask, columns: width, logits: "last" });
  for (let step = 0; ; step++) {
    out.lastLogits!.forEach((logits, r) => visit(step, r, logits));
    if (step === continuations[0].length - 1) return;
    const next = Int32Array.from(continuations, (c) => c[step]);
    out = await lm.forward({ past: out.present, tokenIds: next, tokenMask: new Uint8Array(prompts.length).fill(1), columns: 1, logits: "last" });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tokens: { type: "string", default: "64" },
      dtypes: { type: "string", default: "fp16,q8,q4" },
      // MatMulNBits accuracy_level of q8 / q4: 0 = float32 compute; 4 = int8 activations (a separate copy).
      "accuracy-level": { type: "string", default: "0" },
    },
  });
  const tokens = Number(values.tokens);
  const variants = values.dtypes.split(",") as ModelDtype[];
  const accuracyLevel = Number(values["accuracy-level"]);
  let folder = await ensureBenchModel();
  if (accuracyLevel !== 0) {
    const copy = resolve(`.tmp/bench-models/bench-acc${accuracyLevel}`);
    if (!existsSync(copy)) {
      await cp(folder, copy, { recursive: true, filter: (src) => !/model_(quantized|q4)\.onnx/.test(src) });
      for (const dtype of variants) {
        if (dtype === "q8" || dtype === "q4") await quantizeModelFolder(copy, dtype, { accuracyLevel });
      }
    }
    folder = copy;
  }
  for (const dtype of variants) await ensureBenchModel(folder, dtype);
  const card = benchModelCard(folder);
  const prompts = benchPrompts(card, PROMPTS, 32).map((r) => r.promptIds);

  const rows: string[] = [];
  let reference: { ids: number[][]; tps1: number; tps16: number } | undefined;
  const fp32 = await CausalLm.load(folder, card.config, { device: "cpu", dtype: "fp32" });
  for (const dtype of ["fp32" as ModelDtype, ...variants]) {
    const lm = dtype === "fp32" ? fp32 : await CausalLm.load(folder, card.config, { device: "cpu", dtype });
    const one = await generate(lm, card, prompts.slice(0, 2), tokens, 1);
    const batched = await generate(lm, card, prompts, tokens, 16);
    const invariant = one.ids.every((ids, i) => ids.join() === batched.ids[i].join());
    reference ??= { ids: batched.ids, tps1: one.tokensPerS, tps16: batched.tokensPerS };
    let same = 0;
    batched.ids.forEach((ids, i) => ids.forEach((id, t) => (same += id === reference!.ids[i][t] ? 1 : 0)));
    let kl = 0;
    let sameNext = 0;
    if (dtype !== "fp32") {
      // Both models on fp32's greedy continuations, in lockstep: KL(p_fp32 ‖ p_variant) per position.
      const fp32Steps: Float64Array[][] = [];
      await forcedLogits(fp32, prompts, reference.ids, (step, r, logits) => ((fp32Steps[step] ??= [])[r] = logSoftmax(logits)));
      await forcedLogits(lm, prompts, reference.ids, (step, r, logits) => {
        const p = fp32Steps[step][r];
        const q = logSoftmax(logits);
        let best = 0;
        for (let i = 0; i < p.length; i++) {
          kl += Math.exp(p[i]) * (p[i] - q[i]);
          if (q[i] > q[best]) best = i;
        }
        sameNext += best === reference!.ids[r][step] ? 1 : 0;
      });
      kl /= prompts.length * tokens;
    } else {
      sameNext = prompts.length * tokens;
    }
    rows.push(
      `| ${dtype} | ${one.tokensPerS.toFixed(1)} (${(one.tokensPerS / reference.tps1).toFixed(2)}×) | ` +
        `${batched.tokensPerS.toFixed(1)} (${(batched.tokensPerS / reference.tps16).toFixed(2)}×) | ` +
        `${((100 * same) / (prompts.length * tokens)).toFixed(1)} % | ${((100 * sameNext) / (prompts.length * tokens)).toFixed(1)} % | ` +
        `${kl.toExponential(2)} | ${invariant ? "yes" : "NO"} | ` +
        `${lm.selfCheck?.ms.toFixed(0)} ms |`,
    );
    console.log(rows.at(-1));
    if (lm !== fp32) await lm.release();
  }
  await fp32.release();
  console.log(
    `\nbench model, ${PROMPTS} prompts × ${tokens} greedy tokens, MatMulNBits accuracy_level ${accuracyLevel} (one run; ratios within it)\n` +
      "| dtype | tokens/s at 1 | tokens/s at 16 | greedy ids = fp32 | next token = fp32's (same prefix) | mean KL(fp32 ‖ dtype) | alone = batched | load self-check |\n" +
      "|---|---|---|---|---|---|---|---|\n" +
      rows.join("\n"),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
