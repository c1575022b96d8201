// Model-level proofs for generated models on real onnxruntime-node: logits match the float64
// reference (prefill, left padding, holes, non-empty past), cached decode = full recompute,
// batched = alone, and the fp16 / q8 / position-free / all-logits / external-data variants agree.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { llamaConfigFromHf, type LlamaConfig } from "../../scripts/model-builder/llama-config.ts";
import { SeededRandom } from "../../scripts/model-builder/seeded-random.ts";
import { generateLlamaWeights } from "../../scripts/model-builder/seeded-weights.ts";
import { dequantizedLlamaWeights } from "../harness/dequantized-weights.ts";
import { referenceLlamaForward, type ReferenceInputs } from "../harness/reference-llama.ts";
import { tinyModelDir, type TinyModelOptions } from "../harness/tiny-model.ts";

type Kv = Float32Array | Uint16Array;
interface RunInputs extends Omit<ReferenceInputs, "past"> {
  past?: Array<{ key: Kv; value: Kv }>;
}
interface RunOutputs {
  logits: Float32Array;
  dims: readonly number[];
  present: Array<{ key: Kv; value: Kv }>;
  kvType: string;
}

const sessions = new Map<string, Promise<ort.InferenceSession>>();
function session(dir: string, file = "model.onnx", extra?: Record<string, unknown>): Promise<ort.InferenceSession> {
  const path = join(dir, "onnx", file);
  const key = `${path} ${JSON.stringify(extra ?? {})}`;
  let s = sessions.get(key);
  if (!s) {
    s = ort.InferenceSession.create(path, { executionProviders: ["cpu"], intraOpNumThreads: 1, ...(extra ? { extra } : {}) });
    sessions.set(key, s);
  }
  return s;
}

function readConfig(dir: string): LlamaConfig {
  return llamaConfigFromHf(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>);
}

const int64 = (rows: number[][]) =>
  new ort.Tensor("int64", BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);

/** cumsum(mask)-1, clamped at 0, for the last `seq` columns: the usual position ids. */
function positionsFromMask(mask: number[][], seq: number): number[][] {
  return mask.map((row) => {
    let count = 0;
    return row.map((m) => Math.max(0, (count += m) - 1)).slice(row.length - seq);
  });
}

async function run(dir: string, file: string, config: LlamaConfig, inputs: RunInputs, extra?: Record<string, unknown>): Promise<RunOutputs> {
  const s = await session(dir, file, extra);
  const batch = inputs.inputIds.length;
  const seq = inputs.inputIds[0].length;
  const pastLen = inputs.attentionMask[0].length - seq;
  const kvType = file === "model_fp16.onnx" ? "float16" : "float32";
  const feeds: Record<string, ort.Tensor> = {
    input_ids: int64(inputs.inputIds),
    attention_mask: int64(inputs.attentionMask),
  };
  if (s.inputNames.includes("position_ids")) {
    feeds.position_ids = int64(inputs.positionIds ?? positionsFromMask(inputs.attentionMask, seq));
  }
  if (s.inputNames.includes("num_logits_to_keep")) {
    feeds.num_logits_to_keep = new ort.Tensor("int64", BigInt64Array.of(BigInt(inputs.logitsToKeep ?? 0)), []);
  }
  const kvDims = [batch, config.numKeyValueHeads, pastLen, config.headDim];
  for (let i = 0; i < config.numHiddenLayers; i++) {
    for (const kind of ["key", "value"] as const) {
      const data = inputs.past?.[i][kind] ?? (kvType === "float16" ? new Uint16Array(0) : new Float32Array(0));
      feeds[`past_key_values.${i}.${kind}`] = new ort.Tensor(kvType, data, kvDims);
    }
  }
  const out = await s.run(feeds);
  const present = Array.from({ length: config.numHiddenLayers }, (_, i) => ({
    key: out[`present.${i}.key`].data as Kv,
    value: out[`present.${i}.value`].data as Kv,
  }));
  return { logits: out.logits.data as Float32Array, dims: out.logits.dims, present, kvType: out["present.0.key"].type };
}

/** max|a-b| / max|b| */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

/** The last position's logits of every row: [batch, vocab]. */
function lastLogits(out: { logits: Float32Array; dims: readonly number[] }): Float32Array {
  const [batch, keep, vocab] = out.dims;
  const rows = new Float32Array(batch * vocab);
  for (let b = 0; b < batch; b++) rows.set(out.logits.subarray(((b + 1) * keep - 1) * vocab, (b + 1) * keep * vocab), b * vocab);
  return rows;
}

const randomIds = (random: SeededRandom, vocab: number, n: number) => Array.from({ length: n }, () => random.below(vocab));
const randomKv = (random: SeededRandom, n: number) => Float32Array.from({ length: n }, () => random.normal());

describe("generated tiny Llama on onnxruntime", () => {
  it("matches the float64 reference: prefill, left padding, holes and a non-empty past", async () => {
    const dir = await tinyModelDir();
    const config = readConfig(dir);
    const weights = generateLlamaWeights(config, 1);
    const random = new SeededRandom(42, "parity");
    const v = config.vocabSize;
    const kvSize = (batch: number, past: number) => batch * config.numKeyValueHeads * past * config.headDim;
    const pastOf = (batch: number, past: number) =>
      Array.from({ length: config.numHiddenLayers }, () => ({ key: randomKv(random, kvSize(batch, past)), value: randomKv(random, kvSize(batch, past)) }));
    const cases: RunInputs[] = [
      { inputIds: [randomIds(random, v, 7)], attentionMask: [[1, 1, 1, 1, 1, 1, 1]] },
      {
        inputIds: [randomIds(random, v, 6), randomIds(random, v, 6), randomIds(random, v, 6)],
        attentionMask: [[1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1]],
        logitsToKeep: 1,
      },
      {
        // past of 5 (random K/V), a hole at column 2, and positions far from 0.
        inputIds: [randomIds(random, v, 4), randomIds(random, v, 4)],
        attentionMask: [[1, 1, 0, 1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1, 1, 1, 1]],
        positionIds: [[400, 401, 402, 403], [3, 4, 5, 6]],
        past: pastOf(2, 5),
        logitsToKeep: 2,
      },
    ];
    for (const inputs of cases) {
      const actual = await run(dir, "model.onnx", config, inputs);
      const expected = referenceLlamaForward(config, weights, inputs);
      expect(actual.dims).toEqual(expected.logitsDims);
      expect(relativeError(actual.logits, expected.logits)).toBeLessThan(1e-4);
      actual.present.forEach((layer, i) => {
        expect(relativeError(layer.key, expected.present[i].key)).toBeLessThan(1e-4);
        expect(relativeError(layer.value, expected.present[i].value)).toBeLessThan(1e-4);
      });
    }
  });

  it("cached decode (present → past) equals recomputing the full sequence", async () => {
    const dir = await tinyModelDir();
    const config = readConfig(dir);
    const random = new SeededRandom(7, "decode");
    // Row 1 is left-padded by 3, so the cache carries padding too.
    const ids = [randomIds(random, config.vocabSize, 12), randomIds(random, config.vocabSize, 12)];
    const fullMask = [Array(12).fill(1), [0, 0, 0, ...Array(9).fill(1)]];
    const prefill = 6;
    let out = await run(dir, "model.onnx", config, {
      inputIds: ids.map((row) => row.slice(0, prefill)),
      attentionMask: fullMask.map((row) => row.slice(0, prefill)),
      logitsToKeep: 1,
    });
    for (let t = prefill; t < 12; t++) {
      const full = await run(dir, "model.onnx", config, {
        inputIds: ids.map((row) => row.slice(0, t)),
        attentionMask: fullMask.map((row) => row.slice(0, t)),
        logitsToKeep: 1,
      });
      expect(relativeError(lastLogits(out), lastLogits(full))).toBeLessThan(1e-4);
      out = await run(dir, "model.onnx", config, {
        inputIds: ids.map((row) => [row[t]]),
        attentionMask: fullMask.map((row) => row.slice(0, t + 1)),
        past: out.present,
        logitsToKeep: 1,
      });
    }
  });

  it("a left-padded row in a batch equals the same prompt alone, through a decode step", async () => {
    const dir = await tinyModelDir();
    const config = readConfig(dir);
    const random = new SeededRandom(9, "batch");
    const long = randomIds(random, config.vocabSize, 9);
    const short = randomIds(random, config.vocabSize, 5);
    const next = [randomIds(random, config.vocabSize, 1)[0], randomIds(random, config.vocabSize, 1)[0]];
    const batchMask = [Array(9).fill(1), [0, 0, 0, 0, 1, 1, 1, 1, 1]];
    const batched = await run(dir, "model.onnx", config, { inputIds: [long, [0, 0, 0, 0, ...short]], attentionMask: batchMask, logitsToKeep: 1 });
    const batchedStep = await run(dir, "model.onnx", config, {
      inputIds: [[next[0]], [next[1]]],
      attentionMask: batchMask.map((row) => [...row, 1]),
      past: batched.present,
      logitsToKeep: 1,
    });
    const vocab = config.vocabSize;
    for (const [row, prompt] of [long, short].entries()) {
      const alone = await run(dir, "model.onnx", config, { inputIds: [prompt], attentionMask: [prompt.map(() => 1)], logitsToKeep: 1 });
      const aloneStep = await run(dir, "model.onnx", config, {
        inputIds: [[next[row]]],
        attentionMask: [[...prompt.map(() => 1), 1]],
        past: alone.present,
        logitsToKeep: 1,
      });
      expect(relativeError(batched.logits.subarray(row * vocab, (row + 1) * vocab), alone.logits)).toBeLessThan(1e-5);
      expect(relativeError(batchedStep.logits.subarray(row * vocab, (row + 1) * vocab), aloneStep.logits)).toBeLessThan(1e-5);
    }
  });

  it("fp16 (half weights and KV cache) agrees with fp32; q8 and q4 match the reference on their dequantized weights", async () => {
    const dir = await tinyModelDir({ dtypes: ["fp32", "fp16", "q8", "q4"] });
    const config = readConfig(dir);
    const random = new SeededRandom(11, "dtypes");
    const inputs: RunInputs = {
      inputIds: [randomIds(random, config.vocabSize, 8), randomIds(random, config.vocabSize, 8)],
      attentionMask: [Array(8).fill(1), [0, 0, 0, 1, 1, 1, 1, 1]],
    };
    const fp32 = await run(dir, "model.onnx", config, inputs);
    const fp16 = await run(dir, "model_fp16.onnx", config, inputs);
    expect(fp16.kvType).toBe("float16");
    expect(fp16.present[0].key).toBeInstanceOf(Uint16Array);
    expect(relativeError(lastLogits(fp16), lastLogits(fp32))).toBeLessThan(2e-2);

    // MatMulNBits with float32 compute: exactly the float64 reference on the dequantized weights.
    for (const [file, bits] of [["model_quantized.onnx", 8], ["model_q4.onnx", 4]] as const) {
      const quantized = await run(dir, file, config, inputs);
      expect(quantized.kvType).toBe("float32");
      const weights = dequantizedLlamaWeights(config, generateLlamaWeights(config, 1), bits);
      expect(relativeError(quantized.logits, referenceLlamaForward(config, weights, inputs).logits), file).toBeLessThan(1e-4);
    }
    const q8 = await run(dir, "model_quantized.onnx", config, inputs);
    expect(relativeError(lastLogits(q8), lastLogits(fp32))).toBeLessThan(2e-2);
  });

  it("position-free, all-logits and external-data variants give the default model's logits", async () => {
    const defaultDir = await tinyModelDir();
    const config = readConfig(defaultDir);
    const random = new SeededRandom(13, "variants");
    const inputs: RunInputs = {
      inputIds: [randomIds(random, config.vocabSize, 7), randomIds(random, config.vocabSize, 7)],
      attentionMask: [Array(7).fill(1), [0, 0, 1, 1, 1, 1, 1]],
      logitsToKeep: 1,
    };
    const prefill = await run(defaultDir, "model.onnx", config, inputs);
    const expected = lastLogits(prefill);
    const stepInputs = (past: RunOutputs["present"]): RunInputs => ({
      inputIds: [[17], [23]],
      attentionMask: inputs.attentionMask.map((row) => [...row, 1]),
      past,
      logitsToKeep: 1,
    });
    const expectedStep = lastLogits(await run(defaultDir, "model.onnx", config, stepInputs(prefill.present)));

    const variants: TinyModelOptions[] = [{ positionIds: false }, { logitsToKeepInput: false }, { externalData: true }];
    for (const options of variants) {
      const dir = await tinyModelDir(options);
      const s = await session(dir);
      expect(s.inputNames.includes("position_ids")).toBe(options.positionIds ?? true);
      expect(s.inputNames.includes("num_logits_to_keep")).toBe(options.logitsToKeepInput ?? true);
      const out = await run(dir, "model.onnx", config, inputs);
      expect(out.dims).toEqual([2, options.logitsToKeepInput === false ? 7 : 1, config.vocabSize]);
      expect(relativeError(lastLogits(out), expected)).toBeLessThan(1e-5);
      const step = await run(dir, "model.onnx", config, stepInputs(out.present)); // decode with a past
      expect(relativeError(lastLogits(step), expectedStep)).toBeLessThan(1e-5);
    }
  });
});
