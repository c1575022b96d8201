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
import type { GenerationRequest } from "../../worker/engine/generation.ts";
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

interface Variant {
  label: string;
  lm: CausalLm;
  tps1: number[];
  tps16: number[];
  ids?: number[][];
  invariant: boolean;
}

/** The bench folder whose q8 / q4 use MatMulNBits accuracy_level `level` (a copy for level ≠ 0). */
async function folderFor(level: number, dtypes: ModelDtype[]): Promise<string> {
  const folder = await ensureBenchModel();
  if (level === 0) {
    for (const dtype of dtypes) await ensureBenchModel(folder, dtype);
    return folder;
  }
  const copy = resolve(`.tmp/bench-models/bench-acc${level}`);
  if (!existsSync(copy)) {
    await cp(folder, copy, { recursive: true, filter: (src) => !/model_(quantized|q4|fp16)\.onnx/.test(src) });
    for (const dtype of dtypes) if (dtype === "q8" || dtype === "q4") await quantizeModelFolder(copy, dtype, { accuracyLevel: level });
  }
  return copy;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tokens: { type: "string", default: "64" },
      dtypes: { type: "string", default: "fp16,q8,q4" },
      // MatMulNBits accuracy_level of q8 / q4: 0 = float32 compute; 4 = int8 activations (a separate copy).
      "accuracy-levels": { type: "string", default: "0,4" },
      rounds: { type: "string", default: "2" },
    },
  });
  const tokens = Number(values.tokens);
  const dtypes = values.dtypes.split(",") as ModelDtype[];
  const levels = values["accuracy-levels"].split(",").map(Number);
  const folder = await folderFor(0, dtypes);
  const card = benchModelCard(folder);
  const prompts = benchPrompts(card, PROMPTS, 32).map((r) => r.promptIds);

  const load = (dir: string, dtype: ModelDtype) => CausalLm.load(dir, card.config, { device: "cpu", dtype });
  const variants: Variant[] = [{ label: "fp32", lm: await load(folder, "fp32"), tps1: [], tps16: [], invariant: true }];
  for (const level of levels) {
    const dir = await folderFor(level, dtypes);
    for (const dtype of dtypes) {
      if (level !== 0 && dtype !== "q8" && dtype !== "q4") continue;
      const label = dtype === "q8" || dtype === "q4" ? `${dtype} (accuracy_level ${level})` : dtype;
      variants.push({ label, lm: await load(dir, dtype), tps1: [], tps16: [], invariant: true });
    }
  }
  // Speed rounds interleave the variants, so load changes on a shared machine hit them alike.
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const v of variants) {
      const one = await generate(v.lm, card, prompts.slice(0, 1), tokens, 1);
      const batched = await generate(v.lm, card, prompts, tokens, 16);
      v.tps1.push(one.tokensPerS);
      v.tps16.push(batched.tokensPerS);
      v.ids = batched.ids;
      v.invariant &&= one.ids[0].join() === batched.ids[0].join();
      console.log(`round ${round} ${v.label}: ${one.tokensPerS.toFixed(1)} / ${batched.tokensPerS.toFixed(1)} tokens/s`);
    }
  }
  const reference = variants[0];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rows: string[] = [];
  for (const v of variants) {
    let same = 0;
    v.ids!.forEach((ids, i) => ids.forEach((id, t) => (same += id === reference.ids![i][t] ? 1 : 0)));
    let kl = 0;
    let sameNext = 0;
    // Both models on fp32's greedy continuations: KL(p_fp32 ‖ p_variant) and equal argmax per position.
    const fp32Steps: Float64Array[][] = [];
    await forcedLogits(reference.lm, prompts, reference.ids!, (step, r, logits) => ((fp32Steps[step] ??= [])[r] = logSoftmax(logits)));
    await forcedLogits(v.lm, prompts, reference.ids!, (step, r, logits) => {
      const p = fp32Steps[step][r];
      const q = logSoftmax(logits);
      let best = 0;
      for (let i = 0; i < p.length; i++) {
        kl += Math.exp(p[i]) * (p[i] - q[i]);
        if (q[i] > q[best]) best = i;
      }
      sameNext += best === reference.ids![r][step] ? 1 : 0;
    });
    const positions = prompts.length * tokens;
    rows.push(
      `| ${v.label} | ${(mean(v.tps1) / mean(reference.tps1)).toFixed(2)}× | ${(mean(v.tps16) / mean(reference.tps16)).toFixed(2)}× | ` +
        `${((100 * same) / positions).toFixed(1)} % | ${((100 * sameNext) / positions).toFixed(1)} % | ${(kl / positions).toExponential(1)} | ` +
        `${v.invariant ? "yes" : "NO"} | ${v.lm.selfCheck?.ms.toFixed(0)} ms |`,
    );
  }
  for (const v of variants) await v.lm.release();
  console.log(
    `\nbench model, ${PROMPTS} prompts × ${tokens} greedy tokens; fp32 ${mean(reference.tps1).toFixed(1)} tokens/s at 1, ` +
      `${mean(reference.tps16).toFixed(1)} at 16 (one run, ${values.rounds} interleaved rounds)\n` +
      "| dtype | tokens/s at 1 vs fp32 | tokens/s at 16 vs fp32 | greedy ids = fp32 | next token = fp32's (same prefix) | mean KL(fp32 ‖ dtype) | alone = batched | load self-check |\n" +
      "|---|---|---|---|---|---|---|---|\n" +
      rows.join("\n"),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
