// The benchmark's model folder (the `bench` preset, built once into .tmp/bench-models/bench) and its
// prompts: deterministic English text cut to about `promptTokens` tokens, identical for every system.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadModelCard, type ModelCard } from "../../shared/models/model-card.ts";
import { BPE_CORPUS } from "../model-builder/bpe-corpus.ts";
import { buildModelFolder } from "../model-builder/write-model-folder.ts";
import { quantizeModelFolder } from "../model-quantizer/quantize-model-folder.ts";
import { modelFilePath, type ModelDtype } from "../../worker/model/model-file-path.ts";
import type { BenchRequest } from "./bench-types.ts";

export const BENCH_MODEL_NAME = "bench";

/**
 * Builds the bench model into `dir` unless its fp32 graph is already there, and the `dtype` variant
 * (fp16 by the builder, q8 / q4 by the quantizer) unless present; returns the absolute path.
 */
export async function ensureBenchModel(dir = ".tmp/bench-models/bench", dtype: ModelDtype = "fp32"): Promise<string> {
  const folder = resolve(dir);
  if (!existsSync(join(folder, "onnx", "model.onnx")) || !existsSync(join(folder, "tokenizer.json"))) {
    const started = performance.now();
    await buildModelFolder({ preset: "bench", outDir: folder, dtypes: ["fp32"] });
    console.log(`built the bench model in ${((performance.now() - started) / 1000).toFixed(1)} s → ${folder}`);
  }
  const missing = !hasVariant(folder, dtype);
  if (dtype === "q8" || dtype === "q4") {
    if (missing) console.log(`quantized ${dtype}: ${(await quantizeModelFolder(folder, dtype)).output}`);
  } else if (dtype === "fp16" && missing) {
    await buildModelFolder({ preset: "bench", outDir: folder, dtypes: ["fp32", "fp16"] });
  }
  modelFilePath(folder, dtype); // throws naming the file when this dtype cannot be made here
  return folder;
}

function hasVariant(folder: string, dtype: ModelDtype): boolean {
  try {
    modelFilePath(folder, dtype);
    return true;
  } catch {
    return false;
  }
}

export function benchModelCard(folder: string): ModelCard {
  return loadModelCard(BENCH_MODEL_NAME, folder);
}

/**
 * `count` prompts of `promptTokens` ± a few tokens (BOS included): consecutive words of the corpus
 * from a different start each, grown a word at a time until the encoding reaches the target.
 */
export function benchPrompts(card: ModelCard, count: number, promptTokens: number): BenchRequest[] {
  const words = BPE_CORPUS.split(/\s+/).filter((w) => w.length > 0);
  return Array.from({ length: count }, (_, index) => {
    let start = (index * 37) % words.length;
    let text = "";
    let ids: number[] = [];
    for (let n = 1; ids.length < promptTokens; n++) {
      // Wrap around the corpus when a prompt starts near its end.
      if (start + n > words.length) start = 0;
      text = words.slice(start, start + n).join(" ");
      ids = card.encode(text, true);
    }
    return { index, promptIds: ids, text };
  });
}

/** A prompt of exactly `length` ids, for the long-prompt token-gap test (corpus text repeated). */
export function longPromptIds(card: ModelCard, length: number): number[] {
  const ids = card.encode(BPE_CORPUS.repeat(Math.ceil((length * 6) / BPE_CORPUS.length) + 1), true);
  if (ids.length < length) throw new Error(`corpus too short for a ${length}-token prompt`);
  return ids.slice(0, length);
}
